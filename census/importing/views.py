"""Census files in and out: the import pages (upload, preview, the sheet and the columns to read, commit, progress,
discard, error report, the file, the template) and the registry's export in the same columns; the unit directory's
import (upload and preview, commit, discard, error report, template). Thin: the import services do the work."""
from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from census.importing.columns import PERSON_COLUMNS
from census.importing.forms import ColumnMappingForm, ImportUploadForm, UnitImportUploadForm
from census.importing.interruptions import census_imports_fail_stuck_in_process
from census.importing.models import CensusImport, ImportStatus, UnitImport
from census.importing.reading import FileRejected
from census.importing.selectors import import_files_downloadable_by, new_units_listed, skipped_rows
from census.importing.services import (
    DISCARDABLE,
    census_import_choose_sheet,
    census_import_discard,
    census_import_map_columns,
    census_import_request,
    census_import_upload,
    unit_import_commit,
    unit_import_discard,
    unit_import_preview,
    unit_import_upload,
)
from census.importing.workbooks import census_template_workbook, unit_template_workbook
from census.registry.filters import PersonFilter
from census.registry.locks import census_locks
from census.registry.models import FLAG_FIELDS, Person
from orgs.access.scoping import (
    get_editable_or_404,
    get_visible_or_404,
    require_writer,
    user_scope,
)
from orgs.common.audit import audit_export
from orgs.common.exports import escape_cell
from orgs.common.forms import apply_errors
from orgs.units.models import UnitKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_safe
@login_required
def import_list(request):
    census_imports_fail_stuck_in_process()
    imports = CensusImport.objects.visible_to(request.user).select_related("user", "campaign", "region")[:100]
    form = ImportUploadForm(user=request.user) if user_scope(request.user).can_write else None
    return render(request, "census/import_list.html", {"imports": imports, "form": form})


@login_required
@require_POST
def import_upload(request):
    require_writer(request.user)
    form = ImportUploadForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        imports = CensusImport.objects.visible_to(request.user).select_related("user", "campaign", "region")[:100]
        return render(request, "census/import_list.html", {"imports": imports, "form": form}, status=400)
    try:
        record = census_import_upload(user=request.user, uploaded_file=form.cleaned_data["file"], campaign=form.cleaned_data["campaign"])
    except (FileRejected, ValidationError) as error:
        form.add_error("file", error.messages if isinstance(error, ValidationError) else str(error))
        imports = CensusImport.objects.visible_to(request.user).select_related("user", "campaign", "region")[:100]
        return render(request, "census/import_list.html", {"imports": imports, "form": form}, status=400)
    census_import_request(record=record, user=request.user, commit=False)
    return redirect("census:import-detail", pk=record.pk)


@require_safe
@login_required
def import_detail(request, pk: int):
    census_imports_fail_stuck_in_process()
    record = get_visible_or_404(CensusImport.objects.select_related("user", "campaign", "region"), request.user, pk=pk)
    own = record.user_id == request.user.pk and CensusImport.objects.editable_by(request.user).filter(pk=pk).exists()
    can_commit = own and record.status == ImportStatus.PREVIEWED
    can_discard = own and record.status in DISCARDABLE
    valid_rows = record.new + record.updated + record.unchanged
    sheets = (record.reading or {}).get("sheets") or []
    columns = (record.reading or {}).get("columns") or []
    mapping_form = ColumnMappingForm(columns=columns, mapping=record.mapping) if can_discard and columns else None
    return render(
        request, "census/import_detail.html",
        {
            "record": record, "can_commit": can_commit, "can_discard": can_discard, "valid_rows": valid_rows,
            "skipped": skipped_rows(record), "new_units": new_units_listed(record), "sheets": sheets, "can_choose_sheet": can_discard and len(sheets) > 1,
            "running": record.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
            "mapping_form": mapping_form, "mapping_needed": record.status == ImportStatus.FAILED,
            "required_fields": "、".join(c.header for c in PERSON_COLUMNS if c.required),
            # the import's place approved and locked in an open round: said before the commit is refused
            "locks": census_locks({record.region_id}) if can_commit else [],
        },
    )


