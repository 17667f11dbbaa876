"""Celery jobs of the tasks app (Celery autodiscovers `jobs`). Reminders and the outbox relay are defined
here; report jobs live in `report_jobs` and are imported below so that autodiscovery registers them.

Both jobs are idempotent (digests are unique per person and day, outbox rows are sent once under a row lock),
so `acks_late` redelivery after a lost worker is harmless. Time limits stay well below the broker's
visibility timeout (settings: 3600 s) so a running job is never handed to a second worker."""
from __future__ import annotations

import datetime

from celery import shared_task
from django.db import DatabaseError

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError, ConnectionError, OSError),
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="tasks.send_reminders", soft_time_limit=600, time_limit=900, **RETRY)
def send_reminders(today: str | None = None) -> dict:
    """Daily at 08:00 Asia/Shanghai (beat): yearly occurrences whose period started, then today's digests."""
    from django.utils import timezone

    from .services.reminders import reminders_send
    from .services.tasks import recurring_tasks_ensure

    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    recurring_tasks_ensure(today=day)
    return reminders_send(today=day).as_dict()


@shared_task(name="tasks.relay_outbox", soft_time_limit=240, time_limit=300, **RETRY)
def relay_outbox() -> int:
    """Every 60 s (beat) and after each commit that wrote outbox rows: sends pending e-mails once."""
    from .services.notify import outbox_relay

    return outbox_relay()


from .report_jobs import *  # noqa: F401,F403,E402
