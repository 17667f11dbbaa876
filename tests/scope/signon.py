"""Scope-matrix cases of 统一身份认证 (issue 21 §2): pages without region-bound data. The matrix runs with both
platforms off, where the sign-on routes answer 404 to everyone (tests/orgs/test_signon.py drives them switched on);
the refusal page shows only the refusal noted in the caller's own session, and without one sends to the login page.
The 统一身份认证账号 themselves are fields of the accounts' pages and API (tests/scope/accounts.py)."""
from __future__ import annotations

from tests.scope.builtin import USER
from tests.scope.registry import WEB, Probe, RouteCase, register

OWN = (Probe(shows_own=False),)
ANY_METHOD = ("GET", "HEAD", "OPTIONS")

register(
    RouteCase("signon:cas-login", WEB, USER, reads=OWN, own_status=(404,), methods=(*ANY_METHOD, "POST")),
    RouteCase("signon:oidc-login", WEB, USER, reads=OWN, own_status=(404,), methods=("GET",)),
    RouteCase("signon:oidc-callback", WEB, USER, reads=OWN, own_status=(404,), methods=("GET",)),
    RouteCase("signon:refused", WEB, USER, reads=OWN, own_status=(302,)),
)
