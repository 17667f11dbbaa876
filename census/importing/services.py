"""Census imports as a user sees them: upload → preview (nothing written) → commit (all-or-nothing,
or the valid rows only). Large files run as a Celery job that reports progress on the record. Unit lists
(单位名录) go the same way, synchronously (a few thousand rows at most).

Headers we do not know are mapped by the user (a schema field per column, or ignored): the mapping is kept
with the import and remembered per user for the next file with the same header (`ColumnMapping`)."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from census.importing.checked import checked_discard, checked_path, file_checksum, upload_checksum
from census.importing.columns import HeaderError, header_texts, headers_key, map_headers, validate_mapping
from census.importing.models import CensusImport, ColumnMapping, ImportStatus, UnitImport
from census.importing.pipeline import (
    MAX_STORED_ERRORS,
    ImportOutcome,
    findings_load_meanwhile,
    run_census_import,
)
from census.importing.reading import FileRejected, check_upload, header_columns
from census.importing.units import UnitImportOutcome, unit_import_check, unit_import_write
from census.importing.workbooks import error_report_workbook
from census.registry.models import Campaign
from census.registry.signals import census_changed
from orgs.access.scoping import user_scope
from orgs.common.audit import AuditEvent, audit_event
from orgs.common.sealing import plain_path
from orgs.jobs.services import job_enqueue
from orgs.regions.models import Region
from orgs.units.models import Unit

# The Celery name of `census.importing.jobs.census_import_job` (kept from before the restructure: queued
# messages of a running deployment still find it).
CENSUS_IMPORT_JOB = "census.jobs.census_import_job"


def _import_region(user, campaign: Campaign):
    scope = user_scope(user)
    if scope.is_admin:
        return campaign.region
    if not scope.editable:
        raise PermissionDenied(_("只读角色不能导入数据"))

    return Region.objects.get(pk=scope.editable[0].region_id)


@transaction.atomic
def census_import_upload(*, user, uploaded_file, campaign: Campaign) -> CensusImport:
    """Keeps the uploaded file with a new import record (nothing is read into the registry yet). A file
    refused as a whole (too large, not what its name says, a hostile archive) raises FileRejected and
    nothing is stored: no record, no file."""
    check_upload(uploaded_file, uploaded_file.name, uploaded_file.size)
    if not Campaign.objects.visible_to(user).filter(pk=campaign.pk).exists():
        raise PermissionDenied
    if not campaign.is_open:
        raise ValidationError(_("调查“%(name)s”已结束，不能再导入") % {"name": campaign.name})
    record = CensusImport(
        user=user, campaign=campaign, region=_import_region(user, campaign), original_name=Path(uploaded_file.name).name[:255]
    )
    record.checksum = upload_checksum(uploaded_file)  # of the content: the sealed bytes differ at every seal
    record.file.save(Path(uploaded_file.name).name, uploaded_file, save=False)
    record.save()
    return record


def _store_outcome(record: CensusImport, outcome: ImportOutcome) -> None:
    record.rows, record.new, record.updated = outcome.rows, outcome.new, outcome.updated
    record.unchanged, record.invalid = outcome.unchanged, outcome.invalid
    record.errors = [e.as_dict() for e in outcome.errors[:MAX_STORED_ERRORS]]
    if outcome.warnings_checked:
        record.warnings = [w.as_dict() for w in outcome.warnings[:MAX_STORED_ERRORS]]
    record.reading = {**outcome.reading, "columns": header_texts(outcome.header)}
    if outcome.ignored_headers:
        record.message = _("已忽略无法识别的列：%(cols)s") % {"cols": "、".join(outcome.ignored_headers)}
    if record.error_report:  # the preview's report: replaced (it holds resident IDs; no copy is left behind)
        record.error_report.delete(save=False)
    if outcome.invalid_rows:
        report = error_report_workbook(outcome.header, outcome.invalid_rows, outcome.errors_by_row())
        record.error_report.save(f"errors-{record.pk}.xlsx", ContentFile(report), save=False)


def _message(error: Exception) -> str:
    if isinstance(error, OSError):  # the stored upload is gone or unreadable
        return _("无法读取已上传的文件，请重新上传")
    return str(error)


def _delete_rejected_files(record, keep: Path | None = None) -> None:
    """A file refused as a whole (hostile, broken, not what it claims) is not kept: it can never be imported and may
    hold resident IDs. The record keeps the reason, and says that the file was deleted."""
    for stored in (record.file, record.error_report):
        if stored:
            stored.storage.delete(stored.name)
            stored.name = ""
    record.files_deleted_at = timezone.now()
    if keep is not None:
        checked_discard(keep)


def census_import_is_large(record: CensusImport) -> bool:
    return record.file.size > settings.CENSUS_ASYNC_BYTES


def _remembered_mapping(record: CensusImport, path: Path) -> dict[str, str]:
    """The column mapping the uploader saved for this file's header (read as we know headers), if any."""
    saved = ColumnMapping.objects.filter(user_id=record.user_id)
    if not saved.exists():
        return {}
    try:
        columns = header_columns(path, record.original_name, sheet=record.sheet or None)
    except (FileRejected, ValueError, OSError):
        return {}  # the run reports what is wrong with the file
    if not columns:
        return {}
    return dict(saved.filter(headers_key=headers_key(columns)).values_list("mapping", flat=True).first() or {})


