"""Reads of 后台任务 (the system administrator's page of the job outbox): rows by status, newest first, paged by key
(`?before=<id>`, never OFFSET), the counts per status in one grouped query, and a job's name in words."""
from __future__ import annotations

import json

from django.db.models import Count, QuerySet

from orgs.common.dispatch import registered_job
from orgs.jobs.models import JobStatus, QueuedJob

PAGE_SIZE = 50
UNFINISHED = ""  # the page's default: what is not done (pending, sent, running, failed)
ALL = "all"
UNFINISHED_STATUSES = (JobStatus.PENDING, JobStatus.SENT, JobStatus.RUNNING, JobStatus.FAILED)


def jobs_listed(status: str) -> QuerySet[QueuedJob]:
    """The rows of one status (`UNFINISHED`: pending, sent, running and failed; `ALL`), newest first."""
    rows = QueuedJob.objects.order_by("-pk")
    if status == UNFINISHED:
        return rows.filter(status__in=UNFINISHED_STATUSES)
    if status == ALL:
        return rows
    return rows.filter(status=status)


def jobs_page(rows: QuerySet[QueuedJob], before: int | None) -> tuple[list[QueuedJob], int | None]:
    """One page of rows older than `before` (a row id; None: the newest), each with its `label` and its arguments
    as JSON (`args_text`), and the key of the next page (None on the last)."""
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows[: PAGE_SIZE + 1])
    next_key = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    page = page[:PAGE_SIZE]
    for job in page:
        job.label = job_label(job.name)  # type: ignore[attr-defined]
        job.args_text = json.dumps(job.args, ensure_ascii=False)  # type: ignore[attr-defined]
    return page, next_key


def job_status_counts() -> dict[str, int]:
    """How many rows each status holds (every status, 0 included): one grouped query."""
    counted = dict(QueuedJob.objects.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {status: counted.get(status, 0) for status in JobStatus.values}


def job_label(name: str) -> str:
    """The job's name in words where its job declares one (`OutboxTask.label`), else its Celery name."""
    try:
        task = registered_job(name)
    except KeyError:  # a job no longer in the code
        return name
    return str(getattr(task, "label", "") or name)
