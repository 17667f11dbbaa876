"""System checks of the OpenID Connect sign-on's settings (manage.py check, and every start): what would let one person
sign on as another."""
from django.conf import settings
from django.core.checks import Warning, register

from orgs.signon.providers import oidc_enabled

# Claims a user can usually change at the provider (a display name, an e-mail they edit): mapped to accounts, renaming
# oneself would sign one on as someone else. `sub` never changes; an employee number the province assigns does not either.
MUTABLE_CLAIMS = frozenset({"preferred_username", "email", "name", "nickname", "given_name", "family_name", "phone_number"})


@register()
def oidc_settings(app_configs, **kwargs):
    if not oidc_enabled():
        return []
    problems = []
    if not settings.OIDC_OP_ISSUER:
        problems.append(Warning(
            "OIDC_OP_ISSUER is empty: the id_token's issuer is not checked.",
            hint="Set it to the provider's issuer (python manage.py oidc_discover <issuer> prints it).", id="orgs.W211",
        ))
    if settings.OIDC_SUBJECT_CLAIM in MUTABLE_CLAIMS:
        problems.append(Warning(
            f"OIDC_SUBJECT_CLAIM is {settings.OIDC_SUBJECT_CLAIM!r}, a claim users can often change at the provider: "
            "someone who renames themselves could sign on as another account.",
            hint="Map accounts by 'sub', or by an identifier the province assigns and users cannot edit.", id="orgs.W212",
        ))
    return problems
