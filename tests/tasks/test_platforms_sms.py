"""SMS (tasks/notifications/platforms/sms.py) through the official 阿里云 and 腾讯云 SDKs, pointed at the fake
provider on loopback (tests/fakes/sms.py)."""
from __future__ import annotations

import pytest

from tasks.notifications.platforms import FAILED, SENT, THROTTLED, SmsPlatform, configured_channels, platform_for
from tasks.notifications.platforms.sms import sms_text

PHONE = "13912345678"
PARAMS = {"count": "3", "region": "通海县"}


def send(to=PHONE, params=PARAMS, key="escalation-1"):
    platform = platform_for("sms")
    assert platform is not None
    return platform.send(to=to, title="逾期工作", body="", url="", key=key, params=params)


def test_not_configured_without_settings(settings):
    settings.SMS_PROVIDER = ""
    assert not SmsPlatform.configured() and platform_for("sms") is None and "sms" not in configured_channels()


def test_tencent_needs_its_app_id(fake_sms, settings):
    settings.SMS_PROVIDER, settings.SMS_SDK_APP_ID = "tencent", ""
    assert not SmsPlatform.configured()
    settings.SMS_PROVIDER = "unknown"
    assert not SmsPlatform.configured()


def test_aliyun_sends_the_template_with_its_parameters(fake_sms, settings):
    assert settings.SMS_ENDPOINT.startswith("http://127.0.0.1:")
    delivery = send()
    assert delivery.outcome == SENT and delivery.reference.startswith("biz-")
    assert fake_sms.messages == [{"provider": "aliyun", "phone": PHONE, "sign": "侨联", "template": "SMS_0000001", "params": PARAMS, "key": "escalation-1"}]


def test_tencent_sends_the_template_with_positional_parameters(fake_sms, settings):
    settings.SMS_PROVIDER = "tencent"
    delivery = send()
    assert delivery.outcome == SENT and delivery.reference.startswith("2640:")
    [message] = fake_sms.messages
    assert (message["phone"], message["params"], message["app"], message["key"]) == ("+86" + PHONE, ["3", "通海县"], "1400000001", "escalation-1")


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_refusal_keeps_the_providers_code_and_never_the_clear_number(fake_sms, settings, provider):
    settings.SMS_PROVIDER = provider
    fake_sms.fail_next("isv.MOBILE_NUMBER_ILLEGAL" if provider == "aliyun" else "FailedOperation.PhoneNumberInBlacklist", f"号码 {PHONE} 不可用")
    delivery = send()
    assert delivery.outcome == FAILED and delivery.code.startswith(("isv.", "FailedOperation."))
    assert PHONE not in delivery.message and "139****5678" in delivery.message
    assert fake_sms.messages == []


@pytest.mark.parametrize(("provider", "code", "wait"), [("aliyun", "isv.BUSINESS_LIMIT_CONTROL", 3600), ("tencent", "LimitExceeded.PhoneNumberDailyLimit", 86400)])
def test_provider_frequency_limits_are_throttled(fake_sms, settings, provider, code, wait):
    settings.SMS_PROVIDER = provider
    fake_sms.fail_next(code)
    delivery = send()
    assert (delivery.outcome, delivery.code, delivery.retry_after) == (THROTTLED, code, wait)


def test_tencent_api_error(fake_sms, settings):
    settings.SMS_PROVIDER = "tencent"
    fake_sms.fail_auth = True
    delivery = send()
    assert (delivery.outcome, delivery.code) == (FAILED, "AuthFailure.SecretIdNotFound")


def test_missing_template_parameter_sends_nothing(fake_sms):
    delivery = send(params={"count": "3"})
    assert (delivery.outcome, delivery.code) == (FAILED, "template_params") and "region" in delivery.message
    assert fake_sms.messages == []


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_unreachable_provider_fails_as_network_without_the_clear_number(fake_sms, settings, provider):
    settings.SMS_PROVIDER, settings.SMS_ENDPOINT = provider, "http://127.0.0.1:1"
    delivery = send()
    assert (delivery.outcome, delivery.code) == (FAILED, "network")
    assert PHONE not in delivery.message


def test_the_text_a_person_reads(settings):
    assert sms_text(PARAMS) == "您有3项逾期工作未完成（通海县），请尽快登录侨联组织建设管理系统处理。"
