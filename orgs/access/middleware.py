"""三员分立 in the pages: the security administrator reaches the account pages only, the audit administrator the
audit pages only (both: their own password, second factor, logout). The home page leads each to their own pages;
anything else is 403. The system administrator and the other roles are not concerned."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from orgs.access.scoping import user_scope

EXEMPT_PREFIXES = ("/static/", "/media/", "/healthz", "/i18n/")
OWN_PREFIXES = ("/accounts/login/", "/accounts/logout/", "/accounts/password/", "/accounts/2fa/")
SECURITY_PREFIXES = ("/accounts/", "/api/accounts/")
AUDIT_PREFIXES = ("/audit/",)


class AdministratorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        path = request.path
        if user is not None and user.is_authenticated and not path.startswith(EXEMPT_PREFIXES + OWN_PREFIXES):
            scope = user_scope(user)
            if scope.is_confined_administrator:
                home, allowed = ("/audit/", AUDIT_PREFIXES) if scope.is_audit_admin else ("/accounts/", SECURITY_PREFIXES)
                if path == "/":
                    return redirect(home)
                if not path.startswith(allowed):
                    raise PermissionDenied
        return self.get_response(request)
