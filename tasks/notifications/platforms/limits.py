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

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone
from redis.exceptions import RedisError

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


def _count(incremented: list[tuple[str, int]], read: list[str]) -> tuple[list[int], list[int]] | None:
    """Adds one to each of `incremented` (key, timeout) and reads `read`, or None when the cache cannot count.
    On Redis in one round trip (a pipeline of INCR, EXPIRE and MGET: the integers Django's Redis cache stores
    raw, so cache.get and cache.decr see the same values); elsewhere through the cache API."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        try:
            client = backend._cache.get_client(write=True)
            pipeline = client.pipeline(transaction=False)
            for key, timeout in incremented:
                pipeline.incr(backend.make_and_validate_key(key))
                pipeline.expire(backend.make_and_validate_key(key), timeout)
            if read:
                pipeline.mget([backend.make_and_validate_key(key) for key in read])
            answers = pipeline.execute()
        except (RedisError, OSError):
            return None
        counts = [int(answer) for answer in answers[0 : 2 * len(incremented) : 2]]
        values = [int(value or 0) for value in answers[-1]] if read else []
        return counts, values
    counts = []
    try:
        for key, timeout in incremented:
            cache.add(key, 0, timeout)
            counts.append(int(cache.incr(key)))
    except ValueError:  # the key vanished
        return None
    found = cache.get_many(read) if read else {}
    return counts, [int(found.get(key) or 0) for key in read]


def _incr(key: str, timeout: int) -> int | None:
    counted = _count([(key, timeout)], [])
    return None if counted is None else counted[0][0]


def _give_back(key: str) -> None:
    try:
        cache.decr(key)
    except ValueError:
        pass


def _bucket_keys(subject: str, window: Window, now: float) -> list[str]:
    """The keys of the window's last `buckets + 1` buckets, the current one last."""
    current = int(now // window.bucket_seconds)
    return [f"platforms:limit:{subject}:{window.seconds}:{index}" for index in range(current - window.buckets, current + 1)]


def _wait(buckets: list[int], window: Window, now: float) -> int:
    """Seconds until the buckets' sum is within the limit again: the oldest buckets leave the span one by one,
    at each bucket boundary."""
    size = window.bucket_seconds
    first_boundary = size - (now % size)
    need = sum(buckets) - window.limit
    for dropped, count in enumerate(buckets, start=1):
        need -= count
        if need <= 0:
            return int(first_boundary + (dropped - 1) * size) + 1
    return window.seconds + size


def windows_take(subject: str, windows: Sequence[Window], *, now: float | None = None) -> int:
    """Counts one message to `subject` (e.g. "wecom:<corp>:<agent>:<userid>") in every window: 0 when it may be
    sent, else the seconds to wait (nothing counted then). One round trip to Redis when nothing is over."""
    now = time.time() if now is None else now
    keys = [_bucket_keys(subject, window, now) for window in windows]
    counted = _count(
        [(bucket_keys[-1], window.seconds + 2 * window.bucket_seconds) for bucket_keys, window in zip(keys, windows)],
        [key for bucket_keys in keys for key in bucket_keys],
    )
    if counted is None:
        return UNCOUNTABLE_RETRY_SECONDS
    values = counted[1]
    waits = []
    for number, window in enumerate(windows):
        span = len(keys[number])
        buckets = values[number * span : (number + 1) * span]
        if sum(buckets) > window.limit:
            waits.append(_wait(buckets, window, now))
    if waits:
        for bucket_keys in keys:
            _give_back(bucket_keys[-1])
        return max(waits)
    return 0


def _day_left(now: datetime.datetime) -> tuple[str, int]:
    """Today's date in the platforms' time zone (China, TIME_ZONE) and the seconds until its end."""
    local = timezone.localtime(now)
    midnight = datetime.datetime.combine(local.date() + datetime.timedelta(days=1), datetime.time(), local.tzinfo)
    return local.date().isoformat(), int((midnight - local).total_seconds()) + 1


def windows_give_back(subject: str, windows: Sequence[Window], *, now: float) -> None:
    """Gives back the message `windows_take` counted at `now` (the same `now`) when it was not sent after all."""
    for window in windows:
        _give_back(_bucket_keys(subject, window, now)[-1])


def daily_give_back(subject: str, *, now: datetime.datetime) -> None:
    """Gives back the message `daily_take` counted at `now` when it was not sent after all."""
    _give_back(f"platforms:daily:{subject}:{_day_left(now)[0]}")


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


def pause(subject: str, seconds: int) -> None:
    """After the platform's "over frequency" answer: no message of `subject` (an app) is sent for `seconds`, by any
    process (each would otherwise meet the same refusal and push the back-off further)."""
    cache.set(f"platforms:pause:{subject}", time.time() + seconds, seconds)


def paused(subject: str) -> int:
    """Seconds left of `subject`'s pause, 0 when it may send (also when the cache cannot tell)."""
    until = cache.get(f"platforms:pause:{subject}")
    return max(0, int(until - time.time()) + 1) if until else 0


def backoff(subject: str) -> int:
    """Seconds to wait after the platform's own "over frequency" answer, doubling with each such answer for
    `subject` (an app) within an hour: 60, 120, 240 … 3,600."""
    key = f"platforms:backoff:{subject}"
    count = _incr(key, BACKOFF_MAX_SECONDS) or 1
    return min(BACKOFF_FIRST_SECONDS * 2 ** min(count - 1, 10), BACKOFF_MAX_SECONDS)
