"""Notification channels: who is reached how (recipients_get), channels offered only when configured, immediate
notices opt-in, and the outbox's state machine against a platform that answers as told (sent, 45009 throttled,
60020 refused, interrupted mid-send, 钉钉's silent non-delivery). The real clients against fake servers on loopback
are in test_channels_e2e.py."""
from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from census.registry.models import CampaignReport
from census.rounds.services import report_submit, round_open
from orgs.accounts.models import AccountProfile
from orgs.common.channels import channel_choices
from orgs.regions.models import Region
from tasks.notifications import platforms
from tasks.notifications.forms import PreferenceForm
from tasks.notifications.models import Notification, OutboxMessage, OutboxStatus
from tasks.notifications.platforms.base import FAILED, SENT, THROTTLED, Delivery, Platform
from tasks.notifications.relay import outbox_recover
from tasks.notifications.services import (
    notification_preference_set,
    notifications_send,
    outbox_relay,
    recipients_get,
)
from tasks.plans.services import task_assign, task_create
from tasks.reminders.services import reminders_send
from tests.factories import UserFactory
from tests.tasks.test_concurrency import _at_once, _skip_unless_postgres
from tests.tasks.test_worker import _reload_session_data  # noqa: F401 - module fixture: a test here flushes

D = datetime.date


class AnsweringPlatform(Platform):
    """A platform outside the product that answers each send as told (by recipient), else accepts it."""

    channel = "wecom"

    def __init__(self, channel: str):
        self.channel = channel  # type: ignore[misc]
        self.sent: list[tuple[str, str]] = []
        self.answers: dict[str, list[Delivery]] = {}
        self.confirms: dict[str, Delivery] = {}

    @classmethod
    def configured(cls) -> bool:
        return True

    def send(self, *, to, title, body, url, key, params=None):
        self.sent.append((to, key))
        queued = self.answers.get(to)
        if queued:
            return queued.pop(0)
        return Delivery(SENT, reference=f"ref-{len(self.sent)}")

    def confirm(self, *, reference, to):
        return self.confirms.get(reference)


@pytest.fixture
def fake_platforms(monkeypatch):
    """Channels configured: those put into the returned dict (platform_for answers from it)."""
    configured: dict[str, AnsweringPlatform] = {}
    monkeypatch.setattr(platforms, "platform_for", lambda channel: configured.get(channel), raising=False)
    return configured


def _profile(user, **fields):
    profile, _ = AccountProfile.objects.get_or_create(user=user, defaults={"must_change_password": False})
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()
    return profile


@pytest.mark.django_db
def test_channel_not_configured_is_not_offered_and_behaves_as_email(tonghai_official, fake_platforms):
    tonghai_official.email = "th@example.org"
    tonghai_official.save()
    assert [value for value, _l in channel_choices()] == ["email", "inbox"]
    assert "wecom" not in dict(PreferenceForm().fields["channel"].choices)
    with pytest.raises(ValidationError, match="未配置"):
        notification_preference_set(user=tonghai_official, channel="wecom")
    _profile(tonghai_official, wecom_user_id="tonghai", notify_channel="wecom", notify_immediate=True)  # stored while 企业微信 was configured
    assert (recipients_get([tonghai_official.pk])[tonghai_official.pk].channel) == "email"
    fake_platforms["wecom"] = AnsweringPlatform("wecom")
    assert [value for value, _l in channel_choices()] == ["email", "inbox", "wecom"]
    recipient = recipients_get([tonghai_official.pk])[tonghai_official.pk]
    assert (recipient.channel, recipient.address) == ("wecom", "tonghai")
    _profile(tonghai_official, wecom_user_id="")  # no 企业微信 id: e-mail; no address either: the inbox only
    assert recipients_get([tonghai_official.pk])[tonghai_official.pk].channel == "email"
    tonghai_official.email = ""
    tonghai_official.save()
    assert recipients_get([tonghai_official.pk])[tonghai_official.pk].channel == ""


@pytest.mark.django_db
def test_immediate_notices_are_opt_in_but_digests_always_go(yuxi_plan, tonghai_official, fake_platforms):
    fake_platforms["wecom"] = AnsweringPlatform("wecom")
    _profile(tonghai_official, wecom_user_id="tonghai", notify_channel="wecom", notify_immediate=False)
    notifications_send(user_ids=[tonghai_official.pk], title="新任务", body="正文", key="notice")
    assert Notification.objects.filter(user=tonghai_official, title="新任务").exists()
    assert not OutboxMessage.objects.filter(recipient=tonghai_official).exists()
    notification_preference_set(user=tonghai_official, channel="wecom", immediate=True)
    notifications_send(user_ids=[tonghai_official.pk], title="新任务二", body="正文", key="notice2", source="task:1")
    row = OutboxMessage.objects.get(recipient=tonghai_official)
    assert (row.channel, row.to_address, row.source) == ("wecom", "tonghai", "task:1")
    assert row.key == f"notice2:u{tonghai_official.pk}:{timezone.localdate().isoformat()}:wecom"
    reminders_send(today=D(2022, 12, 30))
    digest = OutboxMessage.objects.get(recipient=tonghai_official, key__startswith="digest:")
    assert digest.key == f"digest:{tonghai_official.pk}:2022-12-30:wecom"