def census_import_run(
    *, record: CensusImport, commit: bool, valid_only: bool = False, create_units: bool = False, accept_duplicates: bool = False,
) -> CensusImport:
    """Runs the pipeline for a record (preview or commit) and stores counts, errors and the report.
    A file refused as a whole marks the record failed with the reason; nothing is written then.

    The file is read with the record's column mapping. Without one, a preview (or a commit never previewed)
    takes the mapping the uploader saved for the same header, and the record says so (`reading["remembered"]`).
    When no header is found, the record keeps the likeliest header row (`reading["columns"]`, its
    `header_row`) for the user to map its columns."""
    remembered = bool((record.reading or {}).get("remembered")) and bool(record.mapping)
    first_run = record.status == ImportStatus.UPLOADED
    record.status = ImportStatus.RUNNING
    record.progress = 0
    record.started_at = timezone.now()
    record.save(update_fields=["status", "progress", "started_at"])

    expected_rows = record.rows  # known after the preview; the preview itself reports rows read

    def progress(rows_done: int) -> None:
        if expected_rows:
            CensusImport.objects.filter(pk=record.pk).update(progress=min(99, int(100 * rows_done / expected_rows)))
        else:
            CensusImport.objects.filter(pk=record.pk).update(rows=rows_done)

    stored = Path(record.file.path)
    keep = checked_path(stored)
    findings = findings_load_meanwhile(keep) if commit else None  # read while the upload is opened below
    try:
        with plain_path(stored) as path:  # the stored file is sealed: readers get a private decrypted copy
            checksum = file_checksum(path)
            if record.checksum and checksum != record.checksum:
                raise FileRejected(_("文件在上传后被改动（校验值不符），未写入任何数据：请重新上传"))
            if not record.mapping and (first_run or not commit) and (saved := _remembered_mapping(record, path)):
                record.mapping, remembered = saved, True
                record.save(update_fields=["mapping"])
            outcome = run_census_import(
                path, record.original_name, user=record.user, campaign=record.campaign,
                commit=commit, valid_only=valid_only, progress=progress, record=record,
                keep=keep, checksum=checksum, sheet=record.sheet, mapping=record.mapping,
                create_units=create_units, accept_duplicates=accept_duplicates,
                on_written=lambda written: _record_commit(record, written), findings=findings,
            )
    except (FileRejected, HeaderError, ValueError, OSError) as error:
        if commit:
            checked_discard(keep)
        if isinstance(error, FileRejected):
            _delete_rejected_files(record, keep)
        record.status, record.message, record.finished_at = ImportStatus.FAILED, _message(error), timezone.now()
        if isinstance(error, HeaderError) and (error.reading or error.columns):
            # for the user to say what the columns mean (census_import_map_columns)
            record.reading = dict(error.reading) or {"columns": error.columns}
            if remembered:
                record.reading["remembered"] = True
        record.save()
        return record
    if commit:
        checked_discard(keep)  # the preview's findings are spent (and hold resident IDs)
    _store_outcome(record, outcome)
    if remembered:
        record.reading["remembered"] = True
    record.valid_only = valid_only
    record.progress = 100
    if not commit:
        record.status = ImportStatus.PREVIEWED
    elif outcome.written:
        # marked committed and audited with the rows (_record_commit); what it says wins over the reading's notes
        record.status = ImportStatus.COMMITTED
        if outcome.created_units:
            record.message = _committed_message(outcome)
    elif outcome.held:
        # valid, but people who may be registered already were not confirmed: the preview stands
        record.status = ImportStatus.PREVIEWED
        record.message = outcome.held
    else:
        record.status = ImportStatus.REJECTED
        record.finished_at = timezone.now()
        record.message = _("文件有 %(n)d 行无效，未写入任何数据") % {"n": outcome.invalid}
    record.save()
    return record


