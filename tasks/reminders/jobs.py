"""The daily reminder job (beat, 08:00 Asia/Shanghai). Idempotent: digests are unique per person and day, so
`acks_late` redelivery after a lost worker is harmless."""
from __future__ import annotations

import datetime

from celery import shared_task

from tasks.notifications.jobs import RETRY
from tasks.plans.services import recurring_tasks_ensure
from tasks.reminders.services import reminders_send


@shared_task(name="tasks.send_reminders", soft_time_limit=600, time_limit=900, **RETRY)
def send_reminders(today: str | None = None) -> dict:
    """Daily at 08:00 Asia/Shanghai (beat): yearly occurrences whose period started, then today's digests."""
    from django.utils import timezone

    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    recurring_tasks_ensure(today=day)
    return reminders_send(today=day).as_dict()
