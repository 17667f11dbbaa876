"""Reads of the audit administrator's page. The table grows without end (every change, login and export): pages go
by key (`?before=<id>`, newest first), never by OFFSET, and the count stops at `COUNT_LIMIT`."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from auditlog.models import LogEntry
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.audit.forms import ACTION_CHOICES, ACTIONS, EVENT_CHOICES

PAGE_SIZE = 50
COUNT_LIMIT = 10_000
EXPORT_LIMIT = 100_000


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(filters: dict):
    """The entries matching the search form's cleaned data, newest first."""
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-pk")
    if filters.get("date_from"):
        entries = entries.filter(timestamp__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        entries = entries.filter(timestamp__lt=_day_start(filters["date_to"] + timedelta(days=1)))
    if filters.get("actor"):
        entries = entries.filter(actor__username__iexact=filters["actor"].strip())
    event = filters.get("event")
    if event in ACTIONS:
        entries = entries.filter(action=ACTIONS[event])
    elif event:
        entries = entries.filter(action=LogEntry.Action.ACCESS, additional_data__event=event)
    if filters.get("model"):
        entries = entries.filter(content_type_id=int(filters["model"]))
    if filters.get("object_pk"):
        entries = entries.filter(object_pk=filters["object_pk"].strip())
    if filters.get("remote_addr"):
        entries = entries.filter(remote_addr=filters["remote_addr"])
    return entries


def audit_page(entries, before: int | None) -> tuple[list[LogEntry], int | None]:
    """One page of entries older than `before` (an entry id; None: the newest), and the key of the next page."""
    if before is not None:
        entries = entries.filter(pk__lt=before)
    rows = list(entries[: PAGE_SIZE + 1])
    next_key = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return rows[:PAGE_SIZE], next_key


def bounded_count(entries) -> tuple[int, bool]:
    """How many entries match, counted up to COUNT_LIMIT: (count, whether there are more)."""
    counted = entries.order_by().values("pk")[: COUNT_LIMIT + 1].count()
    return min(counted, COUNT_LIMIT), counted > COUNT_LIMIT


EVENT_LABELS = dict(EVENT_CHOICES)
# auditlog's own action labels are English words ("create") without a Chinese catalogue
ACTION_LABELS = {ACTIONS[code]: label for code, label in ACTION_CHOICES} | {LogEntry.Action.ACCESS: _("访问")}


def event_label(entry: LogEntry) -> str:
    """What happened, in words: the event of an access entry, else auditlog's action."""
    event = (entry.additional_data or {}).get("event") if entry.action == LogEntry.Action.ACCESS else None
    if event:
        return str(EVENT_LABELS.get(event, event))
    return str(ACTION_LABELS.get(entry.action, entry.get_action_display()))
