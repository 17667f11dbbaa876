from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    """Regions, users and scoping, organizations."""

    name = "orgs"
    verbose_name = _("组织与区划")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext

        from orgs.common.messages import install_translation

        install_translation(gettext)  # the pure modules' messages, in the user's language
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model

        from orgs.access.models import Membership
        from orgs.accounts import receivers  # noqa: F401  (the initial password's obligation ends when it is changed)
        from orgs.accounts.models import AccountProfile
        from orgs.audit import checks as audit_checks  # noqa: F401  (AUDIT_RETENTION_DAYS at least 180)
        from orgs.audit import receivers as audit_receivers  # noqa: F401  (audit entries are never changed or deleted)
        from orgs.common import audit
        from orgs.homes.models import Home, HomeDesignation
        from orgs.organizations import panels as organization_panels  # noqa: F401  (registers the region page's 侨联组织 panel)
        from orgs.organizations.models import (
            Activity,
            ActivityAttachment,
            AffiliatedAssociation,
            AlumniLink,
            CadreContact,
            CadreContactLog,
            LeadershipMember,
            Organization,
            OverseasAssociation,
            WechatGroup,
        )
        from orgs.regions.models import Region
        from orgs.signon import checks as signon_checks  # noqa: F401  (OIDC: the issuer checked, an immutable subject claim)
        from orgs.twofactor import receivers as twofactor_receivers  # noqa: F401  (the second factor noted at login)
        from orgs.units.models import Unit

        auditlog.register(Region, exclude_fields=["lft", "rght", "tree_id", "depth", "full_name"])
        auditlog.register(Membership)
        auditlog.register(
            AccountProfile, exclude_fields=audit.PHONE_EXCLUDED, mask_fields=audit.PHONE_FIELDS, mask_callable=audit.AUDIT_MASK
        )
        auditlog.register(Unit)
        # What `manage.py rotate_keys` re-encrypts (orgs.common.crypto_registry): the phones held at rest.
        from orgs.common.crypto_registry import register_encrypted_field
        from orgs.common.identifiers import normalize_phone
        from orgs.training.models import Volunteer

        register_encrypted_field(AccountProfile, "phone_encrypted", hash_field="phone_hash", normalize=normalize_phone)
        register_encrypted_field(Volunteer, "phone_encrypted", hash_field="phone_hash", normalize=normalize_phone)
        auditlog.register(Organization, m2m_fields={"covered_regions"})
        # The founding steps (FoundingStep) and 五有 assessments (HomeAssessment) are their own history.
        for model in (LeadershipMember, CadreContact, CadreContactLog, Home, HomeDesignation, WechatGroup, AffiliatedAssociation,
                      OverseasAssociation, AlumniLink, Activity, ActivityAttachment):
            auditlog.register(model)
        from orgs.assessments.models import OrganizationAssessment, ScoringSheet

        # 督查考核: the sheets as their federations change them, and each assessment's entry and replacement
        auditlog.register(ScoringSheet)
        auditlog.register(OrganizationAssessment)
        auditlog.register(get_user_model(), exclude_fields=["password", "last_login"])
