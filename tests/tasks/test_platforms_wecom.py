"""企业微信 client (tasks/notifications/platforms/wecom.py) against the fake server on loopback (tests/fakes)."""
from __future__ import annotations

import threading

import pytest
from django.core.cache import cache

from tasks.notifications.platforms import FAILED, SENT, THROTTLED, WeComPlatform, configured_channels, platform_for
from tasks.notifications.platforms.tokens import local_forget
from tasks.notifications.platforms.transport import call_json, sessions_reset


def send(to="zhangsan", title="逾期任务提醒", body="您有 3 项任务已逾期。", url="https://qiaolian.example.org/tasks/", key="k-1"):
    platform = platform_for("wecom")
    assert platform is not None
    return platform.send(to=to, title=title, body=body, url=url, key=key)


def test_not_configured_without_settings(settings):
    settings.WECOM_CORP_ID = settings.WECOM_SECRET = settings.WECOM_AGENT_ID = ""
    assert not WeComPlatform.configured()
    assert platform_for("wecom") is None
    assert "wecom" not in configured_channels()
    assert platform_for("email") is None  # not a platform channel
    settings.WECOM_CORP_ID, settings.WECOM_SECRET, settings.WECOM_AGENT_ID = "ww-corp", "secret", "not-a-number"
    assert not WeComPlatform.configured()
    settings.WECOM_AGENT_ID = "1000002"
    assert WeComPlatform.configured() and configured_channels()[0] == "wecom"


def test_configured_channel_points_at_loopback(fake_wecom, settings):
    assert "wecom" in configured_channels()
    assert settings.WECOM_API_BASE.startswith("http://127.0.0.1:")


def test_text_card_sent_with_the_documented_body(fake_wecom):
    delivery = send()
    assert delivery.outcome == SENT and delivery.reference.startswith("msg-")
    [message] = fake_wecom.messages
    assert message == {
        "touser": "zhangsan", "agentid": 1000002, "msgtype": "textcard", "enable_duplicate_check": 1, "duplicate_check_interval": 1800,
        "textcard": {"title": "逾期任务提醒", "description": "您有 3 项任务已逾期。", "url": "https://qiaolian.example.org/tasks/", "btntxt": "详情"},
    }


def test_text_message_without_a_link_and_long_text_cut_to_the_platforms_bytes(fake_wecom):
    assert send(url="", body="长" * 1000).outcome == SENT
    [message] = fake_wecom.messages
    assert message["msgtype"] == "text"
    assert len(message["text"]["content"].encode()) <= 2048 and message["text"]["content"].endswith("…")


def test_token_fetched_once_and_shared_by_another_process(fake_wecom):
    assert send(key="a").outcome == SENT
    assert send(key="b").outcome == SENT
    assert fake_wecom.token_calls == 1
    sessions_reset()
    local_forget()  # another process: nothing of ours in memory, only the shared cache
    assert send(key="c").outcome == SENT
    assert fake_wecom.token_calls == 1


def test_concurrent_senders_fetch_the_token_once(fake_wecom):
    outcomes = []

    def worker(number):
        outcomes.append(send(to=f"member{number}", key=str(number)).outcome)

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [SENT] * 8
    assert fake_wecom.token_calls == 1


@pytest.mark.parametrize("code", [42001, 40014])
def test_expired_token_fetched_again_and_message_retried_once_at_once(fake_wecom, code):
    assert send(key="first").outcome == SENT
    fake_wecom.expire_token(code)
    delivery = send(key="second")
    assert delivery.outcome == SENT
    assert fake_wecom.token_calls == 2
    assert len(fake_wecom.messages) == 2


def _count_sends(fake) -> list[int]:
    """A one-element list holding how many message/send calls the fake has answered from now on."""
    calls, handle = [0], fake.handle

    def counting(request):
        if request.path == "/cgi-bin/message/send":
            calls[0] += 1
        return handle(request)

    fake.handle = counting
    return calls


