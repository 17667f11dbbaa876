"""钉钉 (DingTalk) work notifications (工作通知): `POST {DINGTALK_API_BASE}/topapi/message/corpconversation/asyncsend_v2`.

A message with an absolute link is an action card (title, markdown text, one button "查看详情"); without one, a
markdown message. The platform answers with a task_id (our reference) and delivers later; what it then refused is
told only by `getsendresult` (`confirm()`): a userid in `forbidden_list` / `forbidden_user_id_list` (flow control:
143105 more than 500 notifications a day to one person, 143106 the same content twice a day), in
`failed_user_id_list` or `invalid_user_id_list` was never delivered: FAILED with the reason.

So that this never happens, send() itself refuses (THROTTLED until tomorrow) the 501st message of the day to one
person, and refuses (FAILED, code "duplicate") the same content twice a day to one person. Token errors (40014,
42001, 41001, or 88 naming one of them) → a new token and one more try at once; 143103 / 143104 (the application's
or the company's messages per minute) and 90018 → THROTTLED with back-off; the rest → FAILED with the platform's
errcode and errmsg, after what the commonest codes mean in Chinese (REASONS, as wecom.py does for 企业微信).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from tasks.notifications.platforms import limits, tokens
from tasks.notifications.platforms.base import FAILED, NETWORK, NO_ANSWER, SENT, THROTTLED, Delivery, Platform
from tasks.notifications.platforms.transport import NetworkError, PlatformError, call_json
from tasks.notifications.platforms.wecom import explained, utf8_cut

TOKEN_ERRORS = {40014, 42001, 41001}
OVER_FREQUENCY = {143103, 143104, 90018, 90002}
DAILY_LIMIT = 500
# The documented codes of forbidden_list (getsendresult): why an accepted message was never delivered.
OVER_DAILY = gettext_lazy("单应用给单人每日推送量超限（每天最多 500 条）")
SAME_CONTENT = gettext_lazy("单应用给单人推送重复消息超限（同一内容每天只能发送一次）")
FORBIDDEN_REASONS = {"143105": OVER_DAILY, "143106": SAME_CONTENT, "143205": OVER_DAILY, "143206": SAME_CONTENT}

# What the staff who read 消息发送 and the sender's card can do about the commonest refusals (钉钉's documented global
# error codes; the platform's own errmsg follows in brackets, as for 企业微信: wecom.REASONS). 88 wraps another code,
# its sub_code: that code's reason when it is one of these (reasoned()).
UNKNOWN_USER = gettext_lazy("钉钉不认识此用户账号（userid）：已离开组织，或账号填写有误")
TOKEN_REFUSED = gettext_lazy("钉钉不接受本应用的访问凭证（access_token），重新获取后仍被拒绝：请系统管理员核对 DINGTALK_APP_KEY 与 DINGTALK_APP_SECRET")
REASONS = {
    "-1": gettext_lazy("钉钉系统繁忙，稍后自动重试"),
    "88": gettext_lazy("钉钉鉴权失败：访问凭证（access_token）无效，或本应用没有调用此接口的权限"),
    "33012": UNKNOWN_USER,  # 无效的USERID
    "60121": UNKNOWN_USER,  # 找不到该用户
    "40003": gettext_lazy("钉钉用户账号（userid）不合法：请核对此人填写的钉钉账号"),
    "50002": gettext_lazy("此用户不在钉钉应用的可使用范围内：请系统管理员在钉钉开发者后台调整本应用的可使用范围"),
    "60011": gettext_lazy("钉钉应用没有调用此接口的权限：请系统管理员在钉钉开发者后台为本应用开通相应权限"),
    "60020": gettext_lazy("本服务器的地址不在钉钉应用的 IP 白名单中：请系统管理员在钉钉开发者后台为本应用添加本服务器的出口 IP"),
    "40089": gettext_lazy("钉钉应用的 AppKey 或 AppSecret 不正确（DINGTALK_APP_KEY、DINGTALK_APP_SECRET）"),
    "40056": gettext_lazy("钉钉应用 AgentId 不正确（DINGTALK_AGENT_ID）"),
    "40014": TOKEN_REFUSED,  # 不合法的access_token
    "42001": TOKEN_REFUSED,  # access_token超时
    "41001": TOKEN_REFUSED,  # 缺少access_token参数
    **{str(code): gettext_lazy("钉钉答复调用过于频繁，稍后自动重试") for code in OVER_FREQUENCY},
}


def reasoned(code: str, errmsg: str, sub_code: object = None) -> str:
    """钉钉's errmsg after what `code` means in Chinese (REASONS); for 88, what its `sub_code` means when known."""
    if code == "88" and str(sub_code or "") in REASONS:
        code = str(sub_code)
    return explained(code, errmsg, REASONS)


