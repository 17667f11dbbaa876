"""The outbox's beat jobs: the relay (every JOB_OUTBOX_RELAY_SECONDS) sends the jobs that wait because the broker was
down when their transaction committed; the sweep (every 5 minutes) marks failed the rows nothing will finish."""
from __future__ import annotations

from celery import shared_task

from orgs.jobs.services import jobs_fail_stuck, jobs_relay


@shared_task(name="orgs.relay_jobs", soft_time_limit=240, time_limit=300)
def relay_jobs() -> int:
    return jobs_relay()


@shared_task(name="orgs.fail_stuck_jobs", acks_late=True)
def fail_stuck_jobs() -> int:
    """Beat, every 5 minutes: rows left running by a dead worker, or sent too often without starting, fail."""
    return jobs_fail_stuck()
