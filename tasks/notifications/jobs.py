"""The outbox relay job, and the retry policy of the notification jobs.

Outbox rows are sent once under a row lock, so `acks_late` redelivery after a lost worker is harmless. Time
limits stay well below the broker's visibility timeout (settings: 3600 s) so a running job is never handed to
a second worker."""
from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from tasks.notifications.services import outbox_relay

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError, ConnectionError, OSError),
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


# No batch is claimed after RELAY_SECONDS (a batch takes seconds; the next relay, a minute later, takes the rest), well
# before the soft time limit; interrupted anyway, the relay records what it sent and puts back what it had not begun.
RELAY_SECONDS = 180


@shared_task(name="tasks.relay_outbox", soft_time_limit=240, time_limit=300, **RETRY)
def relay_outbox() -> int:
    """Every 60 s (beat) and after each commit that wrote outbox rows: sends pending e-mails once."""

    return outbox_relay(seconds=RELAY_SECONDS)
