"""Writes of the audit administrator's page: the export, which is itself an audit entry (who exported which search,
how many rows) written before the file is sent."""
from __future__ import annotations

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from orgs.access.scoping import user_scope
from orgs.common.audit import AuditEvent, audit_event


def require_audit_admin(user) -> None:
    """The audit log is the audit administrator's alone (三员分立): 403 for everyone else, administrators included."""
    if not user_scope(user).is_audit_admin:
        raise PermissionDenied(_("只有审计管理员可以查看审计日志"))


def audit_export_record(*, user, filters: dict, count: int, file_format: str, request=None) -> LogEntry:
    require_audit_admin(user)
    described = {key: str(value) for key, value in filters.items() if value not in (None, "")}
    return audit_event(
        event=AuditEvent.EXPORT, model=LogEntry, actor=user, request=request,
        description=_("导出审计日志 %(count)d 条（%(format)s）") % {"count": count, "format": file_format},
        data={"count": count, "format": file_format, "filters": described},
    )
