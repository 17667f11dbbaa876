"""The Celery jobs: names fixed in the beat schedule, late acks with requeue on a lost worker, retries with
back-off, time limits well below the broker's visibility timeout; the reminder job runs the same code as the
command."""
import datetime

import pytest
from django.conf import settings

from tasks.notifications.jobs import relay_outbox
from tasks.notifications.models import Digest
from tasks.reminders.jobs import send_reminders


def test_job_names_and_delivery_guarantees():
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {send_reminders.name, relay_outbox.name} <= schedule
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    for job in (send_reminders, relay_outbox):
        assert job.acks_late and job.reject_on_worker_lost
        assert job.max_retries and job.retry_backoff and job.autoretry_for
        assert job.soft_time_limit < job.time_limit <= visibility / 3


@pytest.mark.django_db
def test_reminder_job_runs_for_a_given_day(yuxi_plan):
    result = send_reminders.apply(kwargs={"today": "2022-12-24"}).get()
    assert result["digests_sent"] == 9
    assert send_reminders.apply(kwargs={"today": "2022-12-24"}).get()["digests_sent"] == 0
    assert Digest.objects.filter(day=datetime.date(2022, 12, 24)).count() == 9
