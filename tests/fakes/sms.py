"""A fake SMS provider endpoint, for the official SDKs pointed at it (SMS_ENDPOINT=http://127.0.0.1:<port>):

- 阿里云 (RPC style, signature V3): `POST /` with header x-acs-action: SendSms (or Action=SendSms) and the
  parameters in the query (or form), answered
  {"Code": "OK", "BizId", "RequestId", "Message"} or an error Code with HTTP 200, as the service does;
- 腾讯云 (API 3.0): `POST /` with header X-TC-Action: SendSms and a JSON body, answered
  {"Response": {"SendStatusSet": [{"SerialNo", "PhoneNumber", "Code": "Ok", "Message", …}], "RequestId"}}.
"""
from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from typing import Any

from tests.fakes.server import Request


class FakeSms:
    """State and switches (thread-safe):

    - `messages`: every SendSms received, as {"provider", "phone", "sign", "template", "params", "key"}
    - `fail_next(code, message, times=1)`: the next SendSms answers with that provider code, e.g.
      "isv.MOBILE_NUMBER_ILLEGAL" (阿里云) or "FailedOperation.PhoneNumberInBlacklist" (腾讯云), or a frequency code
      ("isv.BUSINESS_LIMIT_CONTROL", "LimitExceeded.PhoneNumberDailyLimit")
    - `fail_auth = True`: 腾讯云 answers an API-level error (Response.Error: AuthFailure.SecretIdNotFound)
    """

    content_type = "application/json"  # exactly, as the providers send it: 腾讯云's SDK reads errors only then

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.serial = itertools.count(1)
        self.messages: list[dict[str, Any]] = []
        self.failures: deque[tuple[str, str]] = deque()
        self.fail_auth = False

    def fail_next(self, code: str, message: str = "fake refusal", times: int = 1) -> None:
        with self.lock:
            self.failures.extend([(code, message)] * times)

    def handle(self, request: Request) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if "x-tc-action" in request.headers:
                return 200, self._tencent(request)
            params = {**request.query, **request.form}
            if "SendSms" in (params.get("Action"), request.headers.get("x-acs-action")):
                return 200, self._aliyun(params)
        return 404, {"Code": "NotFound", "Message": f"no such action at {request.path}"}

    def _aliyun(self, params: dict[str, str]) -> dict[str, Any]:
        request_id = f"fake-request-{next(self.serial)}"
        if self.failures:
            code, message = self.failures.popleft()
            return {"Code": code, "Message": message, "RequestId": request_id}
        self.messages.append({
            "provider": "aliyun", "phone": params.get("PhoneNumbers", ""), "sign": params.get("SignName", ""),
            "template": params.get("TemplateCode", ""), "params": json.loads(params.get("TemplateParam") or "{}"),
            "key": params.get("OutId", ""),
        })
        return {"Code": "OK", "Message": "OK", "BizId": f"biz-{next(self.serial)}^0", "RequestId": request_id}

    def _tencent(self, request: Request) -> dict[str, Any]:
        request_id = f"fake-request-{next(self.serial)}"
        if self.fail_auth:
            return {"Response": {"Error": {"Code": "AuthFailure.SecretIdNotFound", "Message": "The SecretId is not found"}, "RequestId": request_id}}
        body = request.json()
        phone = (body.get("PhoneNumberSet") or [""])[0]
        if self.failures:
            code, message = self.failures.popleft()
            status = {"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": body.get("SessionContext", ""), "Code": code, "Message": message, "IsoCode": "CN"}
        else:
            self.messages.append({
                "provider": "tencent", "phone": phone, "sign": body.get("SignName", ""), "template": body.get("TemplateId", ""),
                "params": body.get("TemplateParamSet") or [], "key": body.get("SessionContext", ""), "app": body.get("SmsSdkAppId", ""),
            })
            status = {"SerialNo": f"2640:{next(self.serial)}", "PhoneNumber": phone, "Fee": 1, "SessionContext": body.get("SessionContext", ""), "Code": "Ok", "Message": "send success", "IsoCode": "CN"}
        return {"Response": {"SendStatusSet": [status], "RequestId": request_id}}