@require_safe
@login_required
def import_status(request, pk: int):
    """Progress for the page's poller."""
    census_imports_fail_stuck_in_process()
    record = get_visible_or_404(CensusImport.objects.all(), request.user, pk=pk)
    return JsonResponse({"status": record.status, "status_display": record.get_status_display(), "progress": record.progress, "rows": record.rows})


@login_required
@require_POST
def import_commit(request, pk: int):
    record = get_editable_or_404(CensusImport.objects.select_related("user", "campaign"), request.user, pk=pk)
    valid_only = request.POST.get("mode") == "valid_only"
    try:
        record = census_import_request(
            record=record, user=request.user, commit=True, valid_only=valid_only,
            create_units=bool(request.POST.get("create_units")), accept_duplicates=bool(request.POST.get("accept_duplicates")),
        )
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        if record.status == ImportStatus.COMMITTED:
            messages.success(
                request, _("已导入：新增 %(new)d 人，更新 %(updated)d 人，核实未变 %(unchanged)d 人")
                % {"new": record.new, "updated": record.updated, "unchanged": record.unchanged},
            )
        elif record.status == ImportStatus.QUEUED:
            messages.info(request, _("正在后台导入，完成后本页显示结果"))
    return redirect("census:import-detail", pk=record.pk)


@login_required
@require_POST
def import_sheet(request, pk: int):
    """Previews another sheet of the uploaded workbook."""
    record = get_editable_or_404(CensusImport.objects.select_related("user", "campaign"), request.user, pk=pk)
    try:
        record = census_import_choose_sheet(record=record, user=request.user, sheet=request.POST.get("sheet", ""))
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    return redirect("census:import-detail", pk=record.pk)


@login_required
@require_POST
def import_mapping(request, pk: int):
    """Previews the file again with its columns mapped as the user chose (remembered for their next such file)."""
    record = get_editable_or_404(CensusImport.objects.select_related("user", "campaign"), request.user, pk=pk)
    form = ColumnMappingForm(request.POST, columns=(record.reading or {}).get("columns") or [], mapping=record.mapping)
    if not form.is_valid():
        messages.error(request, _("请为每一列选择列表中的字段或“忽略”"))
        return redirect("census:import-detail", pk=record.pk)
    try:
        record = census_import_map_columns(record=record, user=request.user, mapping=form.mapping())
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    return redirect("census:import-detail", pk=record.pk)


