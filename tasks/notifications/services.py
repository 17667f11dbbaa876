"""Notifications: inbox rows for everyone, and one outbound message through each person's chosen channel (e-mail,
企业微信 or 钉钉) for those whose channel leaves the product.

Messages that leave the process are never sent from the request: they are written as `OutboxMessage` rows in
the same transaction as the change that causes them, and `outbox_relay` (tasks.notifications.relay; the
`tasks.relay_outbox` job, also kicked on commit) sends each one once. When the broker is down the kick fails
quietly and the row waits.

Which channel a person is reached by (`recipients_get`): the account's `notify_channel`; 企业微信 or 钉钉 only when
that platform is configured and the account has its user id there, otherwise e-mail when the account has an address
(the default of every account, as before channels existed), otherwise the inbox alone. Immediate notices (task
assignments, census-round steps) go out only to accounts with `notify_immediate`; digests always do.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from orgs.accounts.models import AccountProfile
from orgs.accounts.services import account_notifications_set
from orgs.common.channels import PLATFORM_CHANNELS, Channel, channel_configured
from orgs.common.dispatch import job_kick
from tasks.notifications.models import Notification, OutboxMessage
from tasks.notifications.relay import MAX_ATTEMPTS, outbox_relay

__all__ = [
    "MAX_ATTEMPTS",
    "Recipient",
    "notification_mark_read",
    "notification_preference_set",
    "notifications_send",
    "outbox_kick",
    "outbox_message",
    "outbox_relay",
    "recipients_get",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    channel: str      # the outbox channel the person is reached by: "email", "wecom", "dingtalk"; "" = the inbox only
    address: str      # the e-mail address or the platform's user id
    immediate: bool   # immediate notices go out too (digests always do)

    @property
    def wants_email(self) -> bool:
        return self.channel == Channel.EMAIL

    @property
    def outbound(self) -> bool:
        return bool(self.channel)


def _reached_by(chosen: str, email: str, platform_ids: dict[str, str], offered: set[str]) -> tuple[str, str]:
    """(channel, address) of one person (see the module docstring)."""
    if chosen == Channel.INBOX:
        return "", ""
    if chosen in PLATFORM_CHANNELS and chosen in offered and platform_ids.get(chosen):
        return chosen, platform_ids[chosen]
    return (Channel.EMAIL, email) if email else ("", "")


def recipients_get(user_ids: Iterable[int]) -> dict[int, Recipient]:
    """Active users with their channel and address, in one query (no account profile = e-mail)."""
    offered = {str(channel) for channel in PLATFORM_CHANNELS if channel_configured(channel)}
    rows = get_user_model().objects.filter(pk__in=set(user_ids), is_active=True).values_list(
        "pk", "email", "account__notify_channel", "account__notify_immediate", "account__wecom_user_id",
        "account__dingtalk_user_id",
    )
    result = {}
    for pk, email, chosen, immediate, wecom_id, dingtalk_id in rows:
        channel, address = _reached_by(chosen or Channel.EMAIL, email or "",
                                       {Channel.WECOM: wecom_id or "", Channel.DINGTALK: dingtalk_id or ""}, offered)
        result[pk] = Recipient(pk, email or "", channel, address, immediate is not False)
    return result


def outbox_kick() -> None:
    """Asks a worker to relay the outbox; a broker that is down only delays delivery (the beat retries)."""
    job_kick("tasks.relay_outbox", on_broker_error=lambda error: logger.warning(
        "outbox relay not queued (%s); messages wait in the outbox", error))


def outbox_message(recipient: Recipient, *, key: str, title: str, body: str, url: str = "", source: str = "",
                   now=None) -> OutboxMessage:
    """The outbox row of one message to one person through their channel. `key` names the content and the day
    (e.g. "digest:12:2022-12-30"); the channel is added, so the row's key is unique per (content, person, day,
    channel)."""
    email = recipient.channel == Channel.EMAIL
    return OutboxMessage(
        key=f"{key}:{recipient.channel}"[:160], channel=recipient.channel, recipient_id=recipient.user_id,
        to_address=recipient.address, subject=title[:200], body=_email_body(body, url) if email else body,
        url=url[:255], source=source[:64], created_at=now or timezone.now(),
    )


def notifications_send(*, user_ids: Iterable[int], title: str, body: str, url: str = "", key: str, source: str = "") -> int:
    """Inbox message for each user, and an outbound one (outbox) for those whose channel leaves the product and who
    take immediate notices. `key` makes the outbound message unique per user and day: sending the same key twice
    reaches nobody twice. `source` ("task:12") lets the page of the object show what became of its notices.
    Returns the number of inbox rows."""
    recipients = recipients_get(user_ids)
    now = timezone.now()
    day = timezone.localdate()
    with transaction.atomic():
        Notification.objects.bulk_create(
            [Notification(user_id=r.user_id, title=title, body=body, url=url, created_at=now) for r in recipients.values()]
        )
        outbox = [
            outbox_message(r, key=f"{key}:u{r.user_id}:{day.isoformat()}", title=title, body=body, url=url, source=source, now=now)
            for r in recipients.values() if r.outbound and r.immediate
        ]
        if outbox:
            OutboxMessage.objects.bulk_create(outbox, ignore_conflicts=True)
            transaction.on_commit(outbox_kick)
    return len(recipients)


def _email_body(body: str, url: str) -> str:
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{body}\n\n{site}{url}" if url else body


@transaction.atomic
def notification_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Marks the user's own notifications (all unread when no ids) as read."""
    qs = Notification.objects.for_user(user).unread()
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


@transaction.atomic
def notification_preference_set(*, user, channel: str, immediate: bool | None = None, request=None) -> AccountProfile:
    """Stores the user's own channel (one of those offered now, with its platform account) and, when given, whether
    immediate notices go through it too: orgs.accounts.services.account_notifications_set, audited."""
    return account_notifications_set(account=user, channel=channel, immediate=immediate, request=request)
