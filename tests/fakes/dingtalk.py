"""A fake 钉钉 server: /gettoken, /topapi/message/corpconversation/asyncsend_v2 and .../getsendresult."""
from __future__ import annotations

import datetime
import itertools
import json
import threading
from collections import Counter, deque
from typing import Any

from tests.fakes.server import Request

ANSWERS = {
    40014: "不合法的access_token",
    42001: "access_token超时",
    60020: "访问ip不在白名单之中,request ip=203.0.113.9",
    143103: "企业单应用消息发送人次QPM超限",
}


class FakeDingTalk:
    """State and switches of the fake (thread-safe):

    - `messages`: every asyncsend_v2 body accepted (dicts, "msg" as sent); `token_calls`; `token`
    - `results[task_id][userid]`: what getsendresult says of each recipient: "unread" (delivered), "read",
      "forbidden:<code>" (flow control: in forbidden_list and forbidden_user_id_list), "failed", "invalid"
    - `expire_token(code=42001)`, `fail_next(errcode, times=1)`: as for 企业微信
    - `drop_silently(userid, code="143105")`: asyncsend_v2 answers ok for that user from now on, and getsendresult
      lists them in forbidden_list with `code`
    - the real platform's own limits, applied the same silent way: more than 500 messages a day to one person
      (143105) or the same content twice a day to one person (143106): `forbidden` counts them
    """

    def __init__(self, *, app_key: str, app_secret: str):
        self.app_key, self.app_secret = app_key, app_secret
        self.lock = threading.Lock()
        self.serial = itertools.count(1)
        self.token = ""
        self.refused_tokens: dict[str, int] = {}
        self.token_calls = 0
        self.messages: list[dict[str, Any]] = []
        self.results: dict[int, dict[str, str]] = {}
        self.failures: deque[int] = deque()
        self.silent: dict[str, str] = {}
        self.per_day: Counter[tuple[str, str]] = Counter()
        self.contents: set[tuple[str, str, str]] = set()
        self.forbidden = 0

    def expire_token(self, code: int = 42001) -> None:
        with self.lock:
            self.refused_tokens[self.token] = code
            self.token = ""

    def fail_next(self, errcode: int, times: int = 1) -> None:
        with self.lock:
            self.failures.extend([errcode] * times)

    def drop_silently(self, userid: str, code: str = "143105") -> None:
        with self.lock:
            self.silent[userid] = code

    def handle(self, request: Request) -> tuple[int, dict[str, Any]]:
        if request.path == "/gettoken":
            return 200, self._gettoken(request.query)
        if request.method != "POST" or not request.path.startswith("/topapi/message/corpconversation/"):
            return 404, {"errcode": 404, "errmsg": f"no such path {request.path}"}
        with self.lock:
            token = request.query.get("access_token", "")
            if token in self.refused_tokens:
                code = self.refused_tokens[token]
                return 200, {"errcode": code, "errmsg": ANSWERS[code]}
            if not token or token != self.token:
                return 200, {"errcode": 40014, "errmsg": ANSWERS[40014]}
            body = request.json()
            if request.path.endswith("/asyncsend_v2"):
                return 200, self._send(body)
            if request.path.endswith("/getsendresult"):
                return 200, self._result(body)
        return 404, {"errcode": 404, "errmsg": f"no such path {request.path}"}

    def _gettoken(self, query: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            self.token_calls += 1
            if query.get("appkey") != self.app_key or query.get("appsecret") != self.app_secret:
                return {"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"}
            if not self.token:
                self.token = f"dingtalk-token-{next(self.serial)}"
            return {"errcode": 0, "errmsg": "ok", "access_token": self.token, "expires_in": 7200}

    def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.failures:
            code = self.failures.popleft()
            return {"errcode": code, "errmsg": ANSWERS.get(code, "fake failure")}
        self.messages.append(body)
        task_id = 700000 + next(self.serial)
        today = datetime.date.today().isoformat()
        content = json.dumps(body.get("msg"), sort_keys=True, ensure_ascii=False)
        outcome: dict[str, str] = {}
        for userid in str(body.get("userid_list", "")).split(","):
            self.per_day[(userid, today)] += 1
            if userid in self.silent:
                outcome[userid] = f"forbidden:{self.silent[userid]}"
            elif self.per_day[(userid, today)] > 500:
                outcome[userid] = "forbidden:143105"
            elif (userid, today, content) in self.contents:
                outcome[userid] = "forbidden:143106"
            else:
                outcome[userid] = "unread"
                self.contents.add((userid, today, content))
            self.forbidden += outcome[userid].startswith("forbidden")
        self.results[task_id] = outcome
        return {"errcode": 0, "errmsg": "ok", "task_id": task_id, "request_id": f"req-{task_id}"}

    def _result(self, body: dict[str, Any]) -> dict[str, Any]:
        outcome = self.results.get(int(body.get("task_id") or 0))
        if outcome is None:
            return {"errcode": 400002, "errmsg": "任务不存在"}
        lists: dict[str, list[Any]] = {name: [] for name in (
            "invalid_user_id_list", "forbidden_user_id_list", "failed_user_id_list", "read_user_id_list",
            "unread_user_id_list", "invalid_dept_id_list", "forbidden_list")}
        for userid, state in outcome.items():
            if state.startswith("forbidden:"):
                lists["forbidden_user_id_list"].append(userid)
                lists["forbidden_list"].append({"code": state.split(":", 1)[1], "count": 500 if state.endswith("05") else 1, "userid": userid})
            elif state in ("read", "unread"):
                lists[f"{state}_user_id_list"].append(userid)
            else:
                lists[f"{state}_user_id_list"].append(userid)
        return {"errcode": 0, "errmsg": "ok", "send_result": lists, "request_id": "req-result"}
