"""Authentication backends of the two sign-on platforms. Each asks its platform to confirm an identity (CAS: the
ticket, with django-cas-ng's client; OpenID Connect: the code, the RS256-signed id_token and the userinfo, with
mozilla-django-oidc), then finds the account the level above mapped it to (`identity_resolve`). Neither ever creates
an account: an identity without an account is refused (and audited), as are inactive accounts, administrators and
accounts without a role. The views call them directly (not through `django.contrib.auth.authenticate`), so that a
refusal is not also counted as a failed password by django-axes; they are listed in AUTHENTICATION_BACKENDS only
while their platform is switched on, which keeps their sessions valid only as long."""
from __future__ import annotations

import logging
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django_cas_ng.utils import get_cas_client
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from orgs.signon.models import Provider
from orgs.signon.providers import cas_enabled, oidc_enabled
from orgs.signon.services import Refusal, identity_resolve, signon_refused

LOGGER = logging.getLogger(__name__)
# On the request, for the view: the refusal (provider, subject, reason, account) or the accepted sign-on.
REFUSAL_ATTRIBUTE = "signon_refusal"
ACCEPTED_ATTRIBUTE = "signon_accepted"
ID_TOKEN_ATTRIBUTE = "signon_id_token"  # the OIDC id_token of this sign-on (for the provider's logout)