@login_required
@require_POST
def import_discard(request, pk: int):
    record = get_editable_or_404(CensusImport.objects.all(), request.user, pk=pk)
    try:
        census_import_discard(record=record, user=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect("census:import-detail", pk=record.pk)
    messages.success(request, _("已放弃导入 #%(id)d，上传的文件已删除") % {"id": record.pk})
    return redirect("census:import-list")


@require_safe
@login_required
def import_error_report(request, pk: int):
    record = get_visible_or_404(CensusImport.objects.all(), request.user, pk=pk)
    if not record.error_report:
        raise Http404
    if not import_files_downloadable_by(record, request.user):
        raise PermissionDenied(_("导入文件含完整身份证号码，只有导入人或有查看权限的用户可以下载"))
    audit_export(user=request.user, queryset=CensusImport.objects.filter(pk=pk), file_format="xlsx", request=request)
    return FileResponse(record.error_report.open("rb"), as_attachment=True, filename=f"错误报告-{record.pk}.xlsx")


@require_safe
@login_required
def import_file(request, pk: int):
    """The file as uploaded (kept with the import record)."""
    record = get_visible_or_404(CensusImport.objects.all(), request.user, pk=pk)
    if not record.file:  # discarded: the file is deleted
        raise Http404
    if not import_files_downloadable_by(record, request.user):
        raise PermissionDenied(_("导入文件含完整身份证号码，只有导入人或有查看权限的用户可以下载"))
    audit_export(user=request.user, queryset=CensusImport.objects.filter(pk=pk), file_format="original", request=request)
    return FileResponse(record.file.open("rb"), as_attachment=True, filename=record.original_name)


@require_safe
@login_required
def import_template(request):
    response = HttpResponse(
        census_template_workbook(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E4%BE%A8%E6%83%85%E7%99%BB%E8%AE%B0%E6%A8%A1%E6%9D%BF.xlsx"
    return response


@require_safe
@login_required
def person_export(request):
    """The filtered registry as CSV: document numbers and phones masked, formulas escaped, the export audited."""
    people = Person.objects.visible_to(request.user).select_related("region", "unit").order_by("region__code", "name", "pk")
    rows = PersonFilter(request.GET or None, queryset=people, request=request).qs
    audit_export(user=request.user, queryset=rows, file_format="csv", request=request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="persons-{timezone.localdate():%Y%m%d}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([c.header for c in PERSON_COLUMNS])
    yes, no = _("是"), _("否")
    for p in rows.iterator(chunk_size=2000):
        writer.writerow(
            escape_cell(v)
            for v in (
                p.name, p.get_gender_display(), p.birth_date.isoformat(), p.get_id_type_display(), p.id_number_masked, p.get_category_display(),
                p.region.code, p.unit.name if p.unit_id else "", p.country, p.phone_masked,
                *[yes if getattr(p, f) else no for f in FLAG_FIELDS], p.notes,
            )
        )
    return response


# ---- the unit directory's import (单位名录) --------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def unit_import(request):
    """The unit imports the user sees, and the upload: a file is kept, previewed at once (nothing written), and
    shown on its own page for confirmation."""
    form = None
    status = 200
    if user_scope(request.user).can_write:
        form = UnitImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        require_writer(request.user)
        assert form is not None
        if form.is_valid():
            try:
                record = unit_import_upload(user=request.user, uploaded_file=form.cleaned_data["file"], region=form.cleaned_data["region"])
            except FileRejected as error:
                form.add_error("file", str(error))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                unit_import_preview(record=record, user=request.user)
                return redirect("census:unit-import-detail", pk=record.pk)
        status = 400
    imports = UnitImport.objects.visible_to(request.user).select_related("user", "region")[:100]
    return render(request, "census/unit_import_list.html", {"imports": imports, "form": form}, status=status)


@require_safe
@login_required
def unit_import_detail(request, pk: int):
    record = get_visible_or_404(UnitImport.objects.select_related("user", "region"), request.user, pk=pk)
    own = (record.user_id == request.user.pk or user_scope(request.user).is_admin) and UnitImport.objects.editable_by(request.user).filter(pk=pk).exists()
    return render(
        request, "census/unit_import_detail.html",
        {
            "record": record, "can_commit": own and record.status == ImportStatus.PREVIEWED,
            "can_discard": own and record.status in DISCARDABLE, "valid_rows": record.new + record.updated + record.unchanged,
            "skipped": skipped_rows(record),
            "planned_more": max(0, record.new + record.updated - len(record.planned)),
        },
    )


@login_required
@require_POST
def unit_import_commit_view(request, pk: int):
    record = get_editable_or_404(UnitImport.objects.all(), request.user, pk=pk)
    try:
        record = unit_import_commit(record=record, user=request.user, valid_only=request.POST.get("mode") == "valid_only")
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        if record.status == ImportStatus.COMMITTED:
            messages.success(request, _("已导入：新增 %(new)d 个单位，更新 %(updated)d 个") % {"new": record.new, "updated": record.updated})
    return redirect("census:unit-import-detail", pk=record.pk)


@login_required
@require_POST
def unit_import_discard_view(request, pk: int):
    record = get_editable_or_404(UnitImport.objects.all(), request.user, pk=pk)
    try:
        unit_import_discard(record=record, user=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect("census:unit-import-detail", pk=record.pk)
    messages.success(request, _("已放弃导入 #%(id)d，上传的文件已删除") % {"id": record.pk})
    return redirect("census:unit-import")


@require_safe
@login_required
def unit_import_errors(request, pk: int):
    """The refused rows as uploaded, with the reasons (unit lists hold no personal data: whoever sees the import)."""
    record = get_visible_or_404(UnitImport.objects.all(), request.user, pk=pk)
    if not record.error_report:
        raise Http404
    audit_export(user=request.user, queryset=UnitImport.objects.filter(pk=pk), file_format="xlsx", request=request)
    return FileResponse(record.error_report.open("rb"), as_attachment=True, filename=f"单位导入错误报告-{record.pk}.xlsx")


@require_safe
@login_required
def unit_import_template(request):
    response = HttpResponse(unit_template_workbook([str(label) for _value, label in UnitKind.choices]), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E5%8D%95%E4%BD%8D%E5%90%8D%E5%BD%95%E6%A8%A1%E6%9D%BF.xlsx"
    return response
