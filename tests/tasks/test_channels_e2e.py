"""The channels end to end, with the real clients against the fake servers on loopback (tests/fakes): the demo's
accounts on 企业微信 get exactly one digest each from `send_reminders --relay`, through an expired token, and
nothing more when it runs again; 钉钉's silent non-delivery seen by getsendresult; SMS escalations."""
from __future__ import annotations

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command

from orgs.accounts.models import AccountProfile
from qiaolian.demo.organizations import DEMO_LOGINS
from qiaolian.demo.plans import demo_channels_assign
from tasks.notifications.models import Digest, Notification, OutboxMessage, OutboxStatus
from tasks.notifications.platforms import platform_for, tokens
from tasks.notifications.services import notifications_send, outbox_relay

D = datetime.date


def _send_reminders(day: str) -> str:
    out = io.StringIO()
    call_command("send_reminders", today=day, relay=True, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_accounts_on_wecom_get_one_digest_each_through_an_expired_token_and_nothing_more(yuxi_plan, fake_wecom):
    channel, accounts = demo_channels_assign()  # what load_demo does last when WECOM_CORP_ID is set
    assert channel == "wecom" and accounts >= len(DEMO_LOGINS)
    profiles = AccountProfile.objects.filter(user__username__startswith="liaison_")
    assert profiles.exists() and all(p.wecom_user_id == p.user.username and p.notify_channel == "wecom" for p in profiles)
    fake_wecom.token = "wecom-token-old"
    fake_wecom.expire_token()  # the token the shared cache holds is refused (42001): fetched again, message retried once
    token_key = tokens._token_key(platform_for("wecom").app)
    cache.set(token_key, "wecom-token-old", 3600)  # as another process left it, still within its 7,200 s
    tokens.local_forget()
    printed = _send_reminders("2022-12-30")
    assert fake_wecom.token_calls >= 1 and cache.get(token_key) != "wecom-token-old"  # refused (42001), fetched again
    with_due_work = set(Digest.objects.filter(day=D(2022, 12, 30)).values_list("user__username", flat=True))
    assert len(with_due_work) == 9
    assert "outbound=wecom:9" in printed and "delivery=sent:9" in printed  # what became of the run's messages
    touser = [m["touser"] for m in fake_wecom.messages]
    assert sorted(touser) == sorted(with_due_work)  # one /cgi-bin/message/send each
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.SENT).exists()
    _send_reminders("2022-12-30")
    assert len(fake_wecom.messages) == len(with_due_work)


@pytest.mark.django_db
def test_60020_falls_back_to_the_inbox_and_45009_waits(tonghai_official, huaning_official, fake_wecom, client_for, admin_user):
    from django.utils import timezone

    for user, userid in ((tonghai_official, "tonghai"), (huaning_official, "huaning")):
        AccountProfile.objects.update_or_create(user=user, defaults={"wecom_user_id": userid, "notify_channel": "wecom", "notify_immediate": True})
    # (the kick on commit does not run inside the test's transaction: the relay is called)
    notifications_send(user_ids=[tonghai_official.pk], title="通知一", body="正文", key="a")
    fake_wecom.fail_next(60020)  # refused: our address is not trusted
    assert outbox_relay() == 0
    notifications_send(user_ids=[huaning_official.pk], title="通知二", body="正文", key="b")
    fake_wecom.fail_next(45009)  # over frequency
    assert outbox_relay() == 0
    refused = OutboxMessage.objects.get(recipient=tonghai_official)
    waiting = OutboxMessage.objects.get(recipient=huaning_official)
    refused.refresh_from_db(), waiting.refresh_from_db()
    assert refused.status == OutboxStatus.FALLBACK and refused.error_code == "60020"
    assert Notification.objects.filter(user=tonghai_official, title="通知一").exists()
    assert waiting.status == OutboxStatus.THROTTLED and waiting.next_attempt_at > timezone.now()
    # the whole application waits the minute out (refused messages are not tried meanwhile) …
    OutboxMessage.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
    assert outbox_relay() == 0 and OutboxMessage.objects.get(pk=waiting.pk).error_code == "paused"
    cache.delete(f"platforms:pause:{platform_for('wecom').app}")  # … and then sends
    OutboxMessage.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
    assert outbox_relay() == 1 and [m["touser"] for m in fake_wecom.messages] == ["huaning"]
    page = client_for(admin_user).get("/tasks/messages/?status=fallback").content.decode()
    assert "60020" in page and "not allow to access from your ip" in page and "企业可信IP" in page  # what to do, in Chinese


@pytest.mark.django_db
def test_dingtalk_accepted_but_not_delivered_is_failed_after_getsendresult(tonghai_official, huaning_official, fake_dingtalk):
    from django.utils import timezone

    AccountProfile.objects.update_or_create(user=tonghai_official, defaults={"dingtalk_user_id": "dt-tonghai", "notify_channel": "dingtalk", "notify_immediate": True})
    AccountProfile.objects.update_or_create(user=huaning_official, defaults={"dingtalk_user_id": "dt-huaning", "notify_channel": "dingtalk", "notify_immediate": True})
    fake_dingtalk.drop_silently("dt-tonghai")  # accepted (errcode 0), never delivered: only getsendresult tells
    notifications_send(user_ids=[tonghai_official.pk, huaning_official.pk], title="通知", body="正文", key="dt")
    assert outbox_relay() == 2
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 2
    OutboxMessage.objects.update(confirm_after=timezone.now())
    outbox_relay()
    assert OutboxMessage.objects.get(recipient=huaning_official).status == OutboxStatus.SENT
    failed = OutboxMessage.objects.get(recipient=tonghai_official)
    assert failed.status == OutboxStatus.FAILED and failed.error_code and failed.last_error
    assert Notification.objects.filter(user=tonghai_official, title="通知").exists()


@pytest.mark.django_db
def test_escalation_goes_by_sms_through_the_provider_once_a_day(yuxi_plan, yuxi_staff, fake_sms):
    AccountProfile.objects.update_or_create(user=yuxi_staff, defaults={"phone": "13912345678"})
    _send_reminders("2023-01-08")  # days late 8: the 玉溪市 staff are told (督办)
    _send_reminders("2023-01-08")
    assert [(m["phone"], m["params"]["region"]) for m in fake_sms.messages] == [("13912345678", fake_sms.messages[0]["params"]["region"])]
    assert int(fake_sms.messages[0]["params"]["count"]) >= 1
    row = OutboxMessage.objects.get(channel="sms")
    assert row.status == OutboxStatus.SENT and row.to_address == "" and "13912345678" not in row.body