def _committed_message(outcome) -> str:
    return _("已新建 %(n)d 个单位") % {"n": outcome.created_units}


def _record_commit(record: CensusImport, outcome) -> None:
    """In the transaction that writes the rows: the import marked committed (in the database and on `record`) and
    its audit entry. A process that dies after that transaction leaves a committed import, never one that stays
    running with its rows stored (the sweep would then say that nothing was written)."""
    record.status, record.finished_at = ImportStatus.COMMITTED, timezone.now()
    if outcome.created_units:
        record.message = _committed_message(outcome)
    CensusImport.objects.filter(pk=record.pk).update(
        status=record.status, finished_at=record.finished_at, message=record.message)
    audit_event(
        event=AuditEvent.IMPORT, model=record, actor=record.user,
        description=_("导入侨情数据 %(file)s：%(summary)s") % {"file": record.original_name, "summary": outcome.summary()},
        data={
            "rows": outcome.rows, "new": outcome.new, "updated": outcome.updated, "invalid": outcome.invalid,
            "units_created": outcome.created_units, "possible_duplicates": len(outcome.warnings),
        },
    )


# What may be discarded: an import that wrote nothing and is not running.
DISCARDABLE = (ImportStatus.UPLOADED, ImportStatus.PREVIEWED, ImportStatus.REJECTED, ImportStatus.FAILED)


def _require_own_import(record: CensusImport, user) -> None:
    """Only the uploader (or an administrator) acts on an import, and only within their scope."""
    own_record = record.user_id == user.pk or user_scope(user).is_admin
    if not own_record or not CensusImport.objects.editable_by(user).filter(pk=record.pk).exists():
        raise PermissionDenied


def census_import_choose_sheet(*, record: CensusImport, user, sheet: str) -> CensusImport:
    """Reads another sheet of the uploaded workbook: the preview runs again on it. Only while nothing is
    written (as discarding), by the uploader; a sheet the workbook does not have is refused."""
    _require_own_import(record, user)
    if record.status not in DISCARDABLE:
        raise ValidationError(_("导入 #%(id)d 已在处理或已写入，不能更换工作表") % {"id": record.pk})
    sheets = record.reading.get("sheets") or []
    if sheet not in sheets:
        raise ValidationError(_("工作簿中没有名为“%(sheet)s”的工作表") % {"sheet": sheet})
    record.sheet = sheet
    if record.reading.get("remembered"):
        record.mapping = {}  # remembered for the other sheet's header: looked up again for this one
    record.save(update_fields=["sheet", "mapping"])
    return census_import_request(record=record, user=user, commit=False)


def census_import_map_columns(*, record: CensusImport, user, mapping: dict[str, str]) -> CensusImport:
    """Reads the uploaded file again with the columns mapped as the user says (header text → schema key, or ""
    to ignore the column), and remembers the mapping for the user's next file with the same header. Only while
    nothing is written (as discarding), by the uploader. The mapping must name columns of the file, each field
    once, and every required field."""
    _require_own_import(record, user)
    if record.status not in DISCARDABLE:
        raise ValidationError(_("导入 #%(id)d 已在处理或已写入，不能更改列的对应关系") % {"id": record.pk})
    columns = (record.reading or {}).get("columns") or []
    if not columns:
        raise ValidationError(_("没有读到文件的表头，不能选择列的对应关系"))
    strange = [text for text in mapping if text not in columns]
    if strange:
        raise ValidationError(_("文件中没有这些列：%(cols)s") % {"cols": "、".join(strange)})
    try:
        mapping = validate_mapping(mapping)
        map_headers(columns, mapping)
    except HeaderError as error:
        raise ValidationError(str(error)) from None
    record.mapping = mapping
    record.reading = {key: value for key, value in record.reading.items() if key != "remembered"}
    record.save(update_fields=["mapping", "reading"])
    ColumnMapping.objects.update_or_create(user=user, headers_key=headers_key(columns), defaults={"mapping": mapping})
    return census_import_request(record=record, user=user, commit=False)


def census_import_discard(*, record: CensusImport, user) -> CensusImport:
    """Drops an import that wrote nothing (a preview not to be committed, a refused or failed file): the
    uploaded file, the preview's findings and the error report are deleted, since they hold full resident
    IDs. The record stays, marked discarded, as the trail of who uploaded which file when."""
    _require_own_import(record, user)
    with transaction.atomic():
        locked = CensusImport.objects.select_for_update().get(pk=record.pk)
        if locked.status not in DISCARDABLE:
            raise ValidationError(_("只能放弃未写入数据、未在处理中的导入"))
        files = [f.path for f in (locked.file, locked.error_report) if f]
        if locked.file:
            files.append(str(checked_path(Path(locked.file.path))))
        locked.file.name, locked.error_report.name = "", ""
        locked.status, locked.finished_at = ImportStatus.DISCARDED, timezone.now()
        locked.message = _("已放弃：上传的文件和错误报告已删除")
        locked.save()

        def remove_files() -> None:
            for path in files:
                Path(path).unlink(missing_ok=True)

        transaction.on_commit(remove_files)
    return locked


