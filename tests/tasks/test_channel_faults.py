"""What the outbox does when the network or the cache fails half-way (issue 21 §1, "exactly once"): an answer lost after
the request went out is never sent again (it may have gone: an SMS twice is worse than an inbox copy); a request that
never left is tried again; a cache that cannot count holds 钉钉 messages back instead of calling them duplicates; a
getsendresult that could not be asked is asked again later; waiting on a limit uses up no attempt."""
from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.utils import timezone

from orgs.accounts.models import AccountProfile
from tasks.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus
from tasks.notifications.platforms import sms as sms_module
from tasks.notifications.relay import MAX_ATTEMPTS, outbox_confirm, outbox_relay
from tasks.notifications.services import notifications_send
from tests.tasks.test_platforms_cache_down import DEAD_REDIS

pytestmark = pytest.mark.django_db
User = get_user_model()


def _escalation_sms(username: str = "sms_person") -> OutboxMessage:
    user = User.objects.create_user(username=username, password="x")
    AccountProfile.objects.update_or_create(user=user, defaults={"phone": "13912345678"})
    return OutboxMessage.objects.create(key=f"escalation-sms:{user.pk}:2024-01-01:sms", channel=OutboxChannel.SMS, recipient=user,
                                        subject="督办", body="text", params={"count": "1", "region": "通海县"})


def test_an_sms_whose_answer_is_lost_is_never_sent_twice(fake_sms, monkeypatch):
    row = _escalation_sms()
    monkeypatch.setattr(sms_module, "READ_TIMEOUT", 1.0)
    handle = fake_sms.handle

    def accepted_then_slow(request):
        answer = handle(request)  # the provider has taken the SMS …
        time.sleep(2)  # … and its answer comes after our read timeout
        return answer

    fake_sms.handle = accepted_then_slow
    outbox_relay()
    row.refresh_from_db()
    assert row.status == OutboxStatus.UNKNOWN and row.error_code == "no_answer"
    assert "不再发送" in row.last_error and "13912345678" not in row.last_error
    fake_sms.handle = handle
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    outbox_relay()
    assert len(fake_sms.messages) == 1  # once, whatever the relays do later


def test_an_sms_that_never_left_is_tried_again(fake_sms, settings):
    row = _escalation_sms()
    endpoint = settings.SMS_ENDPOINT
    settings.SMS_ENDPOINT = "http://127.0.0.1:1"  # connection refused: nothing went out
    outbox_relay()
    row.refresh_from_db()
    assert (row.status, row.error_code) == (OutboxStatus.PENDING, "network")
    settings.SMS_ENDPOINT = endpoint
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox_relay() == 1 and len(fake_sms.messages) == 1


def test_dingtalk_with_the_cache_down_waits_instead_of_calling_it_a_duplicate(fake_dingtalk, settings):
    user = User.objects.create_user(username="dt_cache", password="x")
    AccountProfile.objects.update_or_create(user=user, defaults={"dingtalk_user_id": "dt-cache", "notify_channel": "dingtalk", "notify_immediate": True})
    notifications_send(user_ids=[user.pk], title="通知", body="正文", key="dt-cache")
    cache_settings = settings.CACHES
    settings.CACHES = DEAD_REDIS
    try:
        outbox_relay()
    finally:
        caches["default"].close()
    row = OutboxMessage.objects.get()
    assert (row.status, row.error_code) == (OutboxStatus.THROTTLED, "uncountable") and fake_dingtalk.messages == []
    settings.CACHES = cache_settings
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox_relay() == 1  # the cache back: sent, once


