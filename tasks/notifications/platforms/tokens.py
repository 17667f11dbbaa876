"""Access tokens of 企业微信 and 钉钉, cached per app in Django's cache (Redis in production: shared by every web
and worker process; local memory in the embedded default).

Both platforms give a token valid `expires_in` seconds (7,200) and limit how often it may be fetched, so a token
is fetched once, kept until `expires_in` minus a margin, and fetched again under a lock (`cache.add`, which is
atomic on Redis and on local memory) so that many processes wanting it at once make one `gettoken` call between
them. When the platform says the token is invalid or expired (40014 / 42001) the caller drops it (`token_drop`)
and fetches again once.

Each process also keeps the token it last read for up to a minute (no cache round trip per message); a token
another process replaced meanwhile is refused by the platform, dropped, and read again from the cache."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from tasks.notifications.platforms.transport import call_json

MARGIN_SECONDS = 300        # a token is replaced this long before the platform's expiry
LOCK_SECONDS = 15           # longer than one gettoken call (connect 3 s + read 10 s)
WAIT_STEP_SECONDS = 0.05
LOCAL_SECONDS = 60          # how long a process trusts the token it read, without asking the cache

_local: dict[str, tuple[str, float]] = {}  # app -> (token, monotonic time until which it is trusted)


def local_forget() -> None:
    """Forgets the tokens this process holds (tests: "another process" has nothing but the shared cache)."""
    _local.clear()


def _token_key(app: str) -> str:
    return f"platforms:token:{app}"


def access_token(app: str, fetch: Callable[[], tuple[str, int]]) -> str:
    """The cached token of `app` (e.g. "wecom:<corp id>:<agent id>"), or one fetched by `fetch()` -> (token,
    expires_in) under the app's lock. A process that finds the lock taken waits for the token the holder is
    fetching; when the cache is unavailable (Redis down) every caller fetches for itself."""
    held = _local.get(app)
    if held and held[1] > time.monotonic():
        return held[0]
    token = _shared_token(app, fetch)
    _local[app] = (token, time.monotonic() + LOCAL_SECONDS)
    return token


def _shared_token(app: str, fetch: Callable[[], tuple[str, int]]) -> str:
    key, lock = _token_key(app), f"{_token_key(app)}:lock"
    deadline = time.monotonic() + LOCK_SECONDS
    while True:
        token = cache.get(key)
        if token:
            return str(token)
        if cache.add(lock, 1, LOCK_SECONDS):
            try:
                token = cache.get(key)  # fetched by the holder before us while we waited
                if token:
                    return str(token)
                token, expires_in = fetch()
                cache.set(key, token, max(60, int(expires_in) - MARGIN_SECONDS))
                return token
            finally:
                cache.delete(lock)
        if not cache.has_key(lock) or time.monotonic() > deadline:
            token = cache.get(key)  # the holder may have finished between our add and has_key
            if token:
                return str(token)
            # No lock to wait for (the cache is down) or its holder died: fetch without it.
            token, expires_in = fetch()
            cache.set(key, token, max(60, int(expires_in) - MARGIN_SECONDS))
            return token
        time.sleep(WAIT_STEP_SECONDS)


def token_drop(app: str, stale: str) -> None:
    """Forgets `stale`, the token the platform refused, unless another process already replaced it."""
    _local.pop(app, None)
    key = _token_key(app)
    if cache.get(key) == stale:
        cache.delete(key)


def post_with_token(app: str, fetch: Callable[[], tuple[str, int]], url: str, payload: dict[str, Any],
                    is_token_error: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """POSTs `payload` to `url` with the app's cached access token; when the platform answers with a token error
    (expired or revoked before its time), drops the token and sends once more at once with a new one."""
    token = access_token(app, fetch)
    answer = call_json("POST", url, params={"access_token": token}, json=payload)
    if not is_token_error(answer):
        return answer
    token_drop(app, token)
    return call_json("POST", url, params={"access_token": access_token(app, fetch)}, json=payload)
