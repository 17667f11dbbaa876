"""The interface every messaging platform implements.

`platform_for(channel)` gives the configured platform of a channel ("wecom", "dingtalk", "sms") or None when the
channel is not configured (then it is not offered). A platform sends one message to one person and returns a
`Delivery`; it never raises for a refusal by the platform (only for programming errors), so the outbox can record
the platform's own error code and message and fall back to the inbox.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

SENT = "sent"            # accepted by the platform
FAILED = "failed"        # refused: `code` and `message` are the platform's own (errcode / errmsg, SMS Code / Message)
THROTTLED = "throttled"  # over a frequency limit (ours or the platform's, e.g. 45009): try again after `retry_after`
# FAILED codes of a message that did not get through the network: "network" when it never reached the platform (tried
# again later), NO_ANSWER when it went out and the answer was lost (it may have been sent: never sent again)
NETWORK = "network"
NO_ANSWER = "no_answer"


@dataclass(frozen=True)
class Delivery:
    outcome: str             # SENT, FAILED or THROTTLED
    code: str = ""           # the platform's error code, "" when sent
    message: str = ""        # the platform's error message (never holds a phone number in clear)
    reference: str = ""      # the platform's id of the message (msgid, task_id, BizId / SerialNo)
    retry_after: int = 0     # seconds, when THROTTLED


class Platform(ABC):
    channel: ClassVar[str]

    @classmethod
    @abstractmethod
    def configured(cls) -> bool:
        """True when the settings name everything this platform needs."""

    @abstractmethod
    def send(
        self, *, to: str, title: str, body: str, url: str, key: str, params: Mapping[str, str] | None = None
    ) -> Delivery:
        """Sends one message. `to` is the platform's user id (企业微信 / 钉钉) or the mobile number (SMS); `key` is the
        outbox message's idempotency key (platforms that accept one get it). `params` are the values of an SMS
        template's parameters (sms.py names them: `count`, `region`); the other platforms ignore them."""

    def confirm(self, *, reference: str, to: str) -> Delivery | None:
        """What became of an accepted message, where the platform can say (钉钉's getsendresult reports messages it
        accepted and will not deliver); None when the platform cannot tell."""
        return None
