"""统一身份认证 pages (namespace `signon`, under /accounts/signon/): the CAS service URL (to the CAS server, and back
with a ticket), the OpenID Connect authorization request and redirect URI, and the refusal page. Each sign-on route is
a 404 while its platform is off. The logout (`logout`) ends the local session and, after a CAS sign-on, the CAS
server's too, and after an OpenID Connect sign-on the provider's when its end_session_endpoint is set. Thin: the
platforms are asked by the backends, the decisions and audit entries are services."""
from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django_cas_ng import views as cas_views
from django_cas_ng.models import SESSION_KEY_MAXLENGTH, SessionTicket
from django_cas_ng.utils import get_cas_client, get_service_url
from mozilla_django_oidc import views as oidc_views

from orgs.signon.backends import ACCEPTED_ATTRIBUTE, ID_TOKEN_ATTRIBUTE, REFUSAL_ATTRIBUTE, CasBackend, OidcBackend
from orgs.signon.models import Provider
from orgs.signon.providers import CAS_BACKEND, OIDC_BACKEND, cas_enabled, oidc_enabled
from orgs.signon.selectors import refusal_context
from orgs.signon.services import Refusal, signon_accepted, signon_refused

# In the session: the platform this session signed on with (logout reads it), and a refusal for its page.
SESSION_PROVIDER = "signon_provider"
SESSION_REFUSAL = "signon_refusal"
SESSION_CAS_STATES = "signon_cas_states"  # the states of the CAS logins this session began (the last five)
SESSION_ID_TOKEN = "signon_oidc_id_token"  # only while OIDC_OP_LOGOUT_ENDPOINT is set: the logout's id_token_hint


def _with_state(service_url: str, state: str) -> str:
    return service_url + ("&" if "?" in service_url else "?") + urlencode({"state": state})


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _refused(request, provider: str):
    """To the refusal page, with what the backend noted (or, if it noted nothing, an unconfirmed identity)."""
    refusal = getattr(request, REFUSAL_ATTRIBUTE, None)
    if refusal is None:
        signon_refused(provider=provider, subject="", reason=Refusal.INVALID, detail="no identity", request=request)
        refusal = {"provider": provider, "subject": "", "reason": Refusal.INVALID, "user_id": None}
    request.session[SESSION_REFUSAL] = refusal
    return redirect("signon:refused")


def _signed_on(request, user, backend: str, next_page: str):
    accepted = getattr(request, ACCEPTED_ATTRIBUTE)
    auth.login(request, user, backend=backend)
    request.session[SESSION_PROVIDER] = accepted["provider"]
    request.session.pop(SESSION_REFUSAL, None)
    if accepted["provider"] == Provider.OIDC and settings.OIDC_OP_LOGOUT_ENDPOINT:
        request.session[SESSION_ID_TOKEN] = getattr(request, ID_TOKEN_ATTRIBUTE, "")
    signon_accepted(user=user, request=request, **accepted)
    return HttpResponseRedirect(next_page)


class _SwitchedOn:
    """A sign-on route: 404 while its platform is off (a method it does not answer stays a 405)."""

    @staticmethod
    def enabled() -> bool:
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        method = request.method.lower()
        if method in getattr(self, "http_method_names", ()) and hasattr(self, method) and not self.enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


@method_decorator(csrf_exempt, name="dispatch")
class CasLoginView(_SwitchedOn, cas_views.LoginView):
    """The CAS service URL: without a ticket, to the CAS server's login; with one, validated and signed on (or
    refused). A POST from the CAS server with a logoutRequest (single logout) ends the session of that ticket: a
    server-to-server call without our CSRF cookie, so exempt as django-cas-ng's own view is (its exemption is on its
    `dispatch`, which `_SwitchedOn.dispatch` replaces)."""

    enabled = staticmethod(cas_enabled)

    def get(self, request):
        next_page = _safe_next(request, request.GET.get("next"))
        if request.user.is_authenticated:
            return HttpResponseRedirect(next_page)
        ticket = request.GET.get("ticket")
        if not ticket:
            # A state of this browser's session in the service URL: a ticket someone else obtained (a link that would
            # sign the victim in as the attacker) comes back without it and is refused.
            state = secrets.token_urlsafe(16)
            request.session[SESSION_CAS_STATES] = [*request.session.get(SESSION_CAS_STATES, [])[-4:], state]
            service_url = _with_state(get_service_url(request, next_page), state)
            return HttpResponseRedirect(get_cas_client(service_url=service_url, request=request).get_login_url())
        state, states = request.GET.get("state", ""), request.session.get(SESSION_CAS_STATES, [])
        if state not in states:
            signon_refused(provider=Provider.CAS, subject="", reason=Refusal.INVALID, detail="unknown state", request=request)
            setattr(request, REFUSAL_ATTRIBUTE, {"provider": Provider.CAS, "subject": "", "reason": Refusal.INVALID, "user_id": None})
            return _refused(request, Provider.CAS)
        request.session[SESSION_CAS_STATES] = [s for s in states if s != state]  # used once
        user = CasBackend().authenticate(request, ticket=ticket, service=_with_state(get_service_url(request, next_page), state))
        if user is None:
            return _refused(request, Provider.CAS)
        response = _signed_on(request, user, CAS_BACKEND, next_page)
        if not request.session.session_key:
            request.session.save()
        SessionTicket.objects.update_or_create(
            session_key=request.session.session_key[:SESSION_KEY_MAXLENGTH], defaults={"ticket": ticket})
        return response


