"""The job outbox: queueing a job durably, relaying queued jobs to the broker, and the checks of the job wrapper.

A service calls `job_enqueue(name, *args)` inside its transaction: the row commits with the change or not at all.
On commit the row is handed to the broker at once (`job_send`); when the broker is down it stays pending and the
relay (`jobs_relay`, the beat job `orgs.relay_jobs`) sends it when the broker is back. A row sent but never started
(the broker lost its queue) is sent again after `JOB_OUTBOX_RESEND_SECONDS`. A job may therefore be delivered more
than once; it runs once: the message's task id is the row's key, and the wrapper (`orgs/jobs/runner.py`) claims the
row before running (`job_claim`). Without a broker (REDIS_URL unset) the send runs the job in-process.

Nothing waits silently for ever: the sweep (`jobs_fail_stuck`, the beat job `orgs.fail_stuck_jobs`) marks failed, with
the reason, a row still running long after any job may run (its worker died and no message comes back) and a row
sent `JOB_OUTBOX_MAX_SENDS` times without ever starting; the relay does not send such a row again."""
from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.access.scoping import user_scope
from orgs.common.audit import AuditEvent, audit_event
from orgs.common.dispatch import broker_failed, broker_resting, jobs_run_in_process, registered_job
from orgs.jobs.models import TASK_ID_PREFIX, JobStatus, QueuedJob

logger = logging.getLogger(__name__)


def job_enqueue(name: str, *args: object) -> QueuedJob:
    """Queues the job `name` with `args` (JSON values) in the caller's transaction; it is sent when that
    transaction commits, and never when it rolls back. An unknown name raises KeyError here, not in a worker."""
    registered_job(name)
    job = QueuedJob.objects.create(name=name, args=list(args))
    transaction.on_commit(lambda: job_send(job.pk))
    return job


def _sendable(now: dt.datetime) -> Q:
    """Rows the relay sends: pending ones, and ones sent so long ago without starting that the message was lost."""
    stale = now - dt.timedelta(seconds=settings.JOB_OUTBOX_RESEND_SECONDS)
    resend = Q(status=JobStatus.SENT, sent_at__lt=stale, sends__lt=settings.JOB_OUTBOX_MAX_SENDS)
    return Q(status=JobStatus.PENDING) | resend


def _claim_for_sending(job_id: int, condition: Q) -> QueuedJob | None:
    """Marks the row sent if it still meets `condition` (of two relays, one wins); the row, or None."""
    now = timezone.now()
    claimed = QueuedJob.objects.filter(condition, pk=job_id).update(
        status=JobStatus.SENT, sent_at=now, sends=F("sends") + 1)
    return QueuedJob.objects.filter(pk=job_id).first() if claimed else None


def _publish(job: QueuedJob) -> bool:
    """Hands the row's message to the broker (eager: runs the job here). A broker that is down puts the row
    back to pending and returns False; it never fails the caller."""
    task = registered_job(job.name)
    try:
        task.apply_async(args=job.args, task_id=job.task_id, retry=False)
    except Exception as error:
        reason = (str(error) or error.__class__.__name__)[:2000]
        if task.app.conf.task_always_eager:
            # In-process, the error is the job's own (eager propagation skips the wrapper's on_failure).
            QueuedJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
                status=JobStatus.FAILED, last_error=reason, finished_at=timezone.now())
            logger.exception("job %s (%s) failed", job.name, job.key)
            return True
        QueuedJob.objects.filter(pk=job.pk, status=JobStatus.SENT).update(
            status=JobStatus.PENDING, last_error=reason, sends=F("sends") - 1)
        broker_failed()
        logger.warning("job %s (%s) not sent, it waits in the outbox: %s", job.name, job.key, error)
        return False
    return True


def job_send(job_id: int) -> bool:
    """Sends one pending row now (on commit of the transaction that wrote it). True when the broker took it. Right
    after a refusal the broker is not tried (`broker_resting`): the row waits for the relay, the request does not."""
    if broker_resting():
        return False
    job = _claim_for_sending(job_id, Q(status=JobStatus.PENDING))
    return job is not None and _publish(job)


