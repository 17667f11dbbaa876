"""Audit retention and immutability (网络安全法 §21: network logs kept at least six months).

The audit trail (django-auditlog's `LogEntry`, with the events of `orgs.common.audit`) is written, never changed:
`receivers.py` refuses saving an existing entry and deleting any, in Python; on PostgreSQL a trigger (migration
`orgs.0015`) refuses UPDATE and DELETE in the database too. The one way out is `audit_retention_apply`, the daily
beat job's work: it deletes the entries older than `AUDIT_RETENTION_DAYS` (at least 180) inside
`audit_maintenance()`, which lifts both guards for its own transaction only."""
from __future__ import annotations

import contextlib
import contextvars
from datetime import timedelta

from auditlog.models import LogEntry
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

MINIMUM_RETENTION_DAYS = 180  # 网络安全法 §21
# The PostgreSQL session setting the trigger reads: 'on' lets this transaction change or delete entries.
MAINTENANCE_SETTING = "qiaolian.audit_maintenance"

_maintenance: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_maintenance", default=False)


class AuditImmutableError(Exception):
    """An attempt to change or delete an audit entry outside the retention job."""


def in_maintenance() -> bool:
    return _maintenance.get()


@contextlib.contextmanager
def audit_maintenance():
    """Lifts the audit guards for one transaction (the retention job; a data migration that must rewrite entries
    sets the same PostgreSQL setting itself). Opens the transaction: the database flag lasts as long as it."""
    token = _maintenance.set(True)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'on', true)", [MAINTENANCE_SETTING])
            yield
    finally:
        _maintenance.reset(token)


def retention_cutoff(now=None):
    """Entries before this moment may go."""
    days = max(int(settings.AUDIT_RETENTION_DAYS), MINIMUM_RETENTION_DAYS)
    return (now or timezone.now()) - timedelta(days=days)


def audit_retention_apply(now=None) -> int:
    """Deletes the audit entries older than the retention period; returns how many. One DELETE statement (no
    per-row signals: the guards are lifted for this transaction only)."""
    old = LogEntry.objects.filter(timestamp__lt=retention_cutoff(now))
    with audit_maintenance():
        return old._raw_delete(old.db)
