"""What the outbox keeps and logs of a failure (issue 21: no phone or document number in clear anywhere a user or an
operator reads; exactly once): a client that raises during its call is "unknown", never sent again, its text masked
in last_error and in the log; one that fails before its request leaves is tried again; every error text says what
happened in Chinese first (transport, SMS, e-mail), and 钉钉's commonest error codes are explained as 企业微信's are."""
from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from orgs.accounts.models import AccountProfile
from orgs.common.identifiers import masked_numbers as masked
from tasks.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus
from tasks.notifications.platforms import FAILED, THROTTLED, platform_for
from tasks.notifications.platforms import sms as sms_module
from tasks.notifications.platforms.dingtalk import REASONS
from tasks.notifications.platforms.transport import NetworkError, call_json
from tasks.notifications.relay import RAISED, outbox_confirm, outbox_recover, outbox_relay
from tasks.notifications.services import notifications_send
from tests.tasks.test_outbox import BrokenBackend

pytestmark = pytest.mark.django_db
User = get_user_model()

PHONE = "13912345678"
# How an SDK or a server may echo the number (and a document number) in an error: none may be kept or logged.
CLEAR = (PHONE, "139 1234 5678", "139-1234-5678", "11010519491231002")
ECHO = f"SendSms failed: PhoneNumberSet=['+86{PHONE}'] (139 1234 5678 / 139-1234-5678), IdCard=11010519491231002X"


def _in_clear(text: str) -> list[str]:
    return [number for number in CLEAR if number in text]


def _escalation_sms(username: str = "sms_raise") -> OutboxMessage:
    user = User.objects.create_user(username=username, password="x")
    AccountProfile.objects.update_or_create(user=user, defaults={"phone": PHONE})
    return OutboxMessage.objects.create(key=f"escalation-sms:{user.pk}:2024-01-01:sms", channel=OutboxChannel.SMS, recipient=user,
                                        subject="督办", body="text", params={"count": "1", "region": "通海县"})


def _relay_again() -> None:
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    outbox_relay()


def test_masked_masks_each_number_and_leaves_the_rest_as_it_was():
    text = masked("号码 139 1234 5678、+86 139-1234-5678，证件 11010519491231002X；ReadTimeout http://127.0.0.1:8080 (read timeout=10)")
    assert _in_clear(text) == [] and text.count("139****5678") == 2
    assert text.endswith("；ReadTimeout http://127.0.0.1:8080 (read timeout=10)") and text.startswith("号码 ")
    assert masked("ConnectionError calling https://oapi.dingtalk.com (HTTP 500)\nline 2") == "ConnectionError calling https://oapi.dingtalk.com (HTTP 500)\nline 2"


def test_an_sms_sdk_raising_during_its_call_is_unknown_masked_and_never_sent_again(fake_sms, settings, monkeypatch, caplog):
    """The SDK sent the SMS, then raised (not one of its own exceptions) with a text echoing the request: the outbox
    cannot know whether it went out, so it is "unknown" (never sent again), and neither the row nor the log holds the
    number in clear."""
    from tencentcloud.sms.v20210111.sms_client import SmsClient

    settings.SMS_PROVIDER = "tencent"
    row = _escalation_sms()
    send_sms = SmsClient.SendSms

    def sent_then_raised(self, request):
        send_sms(self, request)  # the provider has the SMS …
        raise RuntimeError(ECHO)  # … and the SDK fails on its answer

    monkeypatch.setattr(SmsClient, "SendSms", sent_then_raised)
    with caplog.at_level(logging.ERROR):
        outbox_relay()
    row.refresh_from_db()
    assert (row.status, row.error_code) == (OutboxStatus.UNKNOWN, RAISED)
    assert row.last_error.startswith("发送时出现意外错误，无法确认是否送达；为避免重复不再发送")
    assert "RuntimeError" in row.last_error and "139****5678" in row.last_error and _in_clear(row.last_error) == []
    assert "Traceback" in caplog.text and "139****5678" in caplog.text and _in_clear(caplog.text) == []
    assert len(fake_sms.messages) == 1
    monkeypatch.setattr(SmsClient, "SendSms", send_sms)
    _relay_again()
    assert outbox_recover() == 0
    row.refresh_from_db()
    assert row.status == OutboxStatus.UNKNOWN and len(fake_sms.messages) == 1  # once, whatever the relays do later


