"""The outbox: written in the transaction of the change (a rolled-back change sends nothing), relayed once,
failures retried and given up after five attempts; escalation regions."""
import datetime

import pytest
from django.core import mail
from django.db import transaction

from orgs.regions.models import Region
from tasks.notifications.models import Notification, OutboxMessage, OutboxStatus
from tasks.notifications.services import MAX_ATTEMPTS, notifications_send, outbox_relay
from tasks.plans.models import Task
from tasks.plans.services import task_create
from tasks.reminders.services import superior_regions
from tests.factories import RegionFactory


class BrokenBackend:
    """A mail server that refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_message(yuxi_plan, tonghai_official):
    tonghai_official.email = "th@example.org"
    tonghai_official.save()
    with pytest.raises(RuntimeError), transaction.atomic():
        task_create(plan=yuxi_plan, title="回滚的任务", region=Region.objects.get(code="530423"),
                    deadline=datetime.date(2023, 3, 1), responsible_users=[tonghai_official])
        raise RuntimeError("the page failed after saving")
    assert not Task.objects.filter(title="回滚的任务").exists()
    assert not Notification.objects.filter(title__contains="回滚的任务").exists()
    assert not OutboxMessage.objects.filter(subject__contains="回滚的任务").exists()


@pytest.mark.django_db
def test_relay_sends_once_and_same_key_is_not_queued_twice(tonghai_official, email_backend):
    tonghai_official.email = "th@example.org"
    tonghai_official.save()
    for _ in range(2):
        notifications_send(user_ids=[tonghai_official.pk], title="通知", body="正文", key="once")
    assert OutboxMessage.objects.count() == 1 and Notification.objects.filter(title="通知").count() == 2
    assert outbox_relay() == 1 and outbox_relay() == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["th@example.org"]
    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.sent_at


@pytest.mark.django_db
def test_relay_failures_are_kept_and_given_up_after_five_attempts(tonghai_official, settings):
    settings.EMAIL_BACKEND = "tests.tasks.test_outbox.BrokenBackend"
    tonghai_official.email = "th@example.org"
    tonghai_official.save()
    notifications_send(user_ids=[tonghai_official.pk], title="通知", body="正文", key="broken")
    assert outbox_relay() == 0
    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1 and "smtp down" in row.last_error
    for _ in range(MAX_ATTEMPTS):
        outbox_relay()
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and row.attempts == MAX_ATTEMPTS


class OneBadAddressBackend(BrokenBackend):
    """A mail server that refuses one address and accepts the others."""

    sent: list = []

    def send_messages(self, messages):
        for message in messages:
            if "bad@" in message.to[0]:
                raise ConnectionRefusedError("mailbox unavailable")
            OneBadAddressBackend.sent.append(message.to[0])
        return len(messages)


@pytest.mark.django_db
def test_one_failing_address_uses_one_attempt_per_relay_while_the_rest_go_out(tonghai_official, huaning_official, settings):
    settings.EMAIL_BACKEND = "tests.tasks.test_outbox.OneBadAddressBackend"
    OneBadAddressBackend.sent = []
    tonghai_official.email, huaning_official.email = "bad@example.org", "hn@example.org"
    tonghai_official.save()
    huaning_official.save()
    notifications_send(user_ids=[tonghai_official.pk], title="通知一", body="正文", key="a")
    for n in range(4):  # later rows, relayed in batches of two with the failing row first
        notifications_send(user_ids=[huaning_official.pk], title=f"通知{n}", body="正文", key=f"b{n}")
    assert outbox_relay(batch=2) == 4
    assert len(OneBadAddressBackend.sent) == 4
    bad = OutboxMessage.objects.get(to_address="bad@example.org")
    assert bad.status == OutboxStatus.PENDING and bad.attempts == 1  # retried by the next relay, not five times now


@pytest.mark.django_db
def test_superior_regions_walk_county_city_province(yuxi_plan):
    tonghai = Region.objects.get(code="530423")
    village = RegionFactory(parent=tonghai, level="village", name="某村")
    yuxi, yunnan = Region.objects.get(code="530400"), Region.objects.get(code="530000")
    direct = Region.objects.filter(level="county", parent__level="province").first()  # 省直辖县级市
    ids = [tonghai.pk, village.pk, Region.objects.get(name="河西镇").pk, yuxi.pk, yunnan.pk] + ([direct.pk] if direct else [])
    result = superior_regions(ids)
    assert result[tonghai.pk] == result[village.pk] == yuxi.pk
    assert result[Region.objects.get(name="河西镇").pk] == yuxi.pk
    assert result[yuxi.pk] == yunnan.pk and yunnan.pk not in result
    if direct:
        assert result[direct.pk] == direct.parent_id


def test_admin_retry_requeues_failed_messages_but_never_a_sent_one(client_for, admin_user, tonghai_official):
    from django.utils import timezone

    from tasks.notifications.models import OutboxMessage, OutboxStatus

    def message(key, status):
        return OutboxMessage.objects.create(key=key, recipient=tonghai_official, to_address="t@example.org",
                                            subject=key, body="正文", status=status, attempts=5,
                                            sent_at=timezone.now() if status == OutboxStatus.SENT else None)

    failed, sent = message("retry-failed", OutboxStatus.FAILED), message("retry-sent", OutboxStatus.SENT)
    response = client_for(admin_user).post(
        "/admin/tasks/outboxmessage/", {"action": "retry", "_selected_action": [failed.pk, sent.pk]}
    )
    assert response.status_code == 302
    failed.refresh_from_db(), sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxStatus.PENDING, 0)
    assert (sent.status, sent.attempts) == (OutboxStatus.SENT, 5)