def test_a_getsendresult_that_could_not_be_asked_is_asked_again(fake_dingtalk):
    user = User.objects.create_user(username="dt_confirm", password="x")
    AccountProfile.objects.update_or_create(user=user, defaults={"dingtalk_user_id": "dt-x", "notify_channel": "dingtalk", "notify_immediate": True})
    fake_dingtalk.drop_silently("dt-x")  # accepted, never delivered (143105)
    notifications_send(user_ids=[user.pk], title="通知", body="正文", key="dtc")
    assert outbox_relay() == 1
    handle = fake_dingtalk.handle

    def bad_gateway(request):
        if request.path.endswith("/getsendresult"):
            return 502, {"errmsg": "bad gateway"}
        return handle(request)

    fake_dingtalk.handle = bad_gateway
    OutboxMessage.objects.update(confirm_after=timezone.now())
    outbox_confirm()
    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.SENT and row.confirm_after is not None and row.confirm_after > timezone.now()
    fake_dingtalk.handle = handle
    OutboxMessage.objects.update(confirm_after=timezone.now())
    assert outbox_confirm() == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and row.error_code == "143105"


def test_waiting_on_a_limit_uses_up_no_attempt(fake_wecom):
    from django.core.cache import cache

    user = User.objects.create_user(username="wc_wait", password="x")
    AccountProfile.objects.update_or_create(user=user, defaults={"wecom_user_id": "wc-wait", "notify_channel": "wecom", "notify_immediate": True})
    notifications_send(user_ids=[user.pk], title="通知", body="正文", key="wait")
    from tasks.notifications.platforms import platform_for

    app = platform_for("wecom").app
    for _ in range(MAX_ATTEMPTS + 2):
        fake_wecom.fail_next(45009)
        cache.delete(f"platforms:pause:{app}")
        OutboxMessage.objects.update(next_attempt_at=timezone.now())
        outbox_relay()
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.THROTTLED, 0)
    cache.delete(f"platforms:pause:{app}")
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox_relay() == 1


def test_a_relay_interrupted_mid_batch_records_what_it_sent_and_puts_back_the_rest(fake_wecom):
    """Celery's soft time limit raises in the relay's thread while a batch is in flight: the messages already sent are
    recorded as sent, those not begun are pending again, none is left "sending" (which would make it "unknown"), and
    the next relay sends the rest: every message exactly once."""
    import signal
    from collections import Counter

    users = []
    for i in range(40):
        user = User.objects.create_user(username=f"wc_soft{i}", password="x")
        AccountProfile.objects.update_or_create(user=user, defaults={"wecom_user_id": f"soft{i}", "notify_channel": "wecom", "notify_immediate": True})
        users.append(user.pk)
    notifications_send(user_ids=users, title="通知", body="正文", key="soft")
    handle = fake_wecom.handle

    def slow(request):
        if request.path == "/cgi-bin/message/send":
            time.sleep(0.2)
        return handle(request)

    fake_wecom.handle = slow

    class SoftTimeLimitExceeded(Exception):  # as Celery raises it, from a signal, in the task's thread
        pass

    def soft_limit(*_args):
        raise SoftTimeLimitExceeded

    previous = signal.signal(signal.SIGALRM, soft_limit)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(SoftTimeLimitExceeded):
            outbox_relay()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    statuses = Counter(OutboxMessage.objects.values_list("status", flat=True))
    assert set(statuses) == {OutboxStatus.SENT, OutboxStatus.PENDING}, statuses
    assert statuses[OutboxStatus.SENT] == len(fake_wecom.messages) > 0
    assert not OutboxMessage.objects.filter(status=OutboxStatus.PENDING, attempts__gt=0).exists()
    fake_wecom.handle = handle
    outbox_relay()
    assert Counter(m["touser"] for m in fake_wecom.messages) == Counter(f"soft{i}" for i in range(40))


def test_a_relay_with_a_time_budget_claims_no_batch_after_it(fake_wecom):
    user = User.objects.create_user(username="wc_budget", password="x")
    AccountProfile.objects.update_or_create(user=user, defaults={"wecom_user_id": "budget", "notify_channel": "wecom", "notify_immediate": True})
    notifications_send(user_ids=[user.pk], title="通知", body="正文", key="budget")
    assert outbox_relay(seconds=0) == 0 and OutboxMessage.objects.get().status == OutboxStatus.PENDING
    assert outbox_relay(seconds=60) == 1
