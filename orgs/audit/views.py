"""审计日志: the audit administrator's search (paged by key, counted up to a bound) and its CSV export (audited).
Thin: reads in `selectors`, the export's record in `services`; everyone but the audit administrator gets 403."""
from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from orgs.audit.forms import AuditSearchForm
from orgs.audit.selectors import EXPORT_LIMIT, audit_entries, audit_page, bounded_count, event_label
from orgs.audit.services import audit_export_record, require_audit_admin
from orgs.common.exports import escape_cell


def _search(request) -> tuple[AuditSearchForm, dict]:
    form = AuditSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, filters


def _key(value) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_safe
@login_required
def audit_search(request):
    require_audit_admin(request.user)
    form, filters = _search(request)
    entries = audit_entries(filters) if not form.errors else audit_entries({}).none()
    rows, next_key = audit_page(entries, _key(request.GET.get("before")))
    for entry in rows:
        entry.event_label = event_label(entry)
    count, more = bounded_count(entries)
    query = request.GET.copy()
    query.pop("before", None)
    return render(request, "audit/search.html", {
        "form": form, "entries": rows, "next_key": next_key, "count": count, "more": more,
        "query": query.urlencode(), "first_page": request.GET.get("before") is None,
    })


class _Echo:
    def write(self, value):
        return value


def _csv_rows(entries):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel reads UTF-8 with a byte-order mark
    yield writer.writerow([_("时间"), _("操作人"), _("事件"), _("对象类型"), _("对象编号"), _("对象"), _("IP 地址"), _("变更")])
    for entry in entries.iterator(chunk_size=2000):
        model = entry.content_type.model_class() if entry.content_type_id else None
        yield writer.writerow([escape_cell(value) for value in (
            timezone.localtime(entry.timestamp).strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor.username if entry.actor_id else (entry.actor_email or ""),
            event_label(entry),
            str(model._meta.verbose_name) if model is not None else "",
            entry.object_pk,
            entry.object_repr,
            entry.remote_addr or "",
            entry.changes_str if entry.changes else "",
        )])


@require_safe
@login_required
def audit_export(request):
    """The search's entries as CSV (at most EXPORT_LIMIT, newest first); the export is recorded first."""
    require_audit_admin(request.user)
    form, filters = _search(request)
    entries = audit_entries(filters) if not form.errors else audit_entries({}).none()
    entries = entries[:EXPORT_LIMIT]
    count = entries.count() if request.method == "GET" else 0
    if request.method == "GET":
        audit_export_record(user=request.user, filters=filters, count=count, file_format="CSV", request=request)
    response = StreamingHttpResponse(_csv_rows(entries) if request.method == "GET" else iter(()), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
