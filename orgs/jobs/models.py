"""The job outbox (待执行任务): a job a service asks for is a row written in the same transaction as the change that
causes it; the relay hands it to the broker, and the job runs at most once for its row (`orgs/jobs/runner.py`)."""
from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["JobStatus", "QueuedJob"]

# A queued job's Celery task id: this prefix, then the row's key. Only ids with the prefix are checked by the
# job wrapper; jobs started by beat or by hand run as before.
TASK_ID_PREFIX = "outbox-"


class JobStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class QueuedJob(models.Model):
    """待执行任务: one job asked for by a service (its Celery name and arguments), kept until it has run. `key` is
    the idempotency key: the message's task id, claimed by the first worker that runs it."""

    key = models.UUIDField(_("幂等键"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("任务"), max_length=200)
    args = models.JSONField(_("参数"), default=list)
    status = models.CharField(_("状态"), max_length=8, choices=JobStatus.choices, default=JobStatus.PENDING)
    sends = models.PositiveSmallIntegerField(_("发送次数"), default=0)  # handed to the broker (refusals not counted)
    last_error = models.TextField(_("错误"), blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待执行任务")
        verbose_name_plural = _("待执行任务")
        indexes = [models.Index(fields=["status", "id"], name="queuedjob_status_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.key}"

    @property
    def task_id(self) -> str:
        return f"{TASK_ID_PREFIX}{self.key}"
