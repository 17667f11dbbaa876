"""SMS through the official SDKs: 阿里云 短信服务 (alibabacloud_dysmsapi20170525, SendSms) or 腾讯云 短信
(tencentcloud-sdk-python-sms, SendSms 2021-01-11), chosen by SMS_PROVIDER ("aliyun" / "tencent").

SMS is only for escalations of overdue work. A provider sends only a template registered and approved beforehand
(SMS_TEMPLATE_CODE under the signature SMS_SIGN_NAME); our template has two parameters, in this order (腾讯云's
parameters are positional, 阿里云's named):

    count   the number of overdue items, e.g. "3"
    region  the region they belong to, e.g. "通海县"

SMS_ESCALATION_TEXT holds the template's text as registered, e.g. "您有${count}项逾期工作未完成（${region}），请尽快
登录侨联组织建设管理系统处理。", so that what a person received can be shown (`sms_text`). The caller passes the
values: `send(to=mobile, title=..., body=..., url=..., key=..., params={"count": "3", "region": "通海县"})`; a
parameter missing is a FAILED delivery with code "template_params".

The mobile number is never logged or returned in clear: messages name it masked (139****5678). Messages say what
happened in Chinese first (they are shown on 消息发送 and the sender's card), then the provider's or SDK's text.

A failure while the SDK's client and request are made (before anything is sent: the SDK missing, a setting it
refuses) is NETWORK, tried again later like a connection refused; what the call itself raises, the SDK's own
exceptions aside, goes to the outbox relay, which cannot know whether the SMS went out (never sent again).
"""
from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Callable, Mapping
from string import Template
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext

from orgs.common.identifiers import mask_phone, masked_numbers
from tasks.notifications.platforms.base import FAILED, NETWORK, NO_ANSWER, SENT, THROTTLED, Delivery, Platform
from tasks.notifications.platforms.transport import CONNECT_TIMEOUT, READ_TIMEOUT

logger = logging.getLogger(__name__)

PROVIDERS = ("aliyun", "tencent")
TEMPLATE_PARAMS = ("count", "region")
ALIYUN_ENDPOINT = "dysmsapi.aliyuncs.com"
TENCENT_ENDPOINT = "sms.tencentcloudapi.com"
# Providers' own frequency refusals: seconds to wait before the same number may be sent to again.
THROTTLE_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL": 3600,
    "isv.DAY_LIMIT_CONTROL": 24 * 3600,
    "Throttling.User": 60,
    "LimitExceeded.PhoneNumberThirtySecondLimit": 30,
    "LimitExceeded.PhoneNumberOneHourLimit": 3600,
    "LimitExceeded.PhoneNumberDailyLimit": 24 * 3600,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": 24 * 3600,
    "LimitExceeded.DailyLimit": 24 * 3600,
    "RequestLimitExceeded": 60,
}
# What the SDKs say when no connection was made (the request never went out): tried again later. Any other network
# failure (a read timeout, a reset) may come after the provider sent the SMS: never sent again.
_NEVER_CONNECTED = re.compile(
    r"connection refused|failed to establish a new connection|connecttimeout|connect timeout|timed out while connecting|"
    r"name or service not known|temporary failure in name resolution|no route to host|nodename nor servname", re.I)


def _network_failure(message: str) -> Delivery:
    detail = {"detail": message[:500]}
    if _NEVER_CONNECTED.search(message):
        return Delivery(FAILED, code=NETWORK, message=gettext("连接短信服务失败（网络错误）：%(detail)s") % detail)
    return Delivery(FAILED, code=NO_ANSWER, message=gettext("短信服务未应答（网络错误）：%(detail)s") % detail)


def sms_text(params: Mapping[str, str]) -> str:
    """The escalation text as the person read it: SMS_ESCALATION_TEXT with its ${name} parameters filled in."""
    return Template(settings.SMS_ESCALATION_TEXT).safe_substitute(params)


def _masked(text: str, phone: str) -> str:
    """`text` with `phone`, and anything else that looks like a phone or document number, masked."""
    if phone:
        text = text.replace(phone, mask_phone(phone))
    return masked_numbers(text)


def _endpoint() -> tuple[str, str] | None:
    """SMS_ENDPOINT split into (scheme, host[:port]), or None for the provider's own endpoint over HTTPS."""
    if not settings.SMS_ENDPOINT:
        return None
    parts = urlsplit(settings.SMS_ENDPOINT if "://" in settings.SMS_ENDPOINT else f"https://{settings.SMS_ENDPOINT}")
    return parts.scheme, parts.netloc


