"""钉钉 client (tasks/notifications/platforms/dingtalk.py) against the fake server on loopback (tests/fakes)."""
from __future__ import annotations

import pytest

from tasks.notifications.platforms import FAILED, SENT, THROTTLED, DingTalkPlatform, configured_channels, platform_for
from tasks.notifications.platforms.tokens import local_forget
from tasks.notifications.platforms.transport import sessions_reset


def platform():
    found = platform_for("dingtalk")
    assert found is not None
    return found


def send(to="zhangsan", title="今日待办", body="您有 2 项任务今天到期。", url="https://qiaolian.example.org/tasks/", key="k-1"):
    return platform().send(to=to, title=title, body=body, url=url, key=key)


def test_not_configured_without_settings(settings):
    settings.DINGTALK_APP_KEY = settings.DINGTALK_APP_SECRET = settings.DINGTALK_AGENT_ID = ""
    assert not DingTalkPlatform.configured()
    assert platform_for("dingtalk") is None and "dingtalk" not in configured_channels()


def test_action_card_sent_and_confirmed_delivered(fake_dingtalk, settings):
    assert settings.DINGTALK_API_BASE.startswith("http://127.0.0.1:")
    delivery = send()
    assert delivery.outcome == SENT and delivery.reference.isdigit()
    [message] = fake_dingtalk.messages
    assert message["agent_id"] == 2000001 and message["userid_list"] == "zhangsan"
    assert message["msg"]["msgtype"] == "action_card"
    assert message["msg"]["action_card"]["single_url"] == "https://qiaolian.example.org/tasks/"
    assert platform().confirm(reference=delivery.reference, to="zhangsan").outcome == SENT


def test_markdown_without_a_link(fake_dingtalk):
    assert send(url="").outcome == SENT
    assert fake_dingtalk.messages[0]["msg"]["msgtype"] == "markdown"


def test_token_fetched_once_shared_and_fetched_again_when_expired(fake_dingtalk):
    assert send(key="a", body="一").outcome == SENT
    sessions_reset()
    local_forget()
    assert send(key="b", body="二").outcome == SENT
    assert fake_dingtalk.token_calls == 1
    fake_dingtalk.expire_token(42001)
    assert send(key="c", body="三").outcome == SENT
    assert fake_dingtalk.token_calls == 2 and len(fake_dingtalk.messages) == 3


@pytest.mark.parametrize(("code", "expected"), [("143105", "500"), ("143106", "同一内容")])
def test_silent_non_delivery_is_seen_through_confirm(fake_dingtalk, code, expected):
    fake_dingtalk.drop_silently("lisi", code)
    delivery = send(to="lisi")
    assert delivery.outcome == SENT  # the platform accepted it …
    confirmed = platform().confirm(reference=delivery.reference, to="lisi")
    assert confirmed.outcome == FAILED and confirmed.code == code and expected in confirmed.message  # … and dropped it


def test_same_content_twice_a_day_is_not_sent(fake_dingtalk):
    assert send(key="first").outcome == SENT
    again = send(key="second")
    assert (again.outcome, again.code) == (FAILED, "duplicate")
    assert send(key="first").outcome == SENT  # the same outbox message retried is not a duplicate of itself
    assert send(key="third", body="另一条").outcome == SENT
    assert len(fake_dingtalk.messages) == 3
    assert send(to="lisi", key="fourth").outcome == SENT  # the same content to someone else


def test_content_not_sent_can_be_sent_later(fake_dingtalk):
    fake_dingtalk.fail_next(60020)
    refused = send(key="a")
    assert (refused.outcome, refused.code) == (FAILED, "60020") and "白名单" in refused.message
    assert send(key="b").outcome == SENT


def test_five_hundred_a_day_to_one_person_and_the_platform_never_filters(fake_dingtalk):
    outcomes = [send(key=str(number), body=f"第 {number} 条").outcome for number in range(500)]
    assert outcomes == [SENT] * 500
    over = send(key="501", body="第 501 条")
    assert over.outcome == THROTTLED and over.code == "member_limit" and 0 < over.retry_after <= 86400 + 1
    assert len(fake_dingtalk.messages) == 500 and fake_dingtalk.forbidden == 0


def test_platform_frequency_limit_is_throttled(fake_dingtalk):
    fake_dingtalk.fail_next(143103)
    delivery = send()
    assert (delivery.outcome, delivery.code, delivery.retry_after) == (THROTTLED, "143103", 60)


def test_unreachable_platform_fails_as_network_and_confirm_cannot_tell(fake_dingtalk, settings):
    settings.DINGTALK_API_BASE = "http://127.0.0.1:1"
    assert send().code == "network"
    assert platform().confirm(reference="1", to="zhangsan") is None
