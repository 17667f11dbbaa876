"""A user who needs the second factor (administrators; others once enrolled) reaches no page but the second-factor
pages and logout until this session is verified: pages redirect to the code (or, without an authenticator yet, to
enrolment), session calls to the API get 403. API token calls carry no session and are not seen here (tokens of
administrators are refused by `orgs.twofactor.api.TokenAuthentication`).

Whether an enrolled user's session needs it is read once and kept in the session; an administrator's role is read
with the request's scope; a verified session costs django-otp's one query for its device."""
from __future__ import annotations

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from orgs.access.scoping import user_scope
from orgs.twofactor.services import SESSION_KEY, second_factor_required

EXEMPT_PREFIXES = ("/static/", "/media/", "/healthz", "/i18n/")
ALLOWED_NAMES = ("twofactor:verify", "twofactor:enrol", "logout")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(EXEMPT_PREFIXES):
            if request.path not in {reverse(name) for name in ALLOWED_NAMES}:
                required = request.session.get(SESSION_KEY)
                if required is None:  # a session opened before this middleware (the login notes it: receivers)
                    required = request.session[SESSION_KEY] = second_factor_required(user)
                # an administrator's role given during this session counts at once (the scope is read per request
                # anyway: the pages and AdministratorPagesMiddleware need it)
                required = required or user.is_superuser or user_scope(user).is_administrator
                if required and not user.is_verified():
                    if request.path.startswith("/api/"):
                        return JsonResponse({"detail": _("请先完成两步验证")}, status=403)
                    return redirect(f"{reverse('twofactor:verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