def test_an_sms_whose_request_cannot_be_made_is_tried_again_without_the_number(fake_sms, monkeypatch, caplog):
    """Nothing was sent when the SDK's request could not be made: tried again (NETWORK), masked."""
    row = _escalation_sms("sms_build")
    endpoint = sms_module._endpoint

    def refused():
        raise ValueError(ECHO)

    monkeypatch.setattr(sms_module, "_endpoint", refused)
    with caplog.at_level(logging.ERROR):
        outbox_relay()
    row.refresh_from_db()
    assert (row.status, row.error_code) == (OutboxStatus.PENDING, "network") and fake_sms.messages == []
    assert row.last_error.startswith("短信请求未能生成，未发出：ValueError") and _in_clear(row.last_error) == []
    assert "Traceback" in caplog.text and _in_clear(caplog.text) == []
    monkeypatch.setattr(sms_module, "_endpoint", endpoint)
    _relay_again()
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and len(fake_sms.messages) == 1


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_sms_failures_say_what_happened_in_chinese_first(fake_sms, settings, provider):
    settings.SMS_PROVIDER = provider
    platform = platform_for("sms")
    params = {"count": "3", "region": "通海县"}
    fake_sms.fail_next("isv.MOBILE_NUMBER_ILLEGAL" if provider == "aliyun" else "FailedOperation.PhoneNumberInBlacklist", "the phone number is in blacklist")
    refused = platform.send(to=PHONE, title="", body="", url="", key="a", params=params)
    assert refused.outcome == FAILED and refused.message == "短信服务商拒绝发送：the phone number is in blacklist"
    fake_sms.fail_next("isv.BUSINESS_LIMIT_CONTROL" if provider == "aliyun" else "LimitExceeded.PhoneNumberDailyLimit", "limit")
    throttled = platform.send(to=PHONE, title="", body="", url="", key="b", params=params)
    assert throttled.outcome == THROTTLED and throttled.message.startswith("短信服务商限制发送频率，稍后自动重试：")
    settings.SMS_ENDPOINT = "http://127.0.0.1:1"  # connection refused
    unreachable = platform.send(to=PHONE, title="", body="", url="", key="c", params=params)
    assert unreachable.code == "network" and unreachable.message.startswith("连接短信服务失败（网络错误）：")


def test_an_unreachable_platform_is_told_in_chinese_first(fake_wecom, settings):
    user = User.objects.create_user(username="wc_down", password="x")
    AccountProfile.objects.update_or_create(user=user, defaults={"wecom_user_id": "wc-down", "notify_channel": "wecom", "notify_immediate": True})
    notifications_send(user_ids=[user.pk], title="通知", body="正文", key="down")
    settings.WECOM_API_BASE = "http://127.0.0.1:1"
    outbox_relay()
    row = OutboxMessage.objects.get()
    assert (row.status, row.error_code) == (OutboxStatus.PENDING, "network")
    assert row.last_error.startswith("连接失败（网络错误）：ConnectionError http://127.0.0.1:1/")


def test_transport_errors_are_chinese_first_with_the_detail_after(fake_wecom):
    answers = iter([(500, {"errmsg": "internal"}), (200, ["not", "an", "object"])])
    fake_wecom.handle = lambda request: next(answers)
    with pytest.raises(NetworkError) as server_error:
        call_json("GET", f"{fake_wecom.url}/cgi-bin/gettoken")
    assert str(server_error.value) == f"平台返回 HTTP 500：{fake_wecom.url}/cgi-bin/gettoken" and server_error.value.maybe_delivered
    with pytest.raises(NetworkError) as not_an_object:
        call_json("GET", f"{fake_wecom.url}/cgi-bin/gettoken")
    assert str(not_an_object.value).startswith("平台的应答不是 JSON 对象：")


class NumberEchoingBackend(BrokenBackend):
    """A mail server that refuses every message, naming the address (a mobile at a mail host)."""

    def send_messages(self, messages):
        raise ConnectionRefusedError(f"550 no mailbox {messages[0].to[0]}")


def test_a_mail_failure_is_chinese_first_and_masked(settings):
    settings.EMAIL_BACKEND = "tests.tasks.test_outbox_errors.NumberEchoingBackend"
    user = User.objects.create_user(username="mail_echo", password="x", email=f"{PHONE}@example.org")
    notifications_send(user_ids=[user.pk], title="通知", body="正文", key="mail")
    outbox_relay()
    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.PENDING and row.last_error.startswith("邮件发送失败：ConnectionRefusedError: 550 no mailbox")
    assert _in_clear(row.last_error) == [] and "139****5678@example.org" in row.last_error