class SmsPlatform(Platform):
    """SMS: SMS_PROVIDER, SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET, SMS_SIGN_NAME, SMS_TEMPLATE_CODE,
    SMS_SDK_APP_ID (腾讯云), SMS_REGION (腾讯云), SMS_ENDPOINT, SMS_ESCALATION_TEXT."""

    channel = "sms"

    @classmethod
    def configured(cls) -> bool:
        common = (settings.SMS_ACCESS_KEY_ID and settings.SMS_ACCESS_KEY_SECRET and settings.SMS_SIGN_NAME and settings.SMS_TEMPLATE_CODE)
        if settings.SMS_PROVIDER == "aliyun":
            return bool(common)
        if settings.SMS_PROVIDER == "tencent":
            return bool(common and settings.SMS_SDK_APP_ID)
        return False

    def send(
        self, *, to: str, title: str, body: str, url: str, key: str, params: Mapping[str, str] | None = None
    ) -> Delivery:
        params = params or {}
        missing = [name for name in TEMPLATE_PARAMS if not str(params.get(name, "")).strip()]
        if missing:
            return Delivery(FAILED, code="template_params", message=gettext("短信模板缺少参数：%(names)s") % {"names": ", ".join(missing)})
        values = [str(params[name]) for name in TEMPLATE_PARAMS]
        build = self._aliyun if settings.SMS_PROVIDER == "aliyun" else self._tencent
        try:
            call = build(to, values, key)
        except Exception as error:  # nothing was sent: tried again later (NETWORK), as when no connection was made
            logger.error("sms: the request could not be made, nothing was sent\n%s", _masked("".join(traceback.format_exception(error)), to))
            detail = _masked(f"{type(error).__name__}: {error}", to)[:500]
            return Delivery(FAILED, code=NETWORK, message=gettext("短信请求未能生成，未发出：%(detail)s") % {"detail": detail})
        return call()

    def _aliyun(self, to: str, values: list[str], key: str) -> Callable[[], Delivery]:
        """The SendSms call of 阿里云, made ready (the SDK's client and request) but not made."""
        # The SDKs are imported when first used: importing 阿里云's takes about a second, which no process that
        # never sends an SMS (web, tests) should pay.
        from alibabacloud_dysmsapi20170525 import models as aliyun_models
        from alibabacloud_dysmsapi20170525.client import Client as AliyunClient
        from alibabacloud_tea_openapi import utils_models as aliyun_openapi
        from darabonba.runtime import RuntimeOptions

        endpoint = _endpoint()
        config = aliyun_openapi.Config(
            access_key_id=settings.SMS_ACCESS_KEY_ID,
            access_key_secret=settings.SMS_ACCESS_KEY_SECRET,
            endpoint=endpoint[1] if endpoint else ALIYUN_ENDPOINT,
            protocol=endpoint[0] if endpoint else "https",
        )
        request = aliyun_models.SendSmsRequest(
            phone_numbers=to,
            sign_name=settings.SMS_SIGN_NAME,
            template_code=settings.SMS_TEMPLATE_CODE,
            template_param=json.dumps(dict(zip(TEMPLATE_PARAMS, values)), ensure_ascii=False),
            out_id=key[:64],
        )
        runtime = RuntimeOptions(connect_timeout=int(CONNECT_TIMEOUT * 1000), read_timeout=int(READ_TIMEOUT * 1000), autoretry=False, max_attempts=0)
        client = AliyunClient(config)

        def call() -> Delivery:
            try:
                response = client.send_sms_with_options(request, runtime)
            except Exception as error:  # the SDK's exceptions carry the provider's code; anything else is the network
                code = str(getattr(error, "code", "") or "")
                message = _masked(str(getattr(error, "message", "") or error), to)
                return self._refused(code, message) if code else _network_failure(message)
            answer = response.body
            if answer.code == "OK":
                return Delivery(SENT, reference=str(answer.biz_id or ""))
            return self._refused(str(answer.code or ""), _masked(str(answer.message or ""), to))

        return call

    def _tencent(self, to: str, values: list[str], key: str) -> Callable[[], Delivery]:
        """The SendSms call of 腾讯云, made ready (the SDK's client and request) but not made."""
        from tencentcloud.common import credential as tencent_credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import models as tencent_models
        from tencentcloud.sms.v20210111.sms_client import SmsClient as TencentClient

        endpoint = _endpoint()
        http = HttpProfile(
            endpoint=endpoint[1] if endpoint else TENCENT_ENDPOINT,
            protocol=endpoint[0] if endpoint else "https",
            reqTimeout=int(CONNECT_TIMEOUT + READ_TIMEOUT),
        )
        client = TencentClient(
            tencent_credential.Credential(settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET),
            settings.SMS_REGION,
            ClientProfile(httpProfile=http),
        )
        request = tencent_models.SendSmsRequest()
        number = to if to.startswith("+") else f"+86{to}"
        request.PhoneNumberSet = [number]
        request.SmsSdkAppId = settings.SMS_SDK_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = settings.SMS_TEMPLATE_CODE
        request.TemplateParamSet = values
        request.SessionContext = key[:512]

        def call() -> Delivery:
            try:
                response = client.SendSms(request)
            except TencentCloudSDKException as error:
                code = str(error.code or "")
                message = _masked(str(error.message or ""), number)
                if code in ("ClientNetworkError", "ClientError", "ServerNetworkError") or not code:
                    return _network_failure(message)
                return self._refused(code, message)
            statuses = response.SendStatusSet or []
            if not statuses:
                return Delivery(FAILED, code="no_status", message=gettext("短信服务未返回发送状态"))
            status = statuses[0]
            if str(status.Code) == "Ok":
                return Delivery(SENT, reference=str(status.SerialNo or ""))
            return self._refused(str(status.Code or ""), _masked(str(status.Message or ""), number))

        return call

    @staticmethod
    def _refused(code: str, message: str) -> Delivery:
        detail = {"detail": message or code}  # the provider's own text (腾讯云's in English)
        if code in THROTTLE_CODES:
            return Delivery(THROTTLED, code=code, message=gettext("短信服务商限制发送频率，稍后自动重试：%(detail)s") % detail,
                            retry_after=THROTTLE_CODES[code])
        return Delivery(FAILED, code=code, message=gettext("短信服务商拒绝发送：%(detail)s") % detail)
