"""Deployment checks (`manage.py check --deploy`): secrets the embedded default may leave unset."""
from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def secrets_configured(app_configs, **kwargs):
    problems = []
    if not (settings.FIELD_KEYS or settings.FIELD_KEYS_FILE or settings.RESIDENT_ID_KEY):
        problems.append(Warning(
            "FIELD_KEYS is not set: document numbers, phones and files are encrypted with a key derived from SECRET_KEY.",
            hint="Set FIELD_KEYS (or FIELD_KEYS_FILE) and keep it outside the database backups.",
            id="qiaolian.W001",
        ))
    if settings.SECRET_KEY.startswith("qiaolian-embedded-insecure"):
        problems.append(Warning("SECRET_KEY is the embedded default.", hint="Set SECRET_KEY.", id="qiaolian.W002"))
    return problems
