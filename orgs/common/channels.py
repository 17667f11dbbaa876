"""通知方式: the channels an account may choose for its notices (the in-app inbox always, plus one channel that
leaves the product), and which of them this deployment offers.

The choice is stored on the account (orgs.accounts) and shown on the account pages, which stand below `tasks`; the
platforms that know whether 企业微信 or 钉钉 is configured live in tasks.notifications.platforms, so that package
registers its test here at start-up (`channel_test_register`, from TasksConfig.ready). Until then only the inbox
and e-mail are offered."""
from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """An account's channel; every one keeps the inbox (站内信)."""

    EMAIL = "email", _("站内信和电子邮件")
    INBOX = "inbox", _("仅站内信")
    WECOM = "wecom", _("站内信和企业微信")
    DINGTALK = "dingtalk", _("站内信和钉钉")


PLATFORM_CHANNELS = (Channel.WECOM, Channel.DINGTALK)


_tests: list[Callable[[str], bool]] = []


def channel_test_register(test: Callable[[str], bool]) -> None:
    """`test(channel)` says whether a platform channel ("wecom", "dingtalk", "sms") is configured."""
    _tests[:] = [test]


def channel_configured(channel: str) -> bool:
    """The inbox and e-mail always are; a platform channel when its settings are complete."""
    if channel in (Channel.INBOX, Channel.EMAIL):
        return True
    return any(test(channel) for test in _tests)


def channel_choices() -> list[tuple[str, str]]:
    """The channels offered now (a platform that is not configured is not offered), in the enum's order."""
    return [(value, str(label)) for value, label in Channel.choices if channel_configured(value)]
