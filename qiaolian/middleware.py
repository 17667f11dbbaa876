"""Session lifetime (the idle limit is Django's cookie age; this adds the absolute limit) and the caching of
responses that carry personal data."""
import time

from auditlog.middleware import AuditlogMiddleware
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.cache import add_never_cache_headers

from orgs.common.audit import client_address

SESSION_STARTED_KEY = "qiaolian_session_started"


class AbsoluteSessionLimitMiddleware:
    """Ends a session SESSION_ABSOLUTE_SECONDS after login, however active it has been."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = int(time.time())
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """`Cache-Control: no-store` (with Django's other never-cache headers) on every response to a signed-in user
    or to an API call with credentials: pages, API answers and exports carry personal data that no browser or
    proxy may keep. Static files are served before this (WhiteNoise) and keep their caching; a response that
    already says how it is cached (the health check) is left as it is, unless it lets a cache keep it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # After the view: DRF sets request.user to the user of a token, which the session did not know.
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            if "no-store" not in response.get("Cache-Control", ""):
                add_never_cache_headers(response)
        return response


class TrustedAddressAuditlogMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, recording the client address the login lockout and our own audit events
    trust (`client_address`: X-Forwarded-For only behind PROXY_COUNT proxies) instead of whatever a client writes
    in X-Forwarded-For, and no client-sent port."""

    @staticmethod
    def _get_remote_addr(request):
        return None if settings.AUDITLOG_DISABLE_REMOTE_ADDR else client_address(request)

    @staticmethod
    def _get_remote_port(request):
        return None


# The API's HTML pages (DRF's browsable API, Swagger UI) come from third-party templates with inline <style> elements
# and style="" attributes; there, and only there, inline styles are allowed. Scripts stay 'self' everywhere.
INLINE_STYLE_PREFIXES = ("/api/",)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with settings.CONTENT_SECURITY_POLICY, plus inline styles under INLINE_STYLE_PREFIXES."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(INLINE_STYLE_PREFIXES) and parts.update is None:
            parts.update = {"style-src": ["'unsafe-inline'"]}
        return parts
