"""企业微信 (WeCom) application messages: 发送应用消息, `POST {WECOM_API_BASE}/cgi-bin/message/send`.

A message with an absolute link is a text card (title, description, url, button "详情"); without one, a text
message. `enable_duplicate_check` asks the platform to drop the same message twice within 30 minutes (a retry
after a lost answer). Answers:

- errcode 0 → SENT, reference = msgid; but a user id the platform does not know (the member left, or is outside
  the application's visible range) comes back in `invaliduser` (or, for a single recipient, as errcode 81013):
  FAILED with code "invaliduser"; one without an interface licence (接口许可) in `unlicenseduser`: FAILED with code
  "unlicenseduser";
- 40014 / 42001 / 41001 (token invalid, expired, missing) → the token is fetched again and the message sent once
  more at once;
- 45009 (over frequency) → THROTTLED with back-off (limits.backoff: 60 s doubling up to 1 h);
- anything else, e.g. 60020 (the server's address is not among the application's trusted IPs) → FAILED with the
  platform's errcode and errmsg, which the system administrator sees.

Before sending, our own count of messages to the member (30 a minute, 1,000 an hour, the platform's documented
limits) must allow it, otherwise THROTTLED without any call.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from tasks.notifications.platforms import limits, tokens
from tasks.notifications.platforms.base import FAILED, NETWORK, NO_ANSWER, SENT, THROTTLED, Delivery, Platform
from tasks.notifications.platforms.transport import NetworkError, PlatformError, call_json

TOKEN_ERRORS = {40014, 42001, 41001}  # invalid, expired, missing access_token
OVER_FREQUENCY = {45009, 45033}       # API frequency; too many concurrent calls
INVALID_USER = 81013                  # every recipient invalid (one recipient: that one)


# What the staff who read 消息发送 and the sender's card can do about the commonest refusals (the platform's own errmsg,
# in English, follows in brackets for the administrator's search).
REASONS = {
    "60020": gettext_lazy("本服务器的地址不在企业微信应用的“企业可信IP”中：请系统管理员在企业微信管理后台（应用管理 → 本应用 → 企业可信IP）添加本服务器的出口 IP"),
    "81013": gettext_lazy("企业微信不认识此成员账号：已离开企业、账号填写有误，或不在应用的可见范围内"),
    "82001": gettext_lazy("此成员不在企业微信应用的可见范围内"),
    "40001": gettext_lazy("企业微信应用的 Secret 不正确（WECOM_SECRET）"),
    "40013": gettext_lazy("企业 ID 不正确（WECOM_CORP_ID）"),
    "40056": gettext_lazy("应用 AgentId 不正确（WECOM_AGENT_ID）"),
    "48002": gettext_lazy("企业微信应用无权调用发送消息接口"),
    "45009": gettext_lazy("企业微信答复调用过于频繁，稍后自动重试"),
}


def explained(code: str, errmsg: str, reasons: Mapping[str, object] = REASONS) -> str:
    """The platform's errmsg, after what it means in Chinese when the code is a common one (`reasons`: 企业微信's;
    钉钉's are in dingtalk.py)."""
    reason = reasons.get(code)
    return f"{reason}（{errmsg}）" if reason and errmsg else str(reason or errmsg)


def _is_token_error(answer: dict[str, Any]) -> bool:
    return answer.get("errcode") in TOKEN_ERRORS


def utf8_cut(text: str, limit: int) -> str:
    """`text` within `limit` UTF-8 bytes (the platforms count bytes), ending with "…" when cut."""
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[: limit - 3].decode(errors="ignore")
    return cut + "…"


