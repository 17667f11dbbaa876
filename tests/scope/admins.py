"""Scope-matrix cases of issue 18 §4 (三员分立, two-factor login, the audit log): pages outside the region scoping.

The lockout page and the audit log are one administrator's each: 403 for the county official, the leadership and the
system administrator (admin_only); the security administrator's unlock is the positive control. The second-factor
pages are the caller's own (no region-bound data): they answer everyone, showing nothing of another county. 后台任务
(the job outbox) is the system administrator's: 403 for everyone else; its resend of a failed row is the control."""
from __future__ import annotations

from orgs.jobs.models import JobStatus, QueuedJob
from tests.scope.accounts import ACCOUNT
from tests.scope.builtin import ACCESS_ATTEMPT, AUDIT_ENTRY, USER
from tests.scope.registry import WEB, Placed, Probe, RouteCase, Write, register

OWN = (Probe(shows_own=False),)

# A failed row of the outbox (not bound to a region): the administrator's resend puts it back to pending (its send
# waits for the commit, which the matrix's transaction never makes: nothing runs).
QUEUED_JOB = Placed(
    "queuedjob",
    make=lambda region: QueuedJob.objects.create(
        name="orgs.relay_jobs", args=[f"matrix_job_{region.code}"], status=JobStatus.FAILED, sends=1, last_error="matrix"),
    markers=lambda job: (job.args[0],),
    rows=lambda: list(QueuedJob.objects.order_by("pk").values_list("pk", "status", "sends", "last_error")),
)

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
    RouteCase("jobs:list", WEB, QUEUED_JOB, admin_only=True),
    RouteCase(
        "jobs:resend", WEB, QUEUED_JOB, kwargs=lambda job: {"pk": job.pk}, methods=("POST",), reads=(),
        writes=(Write("POST"),), admin_only=True,
    ),
    RouteCase("twofactor:manage", WEB, USER, reads=OWN),
    RouteCase("twofactor:verify", WEB, USER, reads=OWN, methods=("GET", "HEAD", "OPTIONS", "POST"), own_status=(302,)),
    RouteCase("twofactor:enrol", WEB, USER, reads=OWN, methods=("GET", "HEAD", "OPTIONS", "POST")),
    RouteCase(
        "twofactor:recovery-renew", WEB, USER, methods=("POST",), reads=(),
        writes=(Write("POST", control=False),),  # the caller's own codes: no row of the matrix's kinds changes
    ),
    RouteCase("twofactor:remove", WEB, USER, methods=("POST",), reads=(), writes=(Write("POST", control=False),)),
)
