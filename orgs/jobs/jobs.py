"""The outbox relay job (beat, every JOB_OUTBOX_RELAY_SECONDS): sends the jobs that wait because the broker was
down when their transaction committed."""
from __future__ import annotations

from celery import shared_task

from orgs.jobs.services import jobs_relay


@shared_task(name="orgs.relay_jobs", soft_time_limit=240, time_limit=300)
def relay_jobs() -> int:
    return jobs_relay()
