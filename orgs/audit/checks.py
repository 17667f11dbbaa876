"""System check: the audit retention may not be shorter than the law's six months."""
from django.conf import settings
from django.core.checks import Error, register

from orgs.audit.retention import MINIMUM_RETENTION_DAYS


@register()
def audit_retention_days(app_configs, **kwargs):
    days = getattr(settings, "AUDIT_RETENTION_DAYS", None)
    if not isinstance(days, int) or days < MINIMUM_RETENTION_DAYS:
        return [Error(
            f"AUDIT_RETENTION_DAYS is {days!r}: audit entries must be kept at least {MINIMUM_RETENTION_DAYS} days "
            "(网络安全法 §21).",
            hint=f"Set AUDIT_RETENTION_DAYS to {MINIMUM_RETENTION_DAYS} or more.",
            id="orgs.E180",
        )]
    return []