class OidcLoginView(_SwitchedOn, oidc_views.OIDCAuthenticationRequestView):
    """To the OpenID Connect provider's authorization endpoint (state, nonce and PKCE kept in the session)."""

    enabled = staticmethod(oidc_enabled)

    def get(self, request):
        if request.user.is_authenticated:
            return HttpResponseRedirect(_safe_next(request, request.GET.get("next")))
        return super().get(request)


class OidcCallbackView(_SwitchedOn, oidc_views.OIDCAuthenticationCallbackView):
    """The redirect URI: the state is checked against the session, the code exchanged, the identity mapped."""

    enabled = staticmethod(oidc_enabled)

    def get(self, request):
        states = request.session.get("oidc_states") or {}
        state, code = request.GET.get("state"), request.GET.get("code")
        entry = states.pop(state, None) if state else None
        request.session["oidc_states"] = states  # a state is used once, also when refused
        if request.GET.get("error") or not code or entry is None:
            detail = request.GET.get("error") or ("no code" if not code else "unknown state")
            signon_refused(provider=Provider.OIDC, subject="", reason=Refusal.INVALID, detail=detail, request=request)
            setattr(request, REFUSAL_ATTRIBUTE, {"provider": Provider.OIDC, "subject": "", "reason": Refusal.INVALID,
                                                 "user_id": None})
            return _refused(request, Provider.OIDC)
        if request.user.is_authenticated:
            auth.logout(request)
            request.user = AnonymousUser()
        user = OidcBackend().authenticate(request, oidc_nonce=entry.get("nonce"), oidc_code_verifier=entry.get("code_verifier"))
        if user is None:
            return _refused(request, Provider.OIDC)
        next_page = _safe_next(request, request.session.pop("oidc_login_next", None))
        return _signed_on(request, user, OIDC_BACKEND, next_page)


@require_safe
def refused(request):
    """统一身份认证未通过: why, and whom to ask (the federation that opened the account, or the system administrator);
    the local login stays open. Shown once per refusal (from the session); otherwise to the login page."""
    refusal = request.session.get(SESSION_REFUSAL)
    if not refusal:
        return redirect("login")
    response = render(request, "signon/refused.html", refusal_context(refusal), status=403)
    add_never_cache_headers(response)
    return response


def _oidc_logout_url(request, id_token: str) -> str:
    """The provider's end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0), back to our login page."""
    params = {"client_id": settings.OIDC_RP_CLIENT_ID, "post_logout_redirect_uri": request.build_absolute_uri(reverse("login"))}
    if id_token:
        params["id_token_hint"] = id_token
    separator = "&" if "?" in settings.OIDC_OP_LOGOUT_ENDPOINT else "?"
    return settings.OIDC_OP_LOGOUT_ENDPOINT + separator + urlencode(params)


class LogoutView(auth_views.LogoutView):
    """退出: the local session ends; a session signed on with CAS then goes to the CAS server's logout, one signed on
    with OpenID Connect to the provider's end_session_endpoint (when OIDC_OP_LOGOUT_ENDPOINT is set): each ends the
    platform's session too and comes back to the login page."""

    def post(self, request, *args, **kwargs):
        provider = request.session.get(SESSION_PROVIDER)
        session_key = request.session.session_key
        id_token = request.session.get(SESSION_ID_TOKEN, "")
        response = super().post(request, *args, **kwargs)
        if provider == Provider.CAS and cas_enabled():
            if session_key:
                SessionTicket.objects.filter(session_key=session_key[:SESSION_KEY_MAXLENGTH]).delete()
            back = request.build_absolute_uri(reverse("login"))
            return HttpResponseRedirect(get_cas_client(request=request).get_logout_url(back))
        if provider == Provider.OIDC and oidc_enabled() and settings.OIDC_OP_LOGOUT_ENDPOINT:
            return HttpResponseRedirect(_oidc_logout_url(request, id_token))
        return response
