"""Writes of report jobs: request (scope-checked), build (records the reason of a failure on the job),
monthly requests for leadership, and deletion after the retention period."""
from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.access.scoping import user_scope
from orgs.common.audit import audit_export
from orgs.jobs.services import job_enqueue
from orgs.regions.models import Region
from tasks.reports.data import report_data
from tasks.reports.models import ReportFormat, ReportJob, ReportStatus
from tasks.reports.pdf import report_pdf
from tasks.reports.xlsx import report_xlsx

logger = logging.getLogger(__name__)

MIME_TYPES: dict[str, str] = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report_job_file_response(job: ReportJob, *, user, request=None) -> FileResponse:
    """The finished report's file as a download (the caller checked the scope), the export audited; 404 until it is
    done or when the file is gone from storage."""
    if job.status != ReportStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:  # deleted from the storage behind the row's back
        raise Http404 from None
    audit_export(user=user, queryset=ReportJob.objects.filter(pk=job.pk), file_format=job.format, request=request)
    return FileResponse(handle, as_attachment=True, filename=job.filename, content_type=MIME_TYPES[job.format])


def report_render(region: Region | None, *, fmt: str, as_of: dt.date) -> bytes:
    """One report built synchronously: the same data, rendered as PDF or Excel."""
    data = report_data(region, as_of=as_of)
    if fmt == ReportFormat.PDF:

        return report_pdf(data)
    if fmt == ReportFormat.XLSX:

        return report_xlsx(data)
    raise ValueError(_("未知的报告格式：%(fmt)s") % {"fmt": fmt})