def jobs_relay(*, batch: int = 200) -> int:
    """Sends what waits in the outbox, oldest first, until it is empty or the broker refuses; returns how many
    were sent. Safe to run twice at once: each row is claimed by a conditional update."""
    sent, after = 0, 0
    while True:
        now = timezone.now()
        ids = list(QueuedJob.objects.filter(_sendable(now), pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            break
        for job_id in ids:
            job = _claim_for_sending(job_id, _sendable(now))
            if job is None:
                continue  # another relay took it
            if not _publish(job):
                return sent  # the broker is down: the rest waits for the next relay
            sent += 1
        after = ids[-1]
    keep = timezone.now() - dt.timedelta(days=settings.JOB_OUTBOX_KEEP_DAYS)
    QueuedJob.objects.filter(status=JobStatus.DONE, finished_at__lt=keep).delete()
    return sent


def job_key(task_id: str | None) -> uuid.UUID | None:
    """The outbox key in a Celery task id, or None for a job not queued through the outbox (beat, by hand)."""
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    try:
        return uuid.UUID(task_id[len(TASK_ID_PREFIX):])
    except ValueError:
        return None


def job_claim(task_id: str | None, *, redelivered: bool = False) -> bool:
    """Whether the message `task_id` may run its job. The first message of a row claims it (running); a second
    message of the same row (sent twice by relays) is refused, as is one whose row is done or failed. A message the
    broker delivers again because the worker running it died (`redelivered`) runs again: the job's own check
    decides what a half-run job means (a report fails with the reason, an import that committed is not re-run)."""
    key = job_key(task_id)
    if key is None:
        return True
    now = timezone.now()
    if QueuedJob.objects.filter(key=key, status__in=(JobStatus.PENDING, JobStatus.SENT)).update(
            status=JobStatus.RUNNING, started_at=now):
        return True
    if redelivered and QueuedJob.objects.filter(key=key, status=JobStatus.RUNNING).update(started_at=now):
        return True
    logger.info("job message %s skipped: its outbox row already ran or is running", task_id)
    return False


def job_finish(task_id: str | None, *, status: str, error: str = "") -> None:
    """Records the end of a claimed job: done, failed (with the reason), or sent again (a retry is queued)."""
    key = job_key(task_id)
    if key is None:
        return
    try:
        QueuedJob.objects.filter(key=key).update(
            status=status, last_error=error[:2000],
            finished_at=None if status == JobStatus.SENT else timezone.now(),
            **({"sent_at": timezone.now()} if status == JobStatus.SENT else {}),
        )
    except Exception:
        # The database may be what failed the job; the row stays running and the log says why.
        logger.exception("job %s: its outbox row could not be marked %s", task_id, status)


# Past a job's hard time limit its worker has killed it; the sweep waits this much longer before it says so.
STUCK_MARGIN_SECONDS = 300


def job_stuck_after(name: str) -> int:
    """Seconds after which a row of the job `name` still running was cut off: JOB_STUCK_SECONDS, or the job's own
    hard time limit and a margin when that is longer (a policy re-evaluation may run an hour)."""
    try:
        task = registered_job(name)
    except KeyError:  # a job no longer in the code: nothing will run it
        return settings.JOB_STUCK_SECONDS
    limit = task.time_limit or task.app.conf.task_time_limit or 0
    return max(settings.JOB_STUCK_SECONDS, int(limit) + STUCK_MARGIN_SECONDS)


def jobs_fail_stuck(*, now: dt.datetime | None = None) -> int:
    """Marks failed, with the reason, the rows nothing will finish (beat, every few minutes); returns how many.

    Running past `job_stuck_after`: the worker that claimed the row died (kill -9, the machine lost; the broker
    redelivers only after its visibility timeout, or never when it lost the message), or the process that ran the
    job in-process exited. Sent `JOB_OUTBOX_MAX_SENDS` times and not started since the last send: no worker takes the
    job's queue, or the broker keeps losing it. A message that arrives afterwards finds the row failed and does not
    run (`job_claim`); the system administrator may send a failed row again (`job_resend`)."""
    now = now or timezone.now()
    failed = 0
    running = QueuedJob.objects.filter(status=JobStatus.RUNNING)
    for name in running.order_by().values_list("name", flat=True).distinct():
        seconds = job_stuck_after(name)
        failed += running.filter(name=name, started_at__lt=now - dt.timedelta(seconds=seconds)).update(
            status=JobStatus.FAILED, finished_at=now,
            last_error=_("运行超过 %(minutes)d 分钟仍未结束：执行它的工作进程已中断，任务已标记为失败") % {"minutes": seconds // 60},
        )
    stale = now - dt.timedelta(seconds=settings.JOB_OUTBOX_RESEND_SECONDS)
    failed += QueuedJob.objects.filter(
        status=JobStatus.SENT, sends__gte=settings.JOB_OUTBOX_MAX_SENDS, sent_at__lt=stale,
    ).update(
        status=JobStatus.FAILED, finished_at=now,
        last_error=_("已发送 %(sends)d 次仍未开始运行：没有工作进程接收，或消息队列丢失了消息，任务已标记为失败")
        % {"sends": settings.JOB_OUTBOX_MAX_SENDS},
    )
    if failed:
        logger.warning("job outbox: %d job(s) marked failed (stuck running, or sent %d times without starting)",
                       failed, settings.JOB_OUTBOX_MAX_SENDS)
    return failed


def jobs_fail_stuck_in_process() -> int:
    """The sweep, run by 后台任务 as it is read when jobs run in the web process (REDIS_URL unset): no beat runs there,
    and a row whose job the web process was running when it ended would stay "running" for ever. With a broker,
    beat sweeps and this does nothing."""
    return jobs_fail_stuck() if jobs_run_in_process() else 0


# ---- 后台任务: the system administrator's page ---------------------------------------------------------------------


def require_system_admin(user) -> None:
    """后台任务 is the system administrator's alone (三员分立): 403 for everyone else, the security and the audit
    administrator included."""
    if not user_scope(user).is_admin:
        raise PermissionDenied(_("只有系统管理员可以查看和重新发送后台任务"))


def job_resend(*, job_id: int, user, request=None) -> QueuedJob:
    """Sends a failed row again (the system administrator's 重新发送): back to pending with a new budget of sends, the
    old error cleared, and sent when the transaction commits (`job_send`; with the broker down the relay sends it).
    Audited, with the sends and the error it had. A row that is not failed is refused (ValidationError): it is still
    on its way, or done. Raises QueuedJob.DoesNotExist for a row that is gone.

    The job's own check decides what running it again means: an import or a report the sweep marked failed stays
    failed (its record says to upload or request again), a re-evaluation runs again."""
    require_system_admin(user)
    with transaction.atomic():
        job = QueuedJob.objects.select_for_update().get(pk=job_id)
        if job.status != JobStatus.FAILED:
            raise ValidationError(
                _("只能重新发送失败的任务：任务 #%(id)d 的状态是“%(status)s”") % {"id": job.pk, "status": job.get_status_display()})
        sends, error = job.sends, job.last_error
        job.status, job.sends, job.last_error = JobStatus.PENDING, 0, ""
        job.sent_at = job.started_at = job.finished_at = None
        job.save(update_fields=["status", "sends", "last_error", "sent_at", "started_at", "finished_at"])
        audit_event(
            event=AuditEvent.JOB, model=job, actor=user, request=request,
            description=_("重新发送后台任务 #%(id)d：%(name)s") % {"id": job.pk, "name": job.name},
            data={"name": job.name, "args": job.args, "sends": sends, "last_error": error[:500]},
        )
        transaction.on_commit(lambda: job_send(job.pk))
    job.refresh_from_db()
    return job
