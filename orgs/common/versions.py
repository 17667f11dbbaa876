"""Cache versions: a number kept in the cache under a key, put into the keys of what is cached of some data, and
changed whenever that data changes, so that every such entry becomes unreachable at once (the entries' own timeout
only frees memory). Used for the dashboard's figures and the gap lists' counts."""
from __future__ import annotations

import time

from django.core.cache import cache


def cache_version(key: str) -> int:
    """The current version under `key`. A lost key (cache flushed, or evicted while entries stayed) restarts from the
    clock in microseconds, never from a number that older entries may carry."""
    version = cache.get(key)
    if version is None:
        cache.add(key, time.time_ns() // 1000, None)
        version = cache.get(key) or time.time_ns() // 1000
    return version


def cache_version_bump(key: str) -> None:
    """A new version under `key` (a missing key, or a cache that is down, restarts it from the clock)."""
    try:
        cache.incr(key)
    except ValueError:
        cache.add(key, time.time_ns() // 1000, None)