class _TimeoutSession(requests.Session):
    """python-cas sends its validation without a timeout: a platform that hangs must not hold a worker."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", settings.SIGNON_TIMEOUT)
        return super().request(*args, **kwargs)


def _failure(error: Exception) -> str:
    """The refusal's detail for a platform's answer that could not be read: the error's type and the start of its
    message (the platform's answer can be long)."""
    return f"{type(error).__name__}: {str(error)[:200]}"


def _resolve(request, provider: str, subject: str, *, detail: str = ""):
    """The account for a confirmed (or, with `detail`, unconfirmed) identity; a refusal is audited and noted on the
    request for the view."""
    subject = (subject or "").strip()
    resolution = identity_resolve(provider, subject) if not detail else None
    if resolution is not None and resolution.user is not None and not resolution.reason:
        setattr(request, ACCEPTED_ATTRIBUTE, {"provider": provider, "subject": subject, "matched_by": resolution.matched_by})
        return resolution.user
    reason = resolution.reason if resolution is not None else Refusal.INVALID
    user = resolution.user if resolution is not None else None
    signon_refused(provider=provider, subject=subject, reason=reason, user=user, detail=detail, request=request)
    setattr(request, REFUSAL_ATTRIBUTE, {"provider": provider, "subject": subject, "reason": reason,
                                         "user_id": user.pk if user is not None else None})
    return None


class CasBackend(ModelBackend):
    """CAS 2.0 / 3.0 (django-cas-ng's client): the user name the CAS server confirms for a service ticket, or the
    attribute CAS_USERNAME_ATTRIBUTE names, is the external subject."""

    def authenticate(self, request, ticket=None, service=None, **kwargs):
        if request is None or not ticket or not service or kwargs or not cas_enabled():
            return None
        client = get_cas_client(service_url=service, request=request)
        client.session = _TimeoutSession()
        try:
            username, attributes, _pgtiou = client.verify_ticket(ticket)
        except Exception as error:  # only the library's call: any odd answer of the CAS server is refused, never a 500
            # python-cas reads the answer without checking its shape: besides the network's and the XML parser's errors,
            # an answer without children is an IndexError, a success without cas:user an AttributeError, an empty CAS
            # 1.0 body a StopIteration, a SAML status without its value a KeyError. Each is an unconfirmed identity.
            LOGGER.warning("CAS ticket validation failed: %s", _failure(error))
            return _resolve(request, Provider.CAS, "", detail=_failure(error))
        if settings.CAS_USERNAME_ATTRIBUTE != "cas:user":
            value = (attributes or {}).get(settings.CAS_USERNAME_ATTRIBUTE)
            username = value[0] if isinstance(value, list) and value else value
        if not username:
            return _resolve(request, Provider.CAS, "", detail="ticket not confirmed")
        return _resolve(request, Provider.CAS, str(username))


class OidcBackend(OIDCAuthenticationBackend):
    """OpenID Connect, authorization-code flow (mozilla-django-oidc): the id_token is checked (signature against the
    provider's JWKS, nonce, audience, issuer, expiry); the claim OIDC_SUBJECT_CLAIM (default `sub`) of the id_token,
    completed by the userinfo endpoint when one is set (its `sub` must be the id_token's), is the external subject."""

    def __init__(self, *args, **kwargs):
        # mozilla-django-oidc refuses to start without its settings; here they are empty while OIDC is off.
        self.OIDC_OP_TOKEN_ENDPOINT = settings.OIDC_OP_TOKEN_ENDPOINT
        self.OIDC_OP_USER_ENDPOINT = settings.OIDC_OP_USER_ENDPOINT
        self.OIDC_OP_JWKS_ENDPOINT = settings.OIDC_OP_JWKS_ENDPOINT
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = get_user_model()

    def authenticate(self, request, oidc_nonce=None, oidc_code_verifier=None, **kwargs):
        if request is None or oidc_nonce is None or kwargs or not oidc_enabled():
            return None
        self.request = request
        try:
            # the library's calls to the provider: the token endpoint, the JWKS, the id_token's checks, the userinfo
            confirmed = super().authenticate(request, nonce=oidc_nonce, code_verifier=oidc_code_verifier)
            userinfo = self.get_userinfo(*confirmed) if isinstance(confirmed, tuple) and self.OIDC_OP_USER_ENDPOINT else None
        except Exception as error:  # only the library's calls: any odd answer of the provider is refused, never a 500
            # an HTTP error, a body that is not JSON or not the object expected (an AttributeError or TypeError), a token
            # that does not decode or verify (jwt's errors, SuspiciousOperation): each is an unconfirmed identity
            LOGGER.warning("OpenID Connect sign-on failed: %s", _failure(error))
            return _resolve(request, Provider.OIDC, "", detail=_failure(error))
        if not isinstance(confirmed, tuple):
            return _resolve(request, Provider.OIDC, "", detail="no identity")
        return self._identity(confirmed[2], userinfo)

    def _identity(self, payload: dict[str, Any], userinfo: Any):
        """The account of the identity the id_token confirmed, its claims completed by the userinfo's (whose `sub`
        must be the id_token's)."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            subject = str(payload.get("sub") or "")
            if not isinstance(userinfo, dict):
                return _resolve(self.request, Provider.OIDC, subject, detail="userinfo is not a JSON object")
            if userinfo.get("sub") != payload.get("sub"):
                return _resolve(self.request, Provider.OIDC, subject, detail="userinfo sub differs")
            claims.update(userinfo)
        return _resolve(self.request, Provider.OIDC, str(claims.get(settings.OIDC_SUBJECT_CLAIM) or ""))

    def verify_token(self, token, **kwargs):
        """mozilla-django-oidc checks the signature and the nonce; the audience, issuer and expiry are checked here."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("id_token audience is not this client")
        if settings.OIDC_OP_ISSUER and payload.get("iss") != settings.OIDC_OP_ISSUER:
            raise SuspiciousOperation("id_token issuer is not OIDC_OP_ISSUER")
        if "exp" not in payload:
            raise SuspiciousOperation("id_token without expiry")
        return payload

    def store_tokens(self, access_token, id_token):
        """Nothing goes into the session here (mozilla-django-oidc would, before the identity is mapped): the id_token of
        an accepted sign-on is kept by the login view, for the provider's logout (OIDC_OP_LOGOUT_ENDPOINT)."""
        setattr(self.request, ID_TOKEN_ATTRIBUTE, id_token)

    def get_or_create_user(self, access_token, id_token, payload):
        """Hands the verified tokens back to `authenticate` (through the library's, which returns what this returns): the
        account is found there, outside the handling of the provider's errors, and never created."""
        return access_token, id_token, payload

    def create_user(self, claims):
        raise SuspiciousOperation("sign-on never creates an account")
