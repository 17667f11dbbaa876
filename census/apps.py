from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CensusConfig(AppConfig):
    name = "census"
    verbose_name = _("侨情调查")
    default_auto_field = "django.db.models.BigAutoField"
