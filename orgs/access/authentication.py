"""API authentication that tells the audit trail who is acting.

django-auditlog's middleware reads `request.user` before DRF runs: for a session that is the signed-in user,
but a token is only authenticated later, inside the view, so every change made with a token was recorded
without an actor. These classes hand the authenticated user to auditlog's request context (which also
holds the client's address) as soon as DRF knows it."""
from __future__ import annotations

from auditlog.context import auditlog_value
from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication, TokenAuthentication


def audit_actor_set(user) -> None:
    """Makes `user` the actor of the audit entries written during the rest of this request (no-op outside a
    request that went through AuditlogMiddleware)."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    if user is not None and getattr(user, "is_authenticated", False):
        context["actor"] = user


class AuditedAuthenticationMixin:
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            audit_actor_set(result[0])
        return result


class AuditedTokenAuthentication(AuditedAuthenticationMixin, TokenAuthentication):
    """`Authorization: Token …`, with the token's user as the audit actor."""


class AuditedSessionAuthentication(AuditedAuthenticationMixin, SessionAuthentication):
    """The signed-in session (with DRF's CSRF check), with its user as the audit actor."""


class AuditedSessionScheme(SessionScheme):
    """The schema's cookieAuth for the audited session class (drf-spectacular matches the token's subclass by itself)."""

    target_class = "orgs.access.authentication.AuditedSessionAuthentication"
