"""Notifications: inbox rows for everyone, e-mail through the outbox for those who chose e-mail.

Messages that leave the process are never sent from the request: they are written as `OutboxMessage` rows in
the same transaction as the change that causes them, and `outbox_relay` (the `tasks.relay_outbox` job, also
kicked on commit) sends each one once. When the broker is down the kick fails quietly and the row waits.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orgs.common.dispatch import job_kick
from tasks.notifications.models import (
    Channel,
    Notification,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
)

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    wants_email: bool


def recipients_get(user_ids: Iterable[int]) -> dict[int, Recipient]:
    """Active users with their e-mail and channel choice, in one query (no preference row = e-mail)."""
    rows = get_user_model().objects.filter(pk__in=set(user_ids), is_active=True).values_list(
        "pk", "email", "notification_preference__channel"
    )
    return {
        pk: Recipient(pk, email or "", bool(email) and (channel or Channel.EMAIL) == Channel.EMAIL)
        for pk, email, channel in rows
    }


def outbox_kick() -> None:
    """Asks a worker to relay the outbox; a broker that is down only delays delivery (the beat retries)."""
    job_kick("tasks.relay_outbox", on_broker_error=lambda error: logger.warning(
        "outbox relay not queued (%s); messages wait in the outbox", error))


def notifications_send(*, user_ids: Iterable[int], title: str, body: str, url: str = "", key: str) -> int:
    """Inbox message for each user, e-mail (outbox) for those who chose it. `key` makes the e-mail unique
    per user: sending the same key twice e-mails nobody twice. Returns the number of inbox rows."""
    recipients = recipients_get(user_ids)
    now = timezone.now()
    with transaction.atomic():
        Notification.objects.bulk_create(
            [Notification(user_id=r.user_id, title=title, body=body, url=url, created_at=now) for r in recipients.values()]
        )
        outbox = [
            OutboxMessage(key=f"{key}:u{r.user_id}"[:80], recipient_id=r.user_id, to_address=r.email, subject=title,
                          body=_email_body(body, url), created_at=now)
            for r in recipients.values() if r.wants_email
        ]
        if outbox:
            OutboxMessage.objects.bulk_create(outbox, ignore_conflicts=True)
            transaction.on_commit(outbox_kick)
    return len(recipients)


def _email_body(body: str, url: str) -> str:
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{body}\n\n{site}{url}" if url else body


def outbox_relay(*, batch: int = 500) -> int:
    """Sends pending outbox e-mails, each once: rows are locked (skip_locked) so two relays never take the
    same row, and marked sent in the same transaction. Returns the number sent."""
    sent, after = 0, 0
    while True:
        with transaction.atomic():
            # `pk > after`: a row that failed in this run waits for the next relay instead of using up its
            # attempts within seconds while the rest of the outbox goes out.
            rows = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(status=OutboxStatus.PENDING, pk__gt=after)
                .order_by("pk")[:batch]
            )
            if not rows:
                return sent
            after = rows[-1].pk
            connection = get_connection()
            connection.open()
            now = timezone.now()
            sent_ids, failed = [], []
            try:
                for row in rows:
                    try:
                        EmailMessage(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.to_address],
                                     connection=connection).send()
                    except Exception as error:
                        row.attempts += 1
                        row.last_error = str(error)[:2000]
                        if row.attempts >= MAX_ATTEMPTS:
                            row.status = OutboxStatus.FAILED
                        failed.append(row)
                    else:
                        sent_ids.append(row.pk)
            finally:
                connection.close()
            OutboxMessage.objects.filter(pk__in=sent_ids).update(
                status=OutboxStatus.SENT, sent_at=now, last_error="", attempts=F("attempts") + 1)
            if failed:
                OutboxMessage.objects.bulk_update(failed, ["status", "attempts", "last_error"])
            sent += len(sent_ids)
            if not sent_ids:
                return sent  # the mail server refuses everything: stop, the next relay tries again


@transaction.atomic
def notification_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Marks the user's own notifications (all unread when no ids) as read."""
    qs = Notification.objects.for_user(user).unread()
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


@transaction.atomic
def notification_preference_set(*, user, channel: str) -> NotificationPreference:
    """Stores the user's channel: e-mail and inbox, or inbox only."""
    if channel not in Channel.values:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError({"channel": _("未知通知方式：%(v)s") % {"v": channel}})
    preference, _created = NotificationPreference.objects.update_or_create(user=user, defaults={"channel": channel})
    return preference