class ReportRequestsExceeded(Exception):
    """The user requested REPORT_REQUESTS_PER_HOUR reports within the last hour; `retry_after` is the number of
    seconds until the oldest of them leaves the window."""

    def __init__(self, retry_after: int):
        super().__init__(_("报告申请过于频繁：每小时最多 %(limit)d 份，请 %(minutes)d 分钟后再试") % {
            "limit": settings.REPORT_REQUESTS_PER_HOUR, "minutes": max(1, -(-retry_after // 60)),
        })
        self.retry_after = retry_after


PENDING = (ReportStatus.QUEUED, ReportStatus.RUNNING)
# A job still queued or running this long after it was requested was lost (broker or worker down).
STALE_AFTER = dt.timedelta(hours=6)


@transaction.atomic
def report_job_request(
    *, user, region: Region, fmt: str, as_of: dt.date | None = None, email_to: str = "", limited: bool = True
) -> tuple[ReportJob, bool]:
    """Queues a report of `region` for `user` (reading: leadership may request). A region outside the
    user's scope is as missing as one that does not exist. Returns (job, created): while the same user's
    identical request (region, format, date, recipient) is still queued or running (and not lost: STALE_AFTER),
    that job instead of a new one. Beyond settings.REPORT_REQUESTS_PER_HOUR new requests in an hour (`limited`: requests of users; the
    monthly reports are not) raises ReportRequestsExceeded."""
    if user is not None and not user_scope(user).sees_region(region):
        raise Http404
    if fmt not in ReportFormat.values:
        raise ValueError(_("未知的报告格式：%(fmt)s") % {"fmt": fmt})
    as_of = as_of or timezone.localdate()
    if user is not None:
        # One user's requests one at a time (PostgreSQL; SQLite writes one at a time anyway), so that two
        # identical requests at once do not both find nothing pending and queue twice.
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
        pending = ReportJob.objects.filter(
            requested_by=user, region=region, format=fmt, as_of=as_of, email_to=email_to, status__in=PENDING,
            created_at__gt=timezone.now() - STALE_AFTER,
        ).order_by("pk").first()
        if pending is not None:
            return pending, False
        if limited:
            _check_request_rate(user)
    job = ReportJob.objects.create(region=region, format=fmt, as_of=as_of, requested_by=user, email_to=email_to)
    # In the job outbox with the request: a broker that is down delays the build, never fails the request.
    job_enqueue("tasks.build_report", job.pk)
    return job, True


def _check_request_rate(user) -> None:
    limit = settings.REPORT_REQUESTS_PER_HOUR
    now = timezone.now()
    window = ReportJob.objects.filter(requested_by=user, created_at__gt=now - dt.timedelta(hours=1))
    recent = list(window.order_by("-created_at").values_list("created_at", flat=True)[:limit])
    if len(recent) >= limit:
        oldest = recent[-1]
        raise ReportRequestsExceeded(max(1, int((oldest + dt.timedelta(hours=1) - now).total_seconds()) + 1))


def report_job_build(*, job_id: int) -> ReportJob:
    """Builds a queued job's file. A failure is recorded on the job (status failed, the reason)."""
    job = ReportJob.objects.select_related("region").get(pk=job_id)
    if job.status in (ReportStatus.DONE, ReportStatus.FAILED):
        return job  # a redelivered message (acks_late): already decided
    if job.status == ReportStatus.RUNNING:
        # Delivered again after the worker died building it (acks_late): fail instead of dying again.
        return _fail(job, _("生成过程中工作进程中断（可能内存不足），请缩小范围后重试"))
    # Claim the job: of two workers handed the same message (acks_late redelivery while the first still runs),
    # only the one whose conditional update changes the row builds it.
    claimed = ReportJob.objects.filter(pk=job.pk, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, started_at=timezone.now(), error="")
    if not claimed:
        job.refresh_from_db()
        return job
    try:
        content = report_render(job.region, fmt=job.format, as_of=job.as_of)
    except Exception as error:
        logger.exception("report job %s failed", job.pk)
        return _fail(job, str(error) or error.__class__.__name__)
    job.file.save(f"report-{job.pk}.{job.format}", ContentFile(content), save=False)
    job.status, job.size, job.finished_at = ReportStatus.DONE, len(content), timezone.now()
    job.save(update_fields=["file", "status", "size", "finished_at"])
    if job.email_to:
        try:
            _send(job, content)
        except Exception as error:
            logger.exception("report job %s: mail to %s failed", job.pk, job.email_to)
            job.error = _("报告已生成，但发送邮件至 %(to)s 失败：%(reason)s") % {"to": job.email_to, "reason": error}
            job.save(update_fields=["error"])
    return job


def _fail(job: ReportJob, reason: str) -> ReportJob:
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportStatus.FAILED, error=_("报告生成失败：%(reason)s") % {"reason": reason}, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _send(job: ReportJob, content: bytes) -> None:
    message = EmailMessage(
        subject=_("【侨联组织建设】%(name)s月度工作进度报告（截至 %(date)s）") % {"name": job.region.name, "date": job.as_of.isoformat()},
        body=_("附件为%(name)s基层侨联组织建设工作进度报告，请查阅。本邮件由系统自动发送。") % {"name": job.region.full_name},
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[job.email_to],
    )
    message.attach(job.filename, content, MIME_TYPES[job.format])
    message.send()


def monthly_reports_request(*, as_of: dt.date | None = None) -> list[ReportJob]:
    """One PDF report per leadership membership (their region), e-mailed to them when built; returns the jobs this run
    created. Idempotent per
    day: a repeated run (beat retry, redelivery after a lost worker) requests and mails nothing twice, and two runs
    at once (two beat processes by mistake) neither: the database keeps one job per person, region, day and address
    (`report_mailed_once_per_day`)."""
    as_of = as_of or timezone.localdate()
    jobs = []
    memberships = Membership.objects.filter(role=Role.LEADERSHIP, region__isnull=False, user__is_active=True).select_related("user", "region")
    # The day's jobs already requested, in one query (not one per membership).
    requested: set[tuple[int, int | None, str]] = set(
        ReportJob.objects.filter(as_of=as_of, requested_by__isnull=False).exclude(email_to="")
        .values_list("requested_by_id", "region_id", "email_to")
    )
    for membership in memberships:
        email = membership.user.email
        if not email or (membership.user_id, membership.region_id, email) in requested:
            continue
        region = membership.region
        assert region is not None  # the memberships are filtered on region__isnull=False
        try:
            job, created = report_job_request(user=membership.user, region=region, fmt=ReportFormat.PDF,
                                              as_of=as_of, email_to=email, limited=False)
            if created:  # else another run's job, still queued: that run reports it
                jobs.append(job)
        except IntegrityError:
            # another run (a second beat, a redelivered message) requested it meanwhile: its transaction won
            # (report_mailed_once_per_day); this one's savepoint is rolled back, nothing is queued or mailed twice
            pass
        requested.add((membership.user_id, membership.region_id, email))
    return jobs


def report_jobs_fail_stuck(*, now: dt.datetime | None = None) -> int:
    """Marks failed, with the reason, the jobs still "running" `JOB_STUCK_SECONDS` after they started: longer than
    the build's hard time limit, so their worker died or was killed (beat, every few minutes). A redelivered message
    of such a job finds it failed and builds nothing."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.JOB_STUCK_SECONDS)
    return ReportJob.objects.filter(status=ReportStatus.RUNNING, started_at__lt=cutoff).update(
        status=ReportStatus.FAILED, finished_at=now or timezone.now(),
        error=_("报告生成失败：%(reason)s") % {"reason": _("生成超时或工作进程中断，请重新申请")},
    )


def report_jobs_delete_expired(*, now: dt.datetime | None = None) -> int:
    """Deletes jobs past their retention date, with their files; marks jobs lost for hours as failed."""
    now = now or timezone.now()
    ReportJob.objects.filter(status__in=(ReportStatus.QUEUED, ReportStatus.RUNNING), created_at__lt=now - STALE_AFTER).update(
        status=ReportStatus.FAILED, error=_("报告生成失败：%(reason)s") % {"reason": _("长时间未完成（任务队列或工作进程中断）")},
        finished_at=now,
    )
    expired = list(ReportJob.objects.expired(now))
    for job in expired:
        if job.file:
            job.file.delete(save=False)
    ReportJob.objects.filter(pk__in=[j.pk for j in expired]).delete()
    return len(expired)
