"""The per-member windows of tasks/notifications/platforms/limits.py, on a controlled clock."""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from tasks.notifications.platforms import limits

MINUTE = limits.Window(limit=30, seconds=60)
HOUR = limits.Window(limit=1000, seconds=3600)


def test_no_sliding_minute_ever_holds_more_than_thirty():
    start = 1_000_000.0
    sent = []
    now = start
    while now < start + 600:
        if limits.windows_take("m", (MINUTE, HOUR), now=now) == 0:
            sent.append(now)
        now += 0.5
    assert sent
    assert max(sum(1 for at in sent if t - 60 < at <= t) for t in sent) <= 30


def test_the_wait_given_is_enough_and_not_much_more():
    now = 2_000_005.0
    for _ in range(30):
        assert limits.windows_take("w", (MINUTE,), now=now) == 0
    wait = limits.windows_take("w", (MINUTE,), now=now)
    assert 60 <= wait <= 71
    assert limits.windows_take("w", (MINUTE,), now=now + wait - 11) > 0
    assert limits.windows_take("w", (MINUTE,), now=now + wait) == 0


def test_a_thousand_an_hour():
    now = 3_000_000.0
    sent = 0
    for step in range(1200):
        sent += limits.windows_take("h", (MINUTE, HOUR), now=now + step * 3) == 0  # one every 3 s: 20 a minute
    assert sent == 1000


def test_refused_message_counts_in_no_window():
    now = 4_000_000.0
    hour = limits.Window(limit=2, seconds=3600)
    for _ in range(30):
        limits.windows_take("r", (MINUTE, hour), now=now)
    # 30 tries refused by the hour window gave back their minute counts: the minute still has room
    assert limits.windows_take("r", (MINUTE,), now=now) == 0


def test_daily_limit_until_midnight_in_china():
    now = datetime.datetime(2026, 12, 7, 23, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert all(limits.daily_take("d", 3, now=now) == 0 for _ in range(3))
    assert limits.daily_take("d", 3, now=now) == 3601
    assert limits.daily_take("d", 3, now=now + datetime.timedelta(hours=1, seconds=1)) == 0


def test_back_off_doubles_up_to_an_hour():
    assert [limits.backoff("app") for _ in range(8)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