def _dingtalk_send(**kwargs):
    platform = platform_for("dingtalk")
    assert platform is not None
    return platform.send(to="zhangsan", title="通知", body="正文", url="", key="k", **kwargs)


@pytest.mark.parametrize(("code", "reason"), [
    (33012, "钉钉不认识此用户账号"), (60121, "钉钉不认识此用户账号"), (60020, "本服务器的地址不在钉钉应用的 IP 白名单中"),
    (50002, "此用户不在钉钉应用的可使用范围内"), (40056, "钉钉应用 AgentId 不正确"), (60011, "钉钉应用没有调用此接口的权限"),
])
def test_dingtalk_refusals_are_explained_in_chinese_before_the_platforms_text(fake_dingtalk, code, reason):
    fake_dingtalk.fail_next(code)
    delivery = _dingtalk_send()
    assert (delivery.outcome, delivery.code) == (FAILED, str(code))
    assert delivery.message.startswith(reason) and delivery.message == f"{REASONS[str(code)]}（{_fake_errmsg(code)}）"


def _fake_errmsg(code: int) -> str:
    from tests.fakes.dingtalk import ANSWERS

    return ANSWERS.get(code, "fake failure")


def test_dingtalk_88_is_explained_by_its_sub_code(fake_dingtalk, monkeypatch):
    answers = iter([
        {"errcode": 88, "sub_code": "60011", "sub_msg": "没有调用该接口的权限", "errmsg": "ding talk error[subcode=60011,submsg=没有调用该接口的权限]"},
        {"errcode": 88, "sub_code": "99999", "errmsg": "ding talk error[subcode=99999,submsg=其他]"},
    ])
    monkeypatch.setattr(fake_dingtalk, "_send", lambda body: next(answers))
    known = _dingtalk_send()
    assert known.code == "88" and known.message == "钉钉应用没有调用此接口的权限：请系统管理员在钉钉开发者后台为本应用开通相应权限（ding talk error[subcode=60011,submsg=没有调用该接口的权限]）"
    other = _dingtalk_send()
    assert other.message.startswith("钉钉鉴权失败：") and other.message.endswith("（ding talk error[subcode=99999,submsg=其他]）")


def test_dingtalk_wrong_secret_and_over_frequency_are_explained(fake_dingtalk, settings):
    settings.DINGTALK_APP_SECRET = "wrong"
    refused = _dingtalk_send()
    assert refused.code == "40089" and refused.message.startswith("钉钉应用的 AppKey 或 AppSecret 不正确")
    assert refused.message.endswith("（不合法的corpid或corpsecret）")
    settings.DINGTALK_APP_SECRET = "fake-dingtalk-secret"
    fake_dingtalk.fail_next(143103)
    busy = _dingtalk_send()
    assert busy.outcome == THROTTLED and busy.message == "钉钉答复调用过于频繁，稍后自动重试（企业单应用消息发送人次QPM超限）"


def test_dingtalk_refusal_reaches_the_row_explained(fake_dingtalk):
    user = User.objects.create_user(username="dt_invalid", password="x")
    AccountProfile.objects.update_or_create(user=user, defaults={"dingtalk_user_id": "dt-gone", "notify_channel": "dingtalk", "notify_immediate": True})
    notifications_send(user_ids=[user.pk], title="通知", body="正文", key="dt-gone")
    fake_dingtalk.fail_next(33012)
    outbox_relay()
    row = OutboxMessage.objects.get()
    assert (row.status, row.error_code) == (OutboxStatus.FALLBACK, "33012") and row.last_error.startswith("钉钉不认识此用户账号")


def test_a_confirmed_failure_naming_a_number_is_kept_masked(fake_dingtalk):
    """A 钉钉 userid may be the person's mobile: what getsendresult says of it is kept masked."""
    user = User.objects.create_user(username="dt_phone", password="x")
    AccountProfile.objects.update_or_create(user=user, defaults={"dingtalk_user_id": PHONE, "notify_channel": "dingtalk", "notify_immediate": True})
    notifications_send(user_ids=[user.pk], title="通知", body="正文", key="dt-phone")
    assert outbox_relay() == 1
    row = OutboxMessage.objects.get()
    fake_dingtalk.results[int(row.reference)][PHONE] = "invalid"
    OutboxMessage.objects.update(confirm_after=timezone.now())
    assert outbox_confirm() == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and row.last_error == "钉钉不认识此用户：139****5678"