class WeComPlatform(Platform):
    """企业微信: WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_API_BASE."""

    channel = "wecom"
    windows = (limits.Window(limit=30, seconds=60), limits.Window(limit=1000, seconds=3600))

    @classmethod
    def configured(cls) -> bool:
        return bool(settings.WECOM_CORP_ID and str(settings.WECOM_AGENT_ID).isdigit() and settings.WECOM_SECRET)

    def __init__(self) -> None:
        self.base = settings.WECOM_API_BASE.rstrip("/")
        self.corp_id = settings.WECOM_CORP_ID
        self.agent_id = int(settings.WECOM_AGENT_ID)
        self.secret = settings.WECOM_SECRET
        self.app = f"wecom:{self.corp_id}:{self.agent_id}"

    def _fetch_token(self) -> tuple[str, int]:
        answer = call_json("GET", f"{self.base}/cgi-bin/gettoken", params={"corpid": self.corp_id, "corpsecret": self.secret})
        if answer.get("errcode", 0) != 0 or not answer.get("access_token"):
            raise PlatformError(str(answer.get("errcode", "")), str(answer.get("errmsg", "")))
        return str(answer["access_token"]), int(answer.get("expires_in") or 7200)

    def _call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POSTs with the cached token; on a token error, once more with a new token."""
        return tokens.post_with_token(self.app, self._fetch_token, f"{self.base}{path}", payload, _is_token_error)

    def payload(self, *, to: str, title: str, body: str, url: str) -> dict[str, Any]:
        message: dict[str, Any] = {"touser": to, "agentid": self.agent_id, "enable_duplicate_check": 1, "duplicate_check_interval": 1800}
        if url.startswith(("http://", "https://")):
            message["msgtype"] = "textcard"
            message["textcard"] = {
                "title": utf8_cut(title, 128),
                "description": utf8_cut(body, 512),
                "url": url,
                "btntxt": gettext("详情"),
            }
        else:
            message["msgtype"] = "text"
            message["text"] = {"content": utf8_cut(f"{title}\n{body}" if title else body, 2048)}
        return message

    def send(
        self, *, to: str, title: str, body: str, url: str, key: str, params: Mapping[str, str] | None = None
    ) -> Delivery:
        waiting = limits.paused(self.app)
        if waiting:
            return Delivery(THROTTLED, code="paused", message=gettext("企业微信刚答复调用过于频繁（45009），本应用暂停发送"), retry_after=waiting)
        member, now = f"{self.app}:{to}", time.time()
        retry_after = limits.windows_take(member, self.windows, now=now)
        if retry_after:
            return Delivery(THROTTLED, code="member_limit", message=gettext("已达到企业微信对同一成员的发送频率上限（每分钟 30 条、每小时 1000 条）"), retry_after=retry_after)
        delivery = self._send(to=to, title=title, body=body, url=url)
        if delivery.outcome != SENT and delivery.code != NO_ANSWER:
            limits.windows_give_back(member, self.windows, now=now)  # nothing reached the member: not counted
        return delivery

    def _send(self, *, to: str, title: str, body: str, url: str) -> Delivery:
        try:
            answer = self._call("/cgi-bin/message/send", self.payload(to=to, title=title, body=body, url=url))
        except NetworkError as error:
            return Delivery(FAILED, code=NO_ANSWER if error.maybe_delivered else NETWORK, message=str(error))
        except PlatformError as error:  # from gettoken: nothing was sent
            if error.code in {str(code) for code in OVER_FREQUENCY}:
                return self._over_frequency(error.code, error.message)
            return Delivery(FAILED, code=error.code, message=explained(error.code, error.message))
        errcode = answer.get("errcode", 0)
        errmsg = str(answer.get("errmsg", ""))
        if errcode == 0:
            invalid = {user.lower() for user in str(answer.get("invaliduser") or "").split("|") if user}
            if to.lower() in invalid:
                return Delivery(FAILED, code="invaliduser", message=gettext("企业微信不认识此成员账号：%(userid)s（已离开企业或不在应用的可见范围内）") % {"userid": to})
            unlicensed = {user.lower() for user in str(answer.get("unlicenseduser") or "").split("|") if user}
            if to.lower() in unlicensed:
                return Delivery(FAILED, code="unlicenseduser", message=gettext("企业微信成员 %(userid)s 没有接口许可（或许可已过期），消息未送达") % {"userid": to})
            return Delivery(SENT, reference=str(answer.get("msgid", "")))
        if errcode == INVALID_USER:
            return Delivery(FAILED, code="invaliduser", message=explained(str(errcode), errmsg))
        if errcode in OVER_FREQUENCY:
            return self._over_frequency(str(errcode), errmsg)
        return Delivery(FAILED, code=str(errcode), message=explained(str(errcode), errmsg))

    def _over_frequency(self, code: str, message: str) -> Delivery:
        """45009: every process waits (limits.pause), the wait doubling with each such answer within an hour."""
        wait = limits.backoff(self.app)
        limits.pause(self.app, wait)
        return Delivery(THROTTLED, code=code, message=explained(code, message), retry_after=wait)