@pytest.mark.django_db
def test_one_digest_per_person_per_day_on_their_channel_and_nothing_more_on_a_second_run(yuxi_plan, tonghai_official,
                                                                                          fake_platforms, email_backend):
    wecom = fake_platforms["wecom"] = AnsweringPlatform("wecom")
    _profile(tonghai_official, wecom_user_id="tonghai", notify_channel="wecom", notify_immediate=True)
    reminders_send(today=D(2022, 12, 30))
    assert outbox_relay() == 9
    assert [to for to, _k in wecom.sent] == ["tonghai"]
    notification_preference_set(user=tonghai_official, channel="email")  # changing channel the same day sends nothing
    reminders_send(today=D(2022, 12, 30))
    assert outbox_relay() == 0
    assert OutboxMessage.objects.filter(recipient=tonghai_official).count() == 1


@pytest.mark.django_db
def test_45009_is_throttled_then_sent_later_and_60020_falls_back_to_the_inbox(tonghai_official, huaning_official,
                                                                              fake_platforms, client_for, admin_user):
    wecom = fake_platforms["wecom"] = AnsweringPlatform("wecom")
    _profile(tonghai_official, wecom_user_id="tonghai", notify_channel="wecom", notify_immediate=True)
    _profile(huaning_official, wecom_user_id="huaning", notify_channel="wecom", notify_immediate=True)
    wecom.answers["tonghai"] = [Delivery(THROTTLED, "45009", "api freq out of limit", retry_after=120)]
    wecom.answers["huaning"] = [Delivery(FAILED, "60020", "not allow to access from your ip, from ip: 10.0.0.9")]
    notifications_send(user_ids=[tonghai_official.pk, huaning_official.pk], title="通知", body="正文", key="k")
    assert outbox_relay() == 0
    throttled = OutboxMessage.objects.get(recipient=tonghai_official)
    assert throttled.status == OutboxStatus.THROTTLED and throttled.error_code == "45009"
    assert throttled.next_attempt_at > timezone.now() + datetime.timedelta(seconds=100)
    refused = OutboxMessage.objects.get(recipient=huaning_official)
    assert refused.status == OutboxStatus.FALLBACK and refused.error_code == "60020"
    assert Notification.objects.filter(user=huaning_official, title="通知").exists()  # the inbox holds it
    assert outbox_relay() == 0 and len(wecom.sent) == 2  # not before its time; the refused one never again
    OutboxMessage.objects.filter(pk=throttled.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    assert outbox_relay() == 1 and len(wecom.sent) == 3
    assert OutboxMessage.objects.get(pk=throttled.pk).status == OutboxStatus.SENT
    page = client_for(admin_user).get("/tasks/messages/?channel=wecom&status=fallback").content.decode()
    assert "60020" in page and "not allow to access from your ip" in page and 'data-testid="count-wecom-fallback">' in page


@pytest.mark.django_db
def test_a_row_left_sending_after_its_lease_is_never_sent_again(tonghai_official, fake_platforms):
    wecom = fake_platforms["wecom"] = AnsweringPlatform("wecom")
    _profile(tonghai_official, wecom_user_id="tonghai", notify_channel="wecom", notify_immediate=True)
    notifications_send(user_ids=[tonghai_official.pk], title="通知", body="正文", key="crash")
    # the worker claimed the row (committed "sending"), called the platform and died before recording the answer
    OutboxMessage.objects.update(status=OutboxStatus.SENDING, attempts=1, claimed_until=timezone.now() + datetime.timedelta(seconds=300))
    assert outbox_relay() == 0 and wecom.sent == []  # its lease still runs: left alone
    OutboxMessage.objects.update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    assert outbox_relay() == 0 and outbox_relay() == 0 and wecom.sent == []
    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.UNKNOWN and "站内信" in row.last_error
    assert Notification.objects.filter(user=tonghai_official, title="通知").exists()
    assert outbox_recover() == 0


@pytest.mark.django_db
def test_dingtalk_silent_non_delivery_is_failed_after_confirm(tonghai_official, fake_platforms):
    dingtalk = fake_platforms["dingtalk"] = AnsweringPlatform("dingtalk")
    _profile(tonghai_official, dingtalk_user_id="dt-tonghai", notify_channel="dingtalk", notify_immediate=True)
    notifications_send(user_ids=[tonghai_official.pk], title="通知", body="正文", key="dt")
    assert outbox_relay() == 1
    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.SENT and row.reference == "ref-1" and row.confirm_after > timezone.now()
    dingtalk.confirms["ref-1"] = Delivery(FAILED, "forbidden", "forbidden_list: dt-tonghai (over 500 a day / same content)")
    outbox_relay()
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT  # asked a minute after acceptance, not before
    OutboxMessage.objects.update(confirm_after=timezone.now() - datetime.timedelta(seconds=1))
    outbox_relay()
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and row.error_code == "forbidden" and "forbidden_list" in row.last_error
    assert row.confirm_after is None and len(dingtalk.sent) == 1


@pytest.mark.django_db
def test_escalations_go_by_sms_once_a_day_to_superior_staff_with_a_mobile(yuxi_plan, yuxi_staff, fake_platforms, settings):
    sms = fake_platforms["sms"] = AnsweringPlatform("sms")
    _profile(yuxi_staff, phone="13912345678")
    reminders_send(today=D(2023, 1, 8))  # days late 8: escalated to 玉溪市 staff
    row = OutboxMessage.objects.get(channel="sms")
    assert row.recipient == yuxi_staff and row.key == f"escalation-sms:{yuxi_staff.pk}:2023-01-08:sms"
    assert "13912345678" not in str(list(OutboxMessage.objects.values_list()))  # the number is read when sending
    outbox_relay()
    assert sms.sent == [("13912345678", row.key)]
    reminders_send(today=D(2023, 1, 8))
    outbox_relay()
    assert len(sms.sent) == 1
    _profile(yuxi_staff, notify_channel="inbox")  # 仅站内信, their own choice: no SMS either
    reminders_send(today=D(2023, 1, 15))
    assert OutboxMessage.objects.filter(channel="sms").count() == 1
    _profile(yuxi_staff, notify_channel="email")
    reminders_send(today=D(2023, 1, 22))
    assert OutboxMessage.objects.filter(channel="sms").count() == 2
    del fake_platforms["sms"]  # SMS not configured: no SMS at all
    reminders_send(today=D(2023, 1, 29))
    assert OutboxMessage.objects.filter(channel="sms").count() == 2


@pytest.mark.django_db
def test_the_task_page_shows_what_became_of_its_notices(yuxi_plan, tonghai_official, yuxi_staff, fake_platforms, client_for):
    wecom = fake_platforms["wecom"] = AnsweringPlatform("wecom")
    _profile(tonghai_official, wecom_user_id="tonghai", notify_channel="wecom", notify_immediate=True)
    wecom.answers["tonghai"] = [Delivery(FAILED, "60020", "not allow to access from your ip")]
    task = task_create(plan=yuxi_plan, title="通知测试任务", region=Region.objects.get(code="530423"),
                       deadline=D(2023, 3, 1), responsible_users=[tonghai_official], actor=yuxi_staff)
    outbox_relay()
    page = client_for(yuxi_staff).get(f"/tasks/{task.pk}/").content.decode()
    assert 'data-testid="delivery-wecom"' in page and "转站内信 1" in page and "60020" in page


@pytest.mark.django_db
def test_the_round_report_page_shows_what_became_of_its_steps_notices(
    tonghai_official, yuxi_staff, yuxi_leader, fake_platforms, client_for, django_capture_on_commit_callbacks
):
    wecom = fake_platforms["wecom"] = AnsweringPlatform("wecom")
    _profile(yuxi_staff, wecom_user_id="yuxi", notify_channel="wecom", notify_immediate=True)
    wecom.answers["yuxi"] = [Delivery(FAILED, "60020", "not allow to access from your ip")]
    campaign = round_open(editor=yuxi_staff, year=2026, region=Region.objects.get(code="530400"), deadline=D(2026, 7, 31))
    report = CampaignReport.objects.get(campaign=campaign, region__code="530423")
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(report=report, actor=tonghai_official)  # tells 玉溪市's staff, by 企业微信
    outbox_relay()
    url = f"/census/rounds/{campaign.pk}/reports/530423/"
    for user in (yuxi_staff, tonghai_official):  # who decide, who submitted
        page = client_for(user).get(url).content.decode()
        assert 'data-testid="delivery-wecom"' in page and "转站内信 1" in page and "60020" in page
    assert 'data-testid="deliveries"' not in client_for(yuxi_leader).get(url).content.decode()  # reads only


@pytest.mark.django_db
def test_a_platform_channel_needs_its_account_on_every_page_and_the_choice_is_recorded(tonghai_official, yuxi_staff,
                                                                                      fake_platforms, client_for):
    from auditlog.models import LogEntry

    from orgs.accounts.services import account_update

    fake_platforms["wecom"] = AnsweringPlatform("wecom")
    fake_platforms["dingtalk"] = AnsweringPlatform("dingtalk")
    _profile(tonghai_official, wecom_user_id="", dingtalk_user_id="", notify_channel="email")
    client = client_for(tonghai_official)
    # the inbox page: refused with what to do, nothing changed
    response = client.post("/tasks/inbox/", {"action": "preference", "channel": "dingtalk"}, follow=True)
    assert "选择钉钉通知须先填写钉钉账号" in response.content.decode()
    assert AccountProfile.objects.get(user=tonghai_official).notify_channel == "email"
    # the account page of the level above: the same rule
    with pytest.raises(ValidationError, match="选择企业微信通知须先填写企业微信账号"):
        account_update(account=tonghai_official, editor=yuxi_staff, notify_channel="wecom")
    with pytest.raises(ValidationError, match="选择企业微信通知须先填写企业微信账号"):  # nor may the account be emptied under it
        _profile(tonghai_official, wecom_user_id="tonghai", notify_channel="wecom", notify_immediate=True)
        account_update(account=tonghai_official, editor=yuxi_staff, wecom_user_id="")
    account_update(account=tonghai_official, editor=yuxi_staff, dingtalk_user_id="dt-tonghai")
    response = client.post("/tasks/inbox/", {"action": "preference", "channel": "dingtalk", "immediate": "on"}, follow=True)
    assert "通知方式已保存" in response.content.decode()
    assert AccountProfile.objects.get(user=tonghai_official).notify_channel == "dingtalk"
    # in the account's record (账号记录), as a change made on the account page is
    entry = LogEntry.objects.filter(object_pk=str(tonghai_official.pk), additional_data__changes__notify_channel__isnull=False).last()
    assert entry is not None and entry.additional_data["changes"]["notify_channel"] == ["站内信和企业微信", "站内信和钉钉"]


# Last in the module: it flushes the tables at its end (the module fixture puts the session's data back).
@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_send_each_platform_message_once(fake_platforms):
    _skip_unless_postgres()
    wecom = fake_platforms["wecom"] = AnsweringPlatform("wecom")
    users = [UserFactory(username=f"wecom_relay_{i}") for i in range(60)]
    OutboxMessage.objects.bulk_create([
        OutboxMessage(key=f"two-relays:u{u.pk}:wecom", channel="wecom", recipient=u, to_address=u.username, subject="两次发送",
                      body="正文") for u in users
    ])
    results, errors = _at_once(lambda: outbox_relay(batch=7), n=3)
    assert errors == []
    assert sum(results) == 60 == len(wecom.sent) == len({key for _to, key in wecom.sent})
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 60


@pytest.mark.django_db
def test_an_assignment_notice_goes_once_a_day_whatever_the_reassignments(yuxi_plan, tonghai_official, yuxi_staff, fake_platforms):
    """Taken off a task and put back on the same day: the same notice is not sent again (企业微信 and 钉钉 count it
    against their limits, and 钉钉 drops the same content sent twice a day); a changed deadline is a new notice."""
    fake_platforms["wecom"] = AnsweringPlatform("wecom")
    _profile(tonghai_official, wecom_user_id="tonghai", notify_channel="wecom", notify_immediate=True)
    task = task_create(plan=yuxi_plan, title="通知去重任务", region=Region.objects.get(code="530423"),
                       deadline=D(2023, 3, 1), responsible_users=[tonghai_official], actor=yuxi_staff)
    task_assign(task=task, responsible_users=[], actor=yuxi_staff)
    task_assign(task=task, responsible_users=[tonghai_official], actor=yuxi_staff)
    sent = OutboxMessage.objects.filter(recipient=tonghai_official, source=f"task:{task.pk}")
    assert sent.count() == 1 and sent.get().channel == "wecom"
    assert Notification.objects.filter(user=tonghai_official, title="新任务：通知去重任务").count() == 2  # the inbox keeps both

    task.deadline = D(2023, 6, 30)
    task.save(update_fields=["deadline"])
    task_assign(task=task, responsible_users=[], actor=yuxi_staff)
    task_assign(task=task, responsible_users=[tonghai_official], actor=yuxi_staff)
    assert sent.count() == 2