def _token_error(answer: dict[str, Any]) -> bool:
    errcode = answer.get("errcode")
    if errcode in TOKEN_ERRORS:
        return True
    # The gateway's "88" wraps the real code: {"errcode": 88, "sub_code": "40014", ...}
    detail = f"{answer.get('sub_code', '')} {answer.get('errmsg', '')}"
    return errcode == 88 and any(str(code) in detail for code in TOKEN_ERRORS)


class DingTalkPlatform(Platform):
    """钉钉: DINGTALK_APP_KEY, DINGTALK_APP_SECRET, DINGTALK_AGENT_ID, DINGTALK_API_BASE."""

    channel = "dingtalk"

    @classmethod
    def configured(cls) -> bool:
        return bool(settings.DINGTALK_APP_KEY and settings.DINGTALK_APP_SECRET and str(settings.DINGTALK_AGENT_ID).isdigit())

    def __init__(self) -> None:
        self.base = settings.DINGTALK_API_BASE.rstrip("/")
        self.app_key = settings.DINGTALK_APP_KEY
        self.app_secret = settings.DINGTALK_APP_SECRET
        self.agent_id = int(settings.DINGTALK_AGENT_ID)
        self.app = f"dingtalk:{self.app_key}:{self.agent_id}"

    def _fetch_token(self) -> tuple[str, int]:
        answer = call_json("GET", f"{self.base}/gettoken", params={"appkey": self.app_key, "appsecret": self.app_secret})
        if answer.get("errcode", 0) != 0 or not answer.get("access_token"):
            raise PlatformError(str(answer.get("errcode", "")), str(answer.get("errmsg", "")))
        return str(answer["access_token"]), int(answer.get("expires_in") or 7200)

    def _call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POSTs with the cached token; on a token error, once more with a new token."""
        return tokens.post_with_token(self.app, self._fetch_token, f"{self.base}{path}", payload, _token_error)

    def payload(self, *, to: str, title: str, body: str, url: str) -> dict[str, Any]:
        title = utf8_cut(title, 128) or gettext("通知")
        if url.startswith(("http://", "https://")):
            msg: dict[str, Any] = {
                "msgtype": "action_card",
                "action_card": {"title": title, "markdown": f"### {title}\n\n{body}", "single_title": gettext("查看详情"), "single_url": url},
            }
        else:
            msg = {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n\n{body}"}}
        return {"agent_id": self.agent_id, "userid_list": to, "msg": msg}

    def send(
        self, *, to: str, title: str, body: str, url: str, key: str, params: Mapping[str, str] | None = None
    ) -> Delivery:
        subject = f"{self.app}:{to}"
        marker, marker_timeout = limits.content_key(subject, title, body, url)
        if not cache.add(marker, key, marker_timeout):
            holder = cache.get(marker)
            if holder is None:  # nothing kept and nothing added: the cache is unavailable, nothing can be counted
                return Delivery(THROTTLED, code="uncountable", message=gettext("暂时无法核对今天是否已发送相同内容（缓存不可用），稍后重试"),
                                retry_after=limits.UNCOUNTABLE_RETRY_SECONDS)
            if holder != key:
                return Delivery(FAILED, code="duplicate", message=gettext("同一内容今天已发给此人：钉钉每天只投递一次相同内容"))
        waiting = limits.paused(self.app)
        now = timezone.now()
        retry_after = waiting or limits.daily_take(subject, DAILY_LIMIT, now=now)
        if retry_after:
            cache.delete(marker)
            if waiting:
                return Delivery(THROTTLED, code="paused", message=gettext("钉钉刚答复调用过于频繁，本应用暂停发送"), retry_after=waiting)
            return Delivery(THROTTLED, code="member_limit", message=gettext("已达到钉钉对同一人每天 500 条工作通知的上限"), retry_after=retry_after)
        delivery = self._send(self.payload(to=to, title=title, body=body, url=url))
        if delivery.outcome != SENT and delivery.code != NO_ANSWER:
            cache.delete(marker)  # not sent: the same content may go later, and it does not count for the day
            limits.daily_give_back(subject, now=now)
        return delivery

    def _send(self, payload: dict[str, Any]) -> Delivery:
        try:
            answer = self._call("/topapi/message/corpconversation/asyncsend_v2", payload)
        except NetworkError as error:
            return Delivery(FAILED, code=NO_ANSWER if error.maybe_delivered else NETWORK, message=str(error))
        except PlatformError as error:  # from gettoken: nothing was sent
            if error.code in {str(code) for code in OVER_FREQUENCY}:
                return self._over_frequency(error.code, error.message)
            return Delivery(FAILED, code=error.code, message=reasoned(error.code, error.message))
        errcode = answer.get("errcode", 0)
        if errcode == 0:
            return Delivery(SENT, reference=str(answer.get("task_id", "")))
        if errcode in OVER_FREQUENCY:
            return self._over_frequency(str(errcode), str(answer.get("errmsg", "")))
        return Delivery(FAILED, code=str(errcode), message=reasoned(str(errcode), str(answer.get("errmsg", "")), answer.get("sub_code")))

    def _over_frequency(self, code: str, message: str) -> Delivery:
        """Over frequency: every process waits (limits.pause), the wait doubling with each such answer within an hour."""
        wait = limits.backoff(self.app)
        limits.pause(self.app, wait)
        return Delivery(THROTTLED, code=code, message=reasoned(code, message), retry_after=wait)

    def confirm(self, *, reference: str, to: str) -> Delivery | None:
        """What became of task `reference` for `to`: FAILED when the platform filtered or failed it, SENT when it
        was delivered (read or unread), None while the platform does not say yet (or could not be asked)."""
        try:
            answer = self._call("/topapi/message/corpconversation/getsendresult", {"agent_id": self.agent_id, "task_id": int(reference)})
        except (NetworkError, PlatformError, ValueError):
            return None
        if answer.get("errcode", 0) != 0:
            return None
        result = answer.get("send_result") or {}
        for forbidden in result.get("forbidden_list") or []:
            if str(forbidden.get("userid", "")) == to:
                code = str(forbidden.get("code", ""))
                reason = str(FORBIDDEN_REASONS.get(code, ""))
                return Delivery(FAILED, code=code, message=reason or gettext("钉钉未投递（流控）"), reference=reference)
        if to in (result.get("forbidden_user_id_list") or []):
            return Delivery(FAILED, code="forbidden", message=gettext("钉钉因发送过于频繁或重复而未投递（流控）"), reference=reference)
        if to in (result.get("failed_user_id_list") or []):
            return Delivery(FAILED, code="failed", message=gettext("钉钉投递失败"), reference=reference)
        if to in (result.get("invalid_user_id_list") or []):
            return Delivery(FAILED, code="invaliduser", message=gettext("钉钉不认识此用户：%(userid)s") % {"userid": to}, reference=reference)
        if to in (result.get("read_user_id_list") or []) or to in (result.get("unread_user_id_list") or []):
            return Delivery(SENT, reference=reference)
        return None
