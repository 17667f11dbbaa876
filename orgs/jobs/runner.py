"""The base class of every Celery job (`qiaolian/celery.py`: `task_cls`): a job queued through the outbox claims
its row before it runs and records how it ended, so that a message delivered twice runs its job once."""
from __future__ import annotations

from celery import Task
from celery.exceptions import Ignore

from orgs.jobs.models import JobStatus
from orgs.jobs.services import job_claim, job_finish


class OutboxTask(Task):
    """Checks the idempotency key (the task id) of outbox jobs; other jobs (beat, by hand) run unchanged.

    `label`: the job's name in words (Chinese, lazily translated), shown on 后台任务 (`/jobs/`); a job queued through
    the outbox declares it (`@shared_task(name=..., label=_("..."))`), other jobs show their Celery name."""

    label = ""

    def before_start(self, task_id, args, kwargs):
        delivery = self.request.delivery_info or {}
        if not job_claim(task_id, redelivered=bool(delivery.get("redelivered"))):
            raise Ignore()

    def on_success(self, retval, task_id, args, kwargs):
        job_finish(task_id, status=JobStatus.DONE)

    def on_retry(self, exc, task_id, args, kwargs, einfo):
        job_finish(task_id, status=JobStatus.SENT, error=str(exc) or exc.__class__.__name__)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        job_finish(task_id, status=JobStatus.FAILED, error=str(exc) or exc.__class__.__name__)
