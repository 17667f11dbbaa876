"""Frequency limits per member, counted in Django's cache (shared by all processes through Redis in production),
so that we never send what a platform would drop:

- 企业微信: 30 messages a minute and 1,000 an hour from one application to one member (beyond them the platform
  drops the messages without error);
- 钉钉: 500 work notifications a day from one application to one person, and the same content once a day (beyond
  them the platform accepts and never delivers: getsendresult's forbidden_list, codes 143105 / 143106).

A sliding window (`Window`) is counted in `buckets` buckets of `seconds / buckets` each; the count of a window is
the sum of its last `buckets + 1` buckets, a span a little longer than the window, so no window of the platform's,
wherever it starts, can hold more than the limit. A message is counted first and given back when a window is full
(increment, then compare), so concurrent senders never pass the limit together. When the cache cannot count
(Redis down), nothing is sent: the message is throttled for a minute.
"""
from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

UNCOUNTABLE_RETRY_SECONDS = 60
BACKOFF_FIRST_SECONDS = 60       # the platform said "over frequency" (企业微信 45009, 钉钉 143103/143104): wait
BACKOFF_MAX_SECONDS = 3600       # 60 s, 120 s, 240 s … doubling with each refusal within an hour, at most 1 h


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: int
    buckets: int = 6

    @property
    def bucket_seconds(self) -> int:
        return self.seconds // self.buckets


def _incr(key: str, timeout: int) -> int | None:
    try:
        cache.add(key, 0, timeout)
        return int(cache.incr(key))
    except ValueError:  # the key vanished or the cache is unavailable
        return None


def _give_back(key: str) -> None:
    try:
        cache.decr(key)
    except ValueError:
        pass


def _window_take(subject: str, window: Window, now: float) -> int:
    """0 when one more message fits the window (and is counted), else the seconds until it would fit."""
    size = window.bucket_seconds
    current = int(now // size)
    prefix = f"platforms:limit:{subject}:{window.seconds}"
    if _incr(f"{prefix}:{current}", window.seconds + 2 * size) is None:
        return UNCOUNTABLE_RETRY_SECONDS
    keys = [f"{prefix}:{index}" for index in range(current - window.buckets, current + 1)]
    counts = cache.get_many(keys)
    buckets = [int(counts.get(key) or 0) for key in keys]
    total = sum(buckets)
    if total <= window.limit:
        return 0
    _give_back(keys[-1])
    # The oldest buckets leave the span one by one at each bucket boundary: wait until enough have left.
    first_boundary = size - (now % size)
    need = total - window.limit
    for dropped, count in enumerate(buckets, start=1):
        need -= count
        if need <= 0:
            return int(first_boundary + (dropped - 1) * size) + 1
    return window.seconds + size


def windows_take(subject: str, windows: Sequence[Window], *, now: float | None = None) -> int:
    """Counts one message to `subject` (e.g. "wecom:<corp>:<agent>:<userid>") in every window: 0 when it may be
    sent, else the seconds to wait (nothing counted then)."""
    now = time.time() if now is None else now
    taken: list[Window] = []
    for window in windows:
        retry_after = _window_take(subject, window, now)
        if retry_after:
            for earlier in taken:
                _give_back(f"platforms:limit:{subject}:{earlier.seconds}:{int(now // earlier.bucket_seconds)}")
            return retry_after
        taken.append(window)
    return 0


def _day_left(now: datetime.datetime) -> tuple[str, int]:
    """Today's date in the platforms' time zone (China, TIME_ZONE) and the seconds until its end."""
    local = timezone.localtime(now)
    midnight = datetime.datetime.combine(local.date() + datetime.timedelta(days=1), datetime.time(), local.tzinfo)
    return local.date().isoformat(), int((midnight - local).total_seconds()) + 1


def daily_take(subject: str, limit: int, *, now: datetime.datetime | None = None) -> int:
    """Counts one message to `subject` today: 0 when it is within `limit`, else the seconds until tomorrow."""
    day, left = _day_left(now or timezone.now())
    key = f"platforms:daily:{subject}:{day}"
    count = _incr(key, left + 3600)
    if count is None:
        return UNCOUNTABLE_RETRY_SECONDS
    if count <= limit:
        return 0
    _give_back(key)
    return left


def content_key(subject: str, *parts: str, now: datetime.datetime | None = None) -> tuple[str, int]:
    """The cache key saying "this content went to `subject` today", and its lifetime (until tomorrow)."""
    day, left = _day_left(now or timezone.now())
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"platforms:content:{subject}:{day}:{digest}", left + 3600


def backoff(subject: str) -> int:
    """Seconds to wait after the platform's own "over frequency" answer, doubling with each such answer for
    `subject` (an app) within an hour: 60, 120, 240 … 3,600."""
    key = f"platforms:backoff:{subject}"
    count = _incr(key, BACKOFF_MAX_SECONDS) or 1
    return min(BACKOFF_FIRST_SECONDS * 2 ** min(count - 1, 10), BACKOFF_MAX_SECONDS)
