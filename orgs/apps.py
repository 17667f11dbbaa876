from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    """Regions, users and scoping, organizations."""

    name = "orgs"
    verbose_name = _("组织与区划")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model

        from . import audit  # noqa: F401  (connects the login/logout signal receivers)
        from .models import Membership, Organization, Region, Unit

        auditlog.register(Region, exclude_fields=["lft", "rght", "tree_id", "depth", "full_name"])
        auditlog.register(Membership)
        auditlog.register(Unit)
        auditlog.register(Organization, m2m_fields={"covered_regions"})
        auditlog.register(get_user_model(), exclude_fields=["password", "last_login"])
