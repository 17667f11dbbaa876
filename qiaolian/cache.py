"""The Redis cache, failing soft: when Redis is down a read is a miss and a write is dropped, so that every page
still answers (computing what it would have read). Django's RedisCache raises on a dead server.

After an error the backend leaves Redis alone for `RETRY_AFTER` seconds (OPTIONS, default 2) instead of paying
a refused connection on every call of every request. What is written while Redis is down is lost, invalidations
included: the cached figures' own timeout bounds how stale they can be when Redis comes back with its data."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger(__name__)
T = TypeVar("T")


class FailSoftRedisCache(RedisCache):
    """RedisCache whose errors are logged and answered as a miss (get), a refusal (add) or nothing (set, delete)."""

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self._retry_after = float(options.pop("RETRY_AFTER", 2.0))
        # redis-py retries a refused connection with back-off (seconds): a cache that is down must cost nothing.
        options.setdefault("retry", Retry(NoBackoff(), 0))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._down_until = 0.0

    def _soft(self, fallback: T, call: Callable[[], T]) -> T:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return call()
        except (RedisError, OSError) as error:
            self._down_until = time.monotonic() + self._retry_after
            logger.warning("cache unavailable, served without it for %.0f s: %s", self._retry_after, error)
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(False, lambda: super(FailSoftRedisCache, self).add(key, value, timeout, version))

    def get(self, key, default=None, version=None):
        return self._soft(default, lambda: super(FailSoftRedisCache, self).get(key, default, version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._soft(None, lambda: super(FailSoftRedisCache, self).set(key, value, timeout, version))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(False, lambda: super(FailSoftRedisCache, self).touch(key, timeout, version))

    def delete(self, key, version=None):
        return self._soft(False, lambda: super(FailSoftRedisCache, self).delete(key, version))

    def get_many(self, keys, version=None):
        return self._soft({}, lambda: super(FailSoftRedisCache, self).get_many(keys, version))

    def has_key(self, key, version=None):
        return self._soft(False, lambda: super(FailSoftRedisCache, self).has_key(key, version))

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._soft(missing, lambda: super(FailSoftRedisCache, self).incr(key, delta, version))
        if value is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")  # what callers handle: a missing key
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(list(data), lambda: super(FailSoftRedisCache, self).set_many(data, timeout, version))

    def delete_many(self, keys, version=None):
        self._soft(None, lambda: super(FailSoftRedisCache, self).delete_many(keys, version))

    def clear(self):
        return self._soft(False, lambda: super(FailSoftRedisCache, self).clear())
