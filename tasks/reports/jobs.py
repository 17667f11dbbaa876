"""Celery jobs that build progress reports (found by Celery: `qiaolian/celery.py`). `tasks.build_report` runs on the
`reports` queue (CELERY_TASK_ROUTES), whose worker is recycled after each report (--max-tasks-per-child=1)."""
from __future__ import annotations

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from tasks.reports.services import (
    monthly_reports_request,
    report_job_build,
    report_jobs_delete_expired,
    report_jobs_fail_stuck,
)

__all__ = ["build_report", "delete_expired_reports", "fail_stuck_reports", "send_monthly_reports"]


@shared_task(name="tasks.build_report", acks_late=True, label=_("生成进度报表"))
def build_report(job_id: int) -> str:

    return report_job_build(job_id=job_id).status


@shared_task(name="tasks.send_monthly_reports")
def send_monthly_reports() -> int:

    return len(monthly_reports_request())


@shared_task(name="tasks.delete_expired_reports")
def delete_expired_reports() -> int:

    return report_jobs_delete_expired()


@shared_task(name="tasks.fail_stuck_reports", acks_late=True)
def fail_stuck_reports() -> int:
    """Beat, every 5 minutes: reports left "running" by a dead report worker are marked failed with the reason."""
    return report_jobs_fail_stuck()
