"""The job outbox: queueing a job durably, relaying queued jobs to the broker, and the checks of the job wrapper.

A service calls `job_enqueue(name, *args)` inside its transaction: the row commits with the change or not at all.
On commit the row is handed to the broker at once (`job_send`); when the broker is down it stays pending and the
relay (`jobs_relay`, the beat job `orgs.relay_jobs`) sends it when the broker is back. A row sent but never started
(the broker lost its queue) is sent again after `JOB_OUTBOX_RESEND_SECONDS`. A job may therefore be delivered more
than once; it runs once: the message's task id is the row's key, and the wrapper (`orgs/jobs/runner.py`) claims the
row before running (`job_claim`). Without a broker (REDIS_URL unset) the send runs the job in-process."""
from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from orgs.common.dispatch import broker_failed, broker_resting, registered_job
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
    return Q(status=JobStatus.PENDING) | Q(status=JobStatus.SENT, sent_at__lt=stale)


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
