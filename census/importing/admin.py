"""Admin of import records (read-only; files only for the uploader and holders of the reveal permission)."""
from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from census.importing.columns import COLUMN_BY_KEY
from census.importing.models import CensusImport
from census.importing.selectors import import_files_downloadable_by
from orgs.access.admin import ReadOnlyAdminMixin, ScopedAdminMixin, region_path
from orgs.common.audit import audit_export
from orgs.common.identifiers import (
    mask_document,
    mask_phone,
)


@admin.register(CensusImport)
class CensusImportAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Imports as uploaded, with links to the file and the error report. The files hold full resident
    IDs: only the uploader and holders of census.reveal_id_number download them (others get a 403),
    and every download is audited."""

    list_display = ("original_name", "status", "user", region_path, "campaign", "rows", "new", "updated", "invalid", "created_at", "file_links")
    list_filter = ("status", ("campaign", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "region", "campaign")
    search_fields = ("original_name",)
    fields = (
        "original_name", "file_links", "status", "user", "region", "campaign", "valid_only", "rows", "new", "updated",
        "unchanged", "invalid", "progress", "message", "errors_display", "created_at", "finished_at",
    )
    readonly_fields = fields

    DOWNLOADS = {"file": "file", "errors": "error_report"}

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("<path:object_id>/download/<str:which>/", self.admin_site.admin_view(self.download_view), name=f"{info[0]}_{info[1]}_download"),
            *super().get_urls(),
        ]

    def may_download(self, request, record: CensusImport) -> bool:
        return import_files_downloadable_by(record, request.user)

    def download_view(self, request, object_id, which):
        record = self.get_object(request, object_id)
        if record is None or which not in self.DOWNLOADS or not self.has_view_permission(request, record):
            raise Http404
        stored = getattr(record, self.DOWNLOADS[which])
        if not stored:
            raise Http404
        if not self.may_download(request, record):
            raise PermissionDenied
        audit_export(
            user=request.user, queryset=CensusImport.objects.filter(pk=record.pk),
            file_format="admin-original" if which == "file" else "admin-error-report", request=request,
        )
        filename = record.original_name if which == "file" else f"错误报告-{record.pk}.xlsx"
        return FileResponse(stored.open("rb"), as_attachment=True, filename=filename)

    @admin.display(description=_("文件"))
    def file_links(self, obj: CensusImport):
        links = [
            (reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_download", args=[obj.pk, which]), label)
            for which, label in (("file", _("原文件")), ("errors", _("错误报告")))
            if getattr(obj, self.DOWNLOADS[which])
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links) if links else "—"

    @admin.display(description=_("错误"))
    def errors_display(self, obj: CensusImport):
        masked_columns = {COLUMN_BY_KEY["id_number"].header: mask_document, COLUMN_BY_KEY["phone"].header: mask_phone}
        rows = [
            (e.get("row"), e.get("column"), masked_columns.get(e.get("column"), str)(str(e.get("value", ""))), e.get("reason"))
            for e in (obj.errors or [])
        ]
        if not rows:
            return "—"
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html("<table><tr><th>行</th><th>列</th><th>值</th><th>原因</th></tr>{}</table>", body)