def census_import_request(
    *, record: CensusImport, user, commit: bool, valid_only: bool = False, inline: bool = False,
    create_units: bool = False, accept_duplicates: bool = False,
) -> CensusImport:
    """Starts a preview or commit: inline for small files (or when `inline`, as the command line
    does), as a Celery job for large ones. A commit creates the units the preview listed only with
    `create_units`, and registers possible duplicates only with `accept_duplicates`."""
    _require_own_import(record, user)
    if commit and record.status not in (ImportStatus.PREVIEWED,):
        raise ValidationError(_("请先预览，再确认导入"))
    if commit and record.warnings and not accept_duplicates:
        raise ValidationError(
            _("有 %(n)d 行可能与已登记人员或文件中其他行是同一人：请核对后勾选“确认不是同一人，仍然导入”") % {"n": len(record.warnings)}
        )
    choices = {"create_units": create_units, "accept_duplicates": accept_duplicates}
    if inline or not census_import_is_large(record):
        return census_import_run(record=record, commit=commit, valid_only=valid_only, **choices)
    # The status and the job's outbox row commit together: a broker that is down delays the run (the relay
    # sends it when the broker is back), it never loses it.
    with transaction.atomic():
        CensusImport.objects.filter(pk=record.pk).update(status=ImportStatus.QUEUED, progress=0)
        job_enqueue(CENSUS_IMPORT_JOB, record.pk, commit, valid_only, choices)
    record.refresh_from_db()
    return record


# ---- the unit directory (单位名录) ----------------------------------------------------------------------------


def unit_import_region(user, region: Region | None = None) -> Region:
    """Where a unit import may place units: the region given (inside the user's editable scope), else the user's
    one editable region. Raises ValidationError (on `region`) when neither says."""
    scope = user_scope(user)
    if not scope.can_write:
        raise PermissionDenied(_("只读角色不能导入数据"))
    if region is not None:
        if not scope.edits_region(region):
            raise ValidationError({"region": _("“%(region)s”不在您的管辖范围内") % {"region": region.full_name}})
        return region
    if len(scope.editable) == 1:
        return Region.objects.get(pk=scope.editable[0].region_id)
    raise ValidationError({"region": _("请填写导入范围（区划代码或全称）")})


@transaction.atomic
def unit_import_upload(*, user, uploaded_file, region: Region | None = None) -> UnitImport:
    """Keeps an uploaded unit list with a new import record (nothing read into the directory yet). A file refused
    as a whole (too large, not what its name says, a hostile archive) raises FileRejected: nothing is stored."""
    check_upload(uploaded_file, uploaded_file.name, uploaded_file.size)
    record = UnitImport(user=user, region=unit_import_region(user, region), original_name=Path(uploaded_file.name).name[:255])
    record.file.save(Path(uploaded_file.name).name, uploaded_file, save=False)
    record.save()
    return record


def _require_own_unit_import(record: UnitImport, user) -> None:
    """Only the uploader (or an administrator) previews, commits or discards an import, within their scope."""
    if not (record.user_id == user.pk or user_scope(user).is_admin) or not UnitImport.objects.editable_by(user).filter(pk=record.pk).exists():
        raise PermissionDenied


def _store_unit_outcome(record: UnitImport, outcome: UnitImportOutcome) -> None:
    record.rows, record.new, record.updated = outcome.rows, len(outcome.new), len(outcome.updated)
    record.unchanged, record.invalid = len(outcome.unchanged), outcome.invalid
    record.errors = [e.as_dict() for e in outcome.errors[:MAX_STORED_ERRORS]]
    record.planned = outcome.planned()
    record.reading = outcome.reading
    record.message = _("已忽略无法识别的列：%(cols)s") % {"cols": "、".join(outcome.ignored_headers)} if outcome.ignored_headers else ""
    if record.error_report:
        record.error_report.delete(save=False)
    if outcome.invalid_rows:
        report = error_report_workbook(outcome.header, outcome.invalid_rows, outcome.errors_by_row())
        record.error_report.save(f"unit-errors-{record.pk}.xlsx", ContentFile(report), save=False)


