"""Messaging platforms outside the product: 企业微信 (WeCom), 钉钉 (DingTalk) and SMS (阿里云 or 腾讯云).

The outbox (tasks.notifications.services) decides what goes to whom and records each message's state; a platform
only delivers one message and says what became of it (`Delivery`). See base.py for the interface.

    platform = platform_for("wecom")          # None when WECOM_* is not set: the channel is not offered
    delivery = platform.send(to=userid, title=..., body=..., url=..., key=outbox_key)
    delivery.outcome in (SENT, FAILED, THROTTLED)

`configured_channels()` lists the configured channels in the order CHANNELS gives them. A platform object is cheap:
its HTTP connections (one pooled session per process, transport.py), its access token (Django's cache, shared by
all processes, tokens.py) and its per-member counters (Django's cache, limits.py) live outside it.
"""
from __future__ import annotations

from tasks.notifications.platforms.base import FAILED, SENT, THROTTLED, Delivery, Platform
from tasks.notifications.platforms.dingtalk import DingTalkPlatform
from tasks.notifications.platforms.sms import SmsPlatform
from tasks.notifications.platforms.wecom import WeComPlatform

PLATFORMS: dict[str, type[Platform]] = {
    WeComPlatform.channel: WeComPlatform,       # "wecom"
    DingTalkPlatform.channel: DingTalkPlatform,  # "dingtalk"
    SmsPlatform.channel: SmsPlatform,           # "sms"
}
CHANNELS = tuple(PLATFORMS)


def platform_for(channel: str) -> Platform | None:
    """The platform of `channel` ("wecom", "dingtalk", "sms") built from the current settings, or None when the
    channel is unknown (e.g. "email", "inbox": not a platform of this package) or not configured."""
    platform = PLATFORMS.get(channel)
    if platform is None or not platform.configured():
        return None
    return platform()


def configured_channels() -> list[str]:
    """The platform channels whose settings are complete, e.g. ["wecom", "sms"]."""
    return [channel for channel, platform in PLATFORMS.items() if platform.configured()]


__all__ = [
    "CHANNELS",
    "FAILED",
    "PLATFORMS",
    "SENT",
    "THROTTLED",
    "Delivery",
    "DingTalkPlatform",
    "Platform",
    "SmsPlatform",
    "WeComPlatform",
    "configured_channels",
    "platform_for",
]
