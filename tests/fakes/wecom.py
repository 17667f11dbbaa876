"""A fake 企业微信 server: /cgi-bin/gettoken and /cgi-bin/message/send, with the platform's documented answers."""
from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict, deque
from typing import Any

from tests.fakes.server import Request

ANSWERS = {
    40014: "invalid access_token",
    42001: "access_token expired",
    45009: "api freq out of limit",
    60020: "not allow to access from your ip, hint: [1700000000_1_fake], from ip: 203.0.113.9, more info at https://open.work.weixin.qq.com/devtool/query?e=60020",
    81013: "user & party & tag all invalid",
}


class FakeWeCom:
    """State and switches of the fake (all thread-safe):

    - `messages`: every accepted message/send body (dicts), in order; `delivered` those the platform would show,
      `dropped` those beyond its per-member limits (30 a minute, 1,000 an hour: the real one drops them silently)
    - `token_calls`: number of gettoken calls; `token`: the current access token
    - `expire_token(code=42001)`: the current token is refused with `code` (42001 expired, 40014 invalid) from now on;
      the next gettoken gives a new one
    - `fail_next(errcode, times=1)`: the next `times` message/send calls answer `errcode` (45009, 60020 …) and
      deliver nothing
    - `users`: when a set, a userid outside it is unknown (errcode 81013, the documented answer when every recipient
      is invalid)
    """

    def __init__(self, *, corp_id: str, secret: str):
        self.corp_id, self.secret = corp_id, secret
        self.lock = threading.Lock()
        self.serial = itertools.count(1)
        self.token = ""
        self.refused_tokens: dict[str, int] = {}
        self.token_calls = 0
        self.messages: list[dict[str, Any]] = []
        self.delivered: list[dict[str, Any]] = []
        self.dropped: list[dict[str, Any]] = []
        self.failures: deque[int] = deque()
        self.users: set[str] | None = None
        self.unlicensed: set[str] = set()
        self.sent_at: dict[str, deque[float]] = defaultdict(deque)

    def expire_token(self, code: int = 42001) -> None:
        with self.lock:
            self.refused_tokens[self.token] = code
            self.token = ""

    def fail_next(self, errcode: int, times: int = 1) -> None:
        with self.lock:
            self.failures.extend([errcode] * times)

    def stats(self) -> dict[str, int]:
        with self.lock:
            return {"received": len(self.messages), "delivered": len(self.delivered), "dropped": len(self.dropped), "token_calls": self.token_calls}

    def handle(self, request: Request) -> tuple[int, dict[str, Any]]:
        if request.path == "/cgi-bin/gettoken":
            return 200, self._gettoken(request.query)
        if request.path == "/cgi-bin/message/send" and request.method == "POST":
            return 200, self._send(request.query.get("access_token", ""), request.json())
        if request.path == "/_fake/stats":  # for a fake served by another process (tests/fakes/throughput.py)
            return 200, self.stats()
        return 404, {"errcode": 404, "errmsg": f"no such path {request.path}"}

    def _gettoken(self, query: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            self.token_calls += 1
            if query.get("corpid") != self.corp_id:
                return {"errcode": 40013, "errmsg": "invalid corpid"}
            if query.get("corpsecret") != self.secret:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            if not self.token:
                self.token = f"wecom-token-{next(self.serial)}"
            return {"errcode": 0, "errmsg": "ok", "access_token": self.token, "expires_in": 7200}

    def _send(self, token: str, message: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if token in self.refused_tokens:
                code = self.refused_tokens[token]
                return {"errcode": code, "errmsg": ANSWERS[code]}
            if not token or token != self.token:
                return {"errcode": 40014, "errmsg": ANSWERS[40014]}
            if self.failures:
                code = self.failures.popleft()
                return {"errcode": code, "errmsg": ANSWERS.get(code, "fake failure")}
            userid = str(message.get("touser", ""))
            if self.users is not None and userid not in self.users:
                return {"errcode": 81013, "errmsg": ANSWERS[81013], "invaliduser": userid.lower()}
            if userid in self.unlicensed:
                return {"errcode": 0, "errmsg": "ok", "invaliduser": "", "unlicenseduser": userid.lower(), "msgid": f"msg-{next(self.serial)}"}
            self.messages.append(message)
            now = time.time()
            times = self.sent_at[userid]
            while times and times[0] <= now - 3600:
                times.popleft()
            in_minute = sum(1 for at in times if at > now - 60)
            times.append(now)
            if in_minute >= 30 or len(times) > 1000:
                self.dropped.append(message)  # the real platform answers ok and never delivers
            else:
                self.delivered.append(message)
            return {"errcode": 0, "errmsg": "ok", "invaliduser": "", "invalidparty": "", "invalidtag": "", "msgid": f"msg-{next(self.serial)}"}