def _unit_outcome(record: UnitImport) -> UnitImportOutcome:
    with plain_path(record.file.path) as path:
        return unit_import_check(path, record.original_name, user=record.user, region=record.region)


def unit_import_preview(*, record: UnitImport, user) -> UnitImport:
    """Reads the uploaded unit list and records what it would do (new, updated, unchanged, invalid rows with their
    reasons, the error report); nothing is written to the directory. A file that cannot be read marks the record
    failed with the reason."""
    _require_own_unit_import(record, user)
    if record.status not in DISCARDABLE:
        raise ValidationError(_("导入 #%(id)d 已写入或已放弃，不能再预览") % {"id": record.pk})
    try:
        outcome = _unit_outcome(record)
    except (FileRejected, HeaderError, ValueError, OSError) as error:
        if isinstance(error, FileRejected):
            _delete_rejected_files(record)
        record.status, record.message, record.finished_at = ImportStatus.FAILED, _message(error), timezone.now()
        record.save()
        return record
    _store_unit_outcome(record, outcome)
    record.status = ImportStatus.PREVIEWED
    record.save()
    return record


def unit_import_commit(*, record: UnitImport, user, valid_only: bool = False) -> UnitImport:
    """Writes a previewed unit list: the file is checked again against the directory as it is now, then every row
    is written in one transaction, or, with invalid rows, nothing unless `valid_only` (only the valid rows).
    Audited; coverage is re-evaluated for the units written, after the commit."""
    _require_own_unit_import(record, user)
    with transaction.atomic():
        locked = UnitImport.objects.select_for_update().select_related("user", "region").get(pk=record.pk)
        if locked.status != ImportStatus.PREVIEWED:
            raise ValidationError(_("请先预览，再确认导入"))
        try:
            outcome = _unit_outcome(locked)
        except (FileRejected, HeaderError, ValueError, OSError) as error:
            if isinstance(error, FileRejected):
                _delete_rejected_files(locked)
            locked.status, locked.message, locked.finished_at = ImportStatus.FAILED, _message(error), timezone.now()
            locked.save()
            return locked
        _store_unit_outcome(locked, outcome)
        locked.valid_only = valid_only
        if outcome.invalid and not valid_only:
            locked.status, locked.finished_at = ImportStatus.REJECTED, timezone.now()
            locked.message = _("文件有 %(n)d 行无效，未写入任何数据") % {"n": outcome.invalid}
            locked.save()
            return locked
        try:
            with transaction.atomic():
                region_ids, unit_ids = unit_import_write(outcome)
        except IntegrityError:
            # another change to the directory since the check (a unit of the same name or code): nothing written
            locked.status = ImportStatus.PREVIEWED
            locked.message = _("写入时单位名录已被他人修改（同名单位或相同的统一社会信用代码），未写入任何数据：请重新预览后再导入")
            locked.save()
            return locked
        except ValidationError as error:  # an organization that cannot move with its unit
            locked.status = ImportStatus.PREVIEWED
            locked.message = _("未写入任何数据：%(reason)s") % {"reason": "；".join(error.messages)}
            locked.save()
            return locked
        locked.status, locked.finished_at = ImportStatus.COMMITTED, timezone.now()
        locked.save()
        audit_event(
            event=AuditEvent.IMPORT, model=locked, actor=user,
            description=_("导入单位名录 %(file)s：%(summary)s") % {"file": locked.original_name, "summary": outcome.summary()},
            data={"rows": outcome.rows, "new": len(outcome.new), "updated": len(outcome.updated), "invalid": outcome.invalid,
                  "region": locked.region.code},
        )
        regions, units = frozenset(region_ids), frozenset(unit_ids)
        transaction.on_commit(lambda: census_changed.send(sender=Unit, region_ids=regions, unit_ids=units))
    return locked


def unit_import_discard(*, record: UnitImport, user) -> UnitImport:
    """Drops a unit import that wrote nothing: its file and error report are deleted, the record stays (who uploaded
    which file when), marked discarded."""
    _require_own_unit_import(record, user)
    with transaction.atomic():
        locked = UnitImport.objects.select_for_update().get(pk=record.pk)
        if locked.status not in DISCARDABLE:
            raise ValidationError(_("只能放弃未写入数据的导入"))
        files = [f.path for f in (locked.file, locked.error_report) if f]
        locked.file.name, locked.error_report.name = "", ""
        locked.status, locked.finished_at = ImportStatus.DISCARDED, timezone.now()
        locked.message = _("已放弃：上传的文件和错误报告已删除")
        locked.save()

        def remove_files() -> None:
            for path in files:
                Path(path).unlink(missing_ok=True)

        transaction.on_commit(remove_files)
    return locked
