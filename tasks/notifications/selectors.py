"""Reads of notifications: the unread count in the header; the delivery state of the outbox (消息发送, the system
administrator's page) and of the notices one object caused (its page: "通知：企业微信 已送达 3、转站内信 1 …")."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from tasks.notifications.models import Notification, OutboxChannel, OutboxMessage, OutboxStatus

PAGE_SIZE = 50
# the statuses in which a message did not reach its channel (the inbox holds it): their codes are shown
PROBLEM_STATUSES = (OutboxStatus.FAILED, OutboxStatus.FALLBACK, OutboxStatus.UNKNOWN)


def unread_count(user) -> int:
    return Notification.objects.for_user(user).unread().count()


def outbox_listed(*, channel: str = "", status: str = "", source: str = "") -> QuerySet[OutboxMessage]:
    """Outbox rows of a channel and a status (empty: all), newest first, with their recipients."""
    rows = OutboxMessage.objects.select_related("recipient").order_by("-pk")
    if channel:
        rows = rows.filter(channel=channel)
    if status:
        rows = rows.filter(status=status)
    if source:
        rows = rows.filter(source=source)
    return rows


def outbox_page(rows: QuerySet[OutboxMessage], before: int | None) -> tuple[list[OutboxMessage], int | None]:
    """One page of rows older than `before` (a row id; None: the newest) and the key of the next page (paged by key,
    never OFFSET)."""
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows[: PAGE_SIZE + 1])
    next_key = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    return page[:PAGE_SIZE], next_key


def outbox_counts() -> dict[str, dict[str, int]]:
    """channel → status → how many rows (every channel and status, 0 included): one grouped query."""
    counted = OutboxMessage.objects.order_by().values_list("channel", "status").annotate(n=Count("pk"))
    table = {channel: dict.fromkeys(OutboxStatus.values, 0) for channel in OutboxChannel.values}
    for channel, status, n in counted:
        table.setdefault(channel, dict.fromkeys(OutboxStatus.values, 0))[status] = n
    return table


@dataclass
class ChannelDelivery:
    """What became of the notices of one object on one channel."""

    channel: str
    label: str
    counts: list[tuple[str, str, int]] = field(default_factory=list)  # (status, label, n), in the statuses' order
    problems: list[tuple[str, str, int]] = field(default_factory=list)  # (error code, message, n)


def deliveries_of(sources: Iterable[str]) -> list[ChannelDelivery]:
    """The delivery state of the notices caused by these objects ("task:12", "plan:3"): per channel, the count per
    status and the platforms' error codes with their messages; two grouped queries."""
    sources = list(sources)
    rows = (OutboxMessage.objects.filter(source__in=sources).order_by()
            .values_list("channel", "status").annotate(n=Count("pk")))
    by_channel: dict[str, dict[str, int]] = {}
    for channel, status, n in rows:
        by_channel.setdefault(channel, {})[status] = n
    if not by_channel:
        return []
    problems: dict[str, list[tuple[str, str, int]]] = {}
    for channel, code, message, n in (
        OutboxMessage.objects.filter(source__in=sources, status__in=PROBLEM_STATUSES).order_by()
        .values_list("channel", "error_code", "last_error").annotate(n=Count("pk")).order_by("-n")[:20]
    ):
        problems.setdefault(channel, []).append((code, message, n))
    labels = dict(OutboxStatus.choices)
    return [
        ChannelDelivery(channel, str(OutboxChannel(channel).label),
                        [(status, str(labels[status]), by_channel[channel][status]) for status in OutboxStatus.values
                         if by_channel[channel].get(status)],
                        problems.get(channel, []))
        for channel in OutboxChannel.values if channel in by_channel
    ]
