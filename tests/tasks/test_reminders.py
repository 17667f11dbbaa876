"""The reminder run: cadence, one digest per person per day, escalation to the city's staff, idempotency,
walked day by day through 2022-11-01 … 2023-01-15 on the Yuxi plan."""
import datetime
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from tasks.notifications.models import Digest, Notification, OutboxMessage, OutboxStatus
from tasks.plans.models import Task, TaskStatus
from tasks.reminders.services import (
    escalation_due,
    overdue_reminder_due,
    reminder_deadlines,
    reminders_send,
)
from tests.tasks.conftest import WALK_START

User = get_user_model()
D = datetime.date


def test_cadence_is_daily_for_a_week_then_weekly():
    assert [d for d in range(30) if overdue_reminder_due(d)] == [1, 2, 3, 4, 5, 6, 7, 8, 15, 22, 29]
    assert [d for d in range(30) if escalation_due(d)] == [8, 15, 22, 29]


def test_reminder_deadlines_cover_the_weekly_tail():
    today = D(2023, 1, 15)
    days = reminder_deadlines(today, earliest=D(2022, 12, 1))
    assert D(2023, 2, 14) in days and D(2023, 1, 22) in days and D(2023, 1, 16) in days  # 30, 7, 1 ahead
    assert D(2023, 1, 8) in days and D(2023, 1, 14) in days  # 7 … 1 late
    assert D(2023, 1, 7) in days and D(2022, 12, 31) in days  # 8 and 15 late
    assert D(2023, 1, 6) not in days  # 9 late: no reminder
    assert D(2022, 11, 30) not in days  # before the earliest open deadline


def _walk(days, twice=True):
    for n in range(days):
        day = WALK_START + datetime.timedelta(days=n)
        call_command("send_reminders", today=day.isoformat(), relay=True, stdout=open("/dev/null", "w"))
        if twice:
            call_command("send_reminders", today=day.isoformat(), relay=True, stdout=open("/dev/null", "w"))


@pytest.mark.django_db
def test_yuxi_walk_right_people_right_days_no_duplicates(yuxi_plan, email_backend):
    _walk((D(2023, 1, 15) - WALK_START).days + 1)
    by_user = defaultdict(set)
    for username, day in Digest.objects.values_list("user__username", "day"):
        by_user[username].add(day)
    deadline_days = {D(2022, 12, 1), D(2022, 12, 24), D(2022, 12, 30)}
    overdue_days = {D(2023, 1, d) for d in range(1, 9)} | {D(2023, 1, 15)}
    for county_person in ("tonghai_official", "huaning_official", "liaison_530403", "liaison_530481",
                          "liaison_530425", "liaison_530427", "liaison_530402", "liaison_530426", "liaison_530428"):
        assert by_user[county_person] == deadline_days | overdue_days, county_person
    # Escalation: 玉溪市 staff after 2023-01-07 (days late 8 and 15), the province never, leadership never.
    assert by_user["yuxi_staff"] == {D(2023, 1, 8), D(2023, 1, 15)}
    assert "yunnan_staff" not in by_user and "yuxi_leader" not in by_user
    escalation = Digest.objects.get(user__username="yuxi_staff", day=D(2023, 1, 8))
    assert {i["kind"] for i in escalation.items} == {"escalation"}
    assert "成立通海县侨联" in {i["title"] for i in escalation.items}
    assert len(escalation.items) == Task.objects.filter(plan=yuxi_plan, deadline=D(2022, 12, 31)).count()
    # One inbox message and one e-mail per digest although every day ran twice.
    assert Notification.objects.filter(digest__isnull=False).count() == Digest.objects.count()
    assert OutboxMessage.objects.count() == Digest.objects.count()
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.SENT).exists()
    assert len(mail.outbox) == Digest.objects.count()
    subjects = [(m.to[0], m.subject) for m in mail.outbox]
    assert len(subjects) == len(set(subjects))
    tonghai = Digest.objects.get(user__username="tonghai_official", day=D(2022, 12, 24))
    assert {i["title"] for i in tonghai.items} == {"成立通海县侨联", "河西镇成立基层侨联组织", "纳古镇成立基层侨联组织",
                                                   "大回村村委会成立基层侨联组织", "小回村村委会成立基层侨联组织"}
    assert all(i["days_left"] == 7 for i in tonghai.items)


@pytest.mark.django_db
def test_second_run_same_day_sends_nothing(yuxi_plan, email_backend):
    first = reminders_send(today=D(2022, 12, 24))
    second = reminders_send(today=D(2022, 12, 24))
    assert first.digests_sent == 9 and first.digests_skipped == 0
    assert second.digests_sent == 0 and second.digests_skipped == 9
    assert Notification.objects.count() == 9


@pytest.mark.django_db
def test_done_and_cancelled_tasks_remind_nobody(yuxi_plan):
    tonghai_tasks = Task.objects.filter(plan=yuxi_plan, region__code__startswith="530423", deadline=D(2022, 12, 31))
    tonghai_tasks.update(status=TaskStatus.CANCELLED)
    report = reminders_send(today=D(2022, 12, 30))
    assert "tonghai_official" not in set(User.objects.filter(pk__in=report.recipients).values_list("username", flat=True))
    assert report.digests_sent == 8


@pytest.mark.django_db
def test_inbox_only_users_get_no_email(yuxi_plan, tonghai_official, email_backend):
    from tasks.notifications.services import notification_preference_set, outbox_relay

    notification_preference_set(user=tonghai_official, channel="inbox")
    reminders_send(today=D(2022, 12, 30))
    outbox_relay()
    assert Notification.objects.filter(user=tonghai_official).count() == 1
    assert not OutboxMessage.objects.filter(recipient=tonghai_official).exists()
    assert tonghai_official.email not in {m.to[0] for m in mail.outbox}
    assert len(mail.outbox) == 8


@pytest.mark.django_db
def test_send_reminders_rejects_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="2022-13-01"):
        call_command("send_reminders", today="2022-13-01")
