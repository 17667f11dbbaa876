"""Scope-matrix cases of issue 18 §4 (三员分立, two-factor login, the audit log): pages outside the region scoping.

The lockout page and the audit log are one administrator's each: 403 for the county official, the leadership and the
system administrator (admin_only); the security administrator's unlock is the positive control. The second-factor
pages are the caller's own (no region-bound data): they answer everyone, showing nothing of another county."""
from __future__ import annotations

from tests.scope.accounts import ACCOUNT
from tests.scope.builtin import ACCESS_ATTEMPT, AUDIT_ENTRY, USER
from tests.scope.registry import WEB, Probe, RouteCase, Write, register

OWN = (Probe(shows_own=False),)

register(
    RouteCase(
        "accounts:lockouts", WEB, ACCESS_ATTEMPT, methods=("GET", "HEAD", "OPTIONS", "POST"), admin_only=True,
        writes=(Write("POST", lambda world, obj, region: {"attempt": obj.pk if obj else ""}),),
        writer="security_admin_user",
    ),
    RouteCase(
        "accounts:two-factor-reset", WEB, ACCOUNT, kwargs=lambda u: {"pk": u.pk}, methods=("POST",), reads=(),
        writes=(Write("POST", control=False),),  # the security administrator's; no row of the matrix's kinds changes
    ),
    RouteCase("audit:search", WEB, AUDIT_ENTRY, admin_only=True),
    RouteCase("audit:export", WEB, AUDIT_ENTRY, admin_only=True),
    RouteCase("twofactor:manage", WEB, USER, reads=OWN),
    RouteCase("twofactor:verify", WEB, USER, reads=OWN, methods=("GET", "HEAD", "OPTIONS", "POST"), own_status=(302,)),
    RouteCase("twofactor:enrol", WEB, USER, reads=OWN, methods=("GET", "HEAD", "OPTIONS", "POST")),
    RouteCase(
        "twofactor:recovery-renew", WEB, USER, methods=("POST",), reads=(),
        writes=(Write("POST", control=False),),  # the caller's own codes: no row of the matrix's kinds changes
    ),
    RouteCase("twofactor:remove", WEB, USER, methods=("POST",), reads=(), writes=(Write("POST", control=False),)),
)