def test_over_frequency_pauses_the_application_with_growing_back_off(fake_wecom):
    calls = _count_sends(fake_wecom)
    app = platform_for("wecom").app
    fake_wecom.fail_next(45009, times=2)
    first = send(key="a")
    assert (first.outcome, first.code, first.retry_after) == (THROTTLED, "45009", 60)
    # every member waits, in every process (the shared cache), without calling the platform meanwhile
    paused = send(to="lisi", key="b")
    assert (paused.outcome, paused.code) == (THROTTLED, "paused") and 0 < paused.retry_after <= 61 and calls == [1]
    cache.delete(f"platforms:pause:{app}")  # the minute is over
    second = send(key="b")
    assert (second.outcome, second.retry_after) == (THROTTLED, 120) and calls == [2]
    assert fake_wecom.messages == []
    cache.delete(f"platforms:pause:{app}")
    # the refused messages used none of the member's 30 a minute
    assert [send(key=f"m{i}").outcome for i in range(30)] == [SENT] * 30


def test_over_frequency_from_gettoken_waits_instead_of_falling_back(fake_wecom, monkeypatch):
    local_forget()
    cache.clear()  # no token yet: gettoken is asked, and answers "over frequency"
    monkeypatch.setattr(fake_wecom, "_gettoken", lambda query: {"errcode": 45009, "errmsg": "api freq out of limit"})
    delivery = send()
    assert (delivery.outcome, delivery.code, delivery.retry_after) == (THROTTLED, "45009", 60)


def test_untrusted_address_fails_with_the_platforms_code_and_message(fake_wecom):
    fake_wecom.fail_next(60020)
    delivery = send()
    assert delivery.outcome == FAILED and delivery.code == "60020"
    assert "not allow to access from your ip" in delivery.message


def test_unknown_member_fails_as_invaliduser(fake_wecom):
    fake_wecom.users = {"zhangsan"}
    delivery = send(to="lisi")
    assert (delivery.outcome, delivery.code) == (FAILED, "invaliduser")
    assert send(to="zhangsan").outcome == SENT


def test_thirty_first_message_in_a_minute_to_one_member_is_throttled_and_never_sent(fake_wecom):
    deliveries = [send(key=str(number), body=f"第 {number} 条") for number in range(31)]
    assert [d.outcome for d in deliveries[:30]] == [SENT] * 30
    last = deliveries[30]
    assert last.outcome == THROTTLED and last.code == "member_limit" and 0 < last.retry_after <= 71
    assert len(fake_wecom.messages) == 30 and fake_wecom.dropped == []
    assert send(to="lisi").outcome == SENT  # another member is not held back


def test_wrong_secret_and_unreachable_platform_fail_with_a_code(fake_wecom, settings):
    settings.WECOM_SECRET = "wrong"
    assert (send().outcome, send().code) == (FAILED, "40001")
    settings.WECOM_SECRET = "fake-wecom-secret"
    settings.WECOM_API_BASE = "http://127.0.0.1:1"
    delivery = send()
    assert (delivery.outcome, delivery.code) == (FAILED, "network")


def test_member_without_a_licence_fails_as_unlicenseduser(fake_wecom):
    fake_wecom.unlicensed = {"wangwu"}
    delivery = send(to="wangwu")
    assert (delivery.outcome, delivery.code) == (FAILED, "unlicenseduser") and "wangwu" in delivery.message


def test_the_fake_drops_beyond_the_platforms_limits_as_the_real_one(fake_wecom):
    """What the client's limits prevent is real: 31 messages in a minute straight to the fake, the last dropped."""
    token = call_json("GET", f"{fake_wecom.url}/cgi-bin/gettoken", params={"corpid": "ww-fake-corp", "corpsecret": "fake-wecom-secret"})["access_token"]
    for number in range(31):
        answer = call_json("POST", f"{fake_wecom.url}/cgi-bin/message/send", params={"access_token": token}, json={"touser": "zhaoliu", "msgtype": "text", "agentid": 1000002, "text": {"content": str(number)}})
        assert answer["errcode"] == 0
    assert (len(fake_wecom.delivered), len(fake_wecom.dropped)) == (30, 1)
