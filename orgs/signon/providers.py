"""Which sign-on platforms are switched on (settings, from the environment: README "Configuration"), and the
settings each needs. Nothing here reads the database."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.utils.translation import gettext as _

from orgs.signon.models import Provider

CAS_BACKEND = "orgs.signon.backends.CasBackend"
OIDC_BACKEND = "orgs.signon.backends.OidcBackend"
OIDC_REQUIRED = ("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT",
                 "OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET")


def signed_on_externally(request) -> bool:
    """Whether the request's session was opened by a sign-on platform (read at login, after `auth.login`)."""
    return request.session.get(BACKEND_SESSION_KEY) in (CAS_BACKEND, OIDC_BACKEND)


def cas_enabled() -> bool:
    """CAS is on when CAS_SERVER_URL is set."""
    return bool(getattr(settings, "CAS_SERVER_URL", None))


def oidc_enabled() -> bool:
    """OpenID Connect is on when its endpoints and the client's id and secret are all set."""
    return all(getattr(settings, name, None) for name in OIDC_REQUIRED)


def provider_enabled(provider: str) -> bool:
    return {Provider.CAS: cas_enabled, Provider.OIDC: oidc_enabled}[Provider(provider)]()


@dataclass(frozen=True)
class SignonButton:
    provider: str
    label: str
    url_name: str


def signon_buttons() -> list[SignonButton]:
    """The login page's "统一身份认证登录" buttons, one per platform switched on; none when both are off."""
    buttons = []
    if cas_enabled():
        buttons.append(SignonButton(Provider.CAS, settings.SIGNON_CAS_LABEL or _("统一身份认证登录"), "signon:cas-login"))
    if oidc_enabled():
        buttons.append(SignonButton(Provider.OIDC, settings.SIGNON_OIDC_LABEL or _("统一身份认证登录"), "signon:oidc-login"))
    return buttons


def provider_label(provider: str) -> str:
    """The platform as the refusal page and the audit trail name it."""
    if provider == Provider.CAS:
        return settings.SIGNON_CAS_LABEL or _("统一身份认证（CAS）")
    return settings.SIGNON_OIDC_LABEL or _("统一身份认证（OpenID Connect）")
