"""An account opened with a one-time initial password must change it before anything else: every page but the
password page (and logout, static files, the health check, the language switch) redirects there. The API answers
as usual: its clients are programs, whose tokens an administrator issues.

The obligation is read once, at login, into the session (orgs.accounts.receivers); a request costs no query unless
the session carries it."""
from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

EXEMPT_PREFIXES = ("/static/", "/media/", "/healthz", "/i18n/", "/api/")


class InitialPasswordMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(EXEMPT_PREFIXES):
            allowed = (reverse("password_change"), reverse("password_change_done"), reverse("logout"),
                       reverse("twofactor:verify"), reverse("twofactor:enrol"))
            if request.path not in allowed and request.session.get(SESSION_KEY):
                if _must_change(user):
                    return redirect("password_change")
                request.session.pop(SESSION_KEY, None)
        return self.get_response(request)


SESSION_KEY = "must_change_password"


def _must_change(user) -> bool:
    profile = getattr(user, "account", None)
    return bool(profile is not None and profile.must_change_password)
