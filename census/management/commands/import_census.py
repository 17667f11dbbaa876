"""python manage.py import_census FILE --campaign YEAR --user USERNAME [--dry-run] [--valid-only] [--from-preview ID]
    [--sheet NAME] [--map "列名=字段,…"]

A dry run keeps its findings with the import record (#ID, printed as `import=#ID`); committing with
`--from-preview ID` then stores what that preview checked (the same file, verified by checksum) without
validating every row again, as the upload page's "confirm" button does.

`--map "户籍所在地=region,人员身份=类别"` says what headers we do not know mean (a field by its key or its Chinese
header; 忽略 ignores the column), as the upload page's column mapping does. Without it the file is read with
the mapping the user saved on the upload page for the same header, if any."""
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from census.importing.checked import file_checksum
from census.importing.columns import HeaderError, mapping_from_text
from census.importing.models import CensusImport, ImportStatus
from census.importing.reading import FileRejected
from census.importing.services import (
    census_import_request,
    census_import_run,
    census_import_upload,
)
from census.registry.selectors import campaign_for_import


class Command(BaseCommand):
    help = "Imports a census spreadsheet (.xlsx or .csv) through the same pipeline as the upload page."
    # A routine batch job (cron, scripts, the benchmark): Django's system checks, which load every URL
    # and view and cost about 0.15 s per run, belong to deployment (`manage.py check --deploy`, migrate).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--campaign", type=int, required=True, help="the campaign year, e.g. 2026")
        parser.add_argument("--user", required=True, help="the importing user: their scope applies")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--valid-only", action="store_true", help="import the valid rows, skip the invalid ones")
        parser.add_argument("--max-errors", type=int, default=20)
        parser.add_argument("--sheet", default="", help="the workbook's sheet to read (default: the first sheet with a header)")
        parser.add_argument(
            "--create-units", action="store_true",
            help="create the units the file names that the unit directory lacks (else their rows are refused)",
        )
        parser.add_argument(
            "--accept-duplicates", action="store_true",
            help="import people who may be someone registered under another document (可能重复; else nothing is written)",
        )
        parser.add_argument(
            "--map", dest="mapping", default="", metavar="列名=字段,…",
            help='what headers we do not know mean: "户籍所在地=region,人员身份=category" (a field by its key or its '
                 'Chinese header, 忽略 to ignore the column)',
        )
        parser.add_argument(
            "--from-preview", type=int, metavar="ID", help="commit import #ID previewed before with --dry-run (FILE must be that file)"
        )

    def handle(
        self, *args, file, campaign, user, dry_run, valid_only, max_errors, from_preview, sheet, mapping, create_units,
        accept_duplicates, **options,
    ):
        confirmed = {"create_units": create_units, "accept_duplicates": accept_duplicates}
        try:
            columns = mapping_from_text(mapping) if mapping else {}
        except HeaderError as error:
            raise CommandError(_("--map 参数有误：%(error)s") % {"error": error}) from None
        try:
            importer = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(_("用户 %(user)s 不存在") % {"user": user}) from None
        round_ = campaign_for_import(importer, campaign)
        if round_ is None:
            raise CommandError(_("%(user)s 可见的 %(year)d 年侨情调查不存在") % {"user": user, "year": campaign})
        path = Path(file)
        if not path.exists():
            raise CommandError(_("文件不存在：%(file)s") % {"file": file})
        started = time.perf_counter()
        if from_preview is not None:
            if dry_run:
                raise CommandError(_("--from-preview 用于确认导入，不能与 --dry-run 同时使用"))
            if columns:
                raise CommandError(_("--from-preview 按预览时的列对应关系导入，不能再指定 --map"))
            record = self._previewed(from_preview, importer, round_, path)
            try:
                record = census_import_request(
                    record=record, user=importer, commit=True, valid_only=valid_only, inline=True, **confirmed
                )
            except (PermissionDenied, ValidationError) as error:
                raise CommandError(" ".join(getattr(error, "messages", None) or [str(error) or _("没有导入权限")])) from error
        else:
            try:
                with path.open("rb") as handle:
                    record = census_import_upload(user=importer, uploaded_file=File(handle, name=path.name), campaign=round_)
            except (FileRejected, ValueError) as error:
                raise CommandError(str(error)) from error
            except (PermissionDenied, ValidationError) as error:  # a read-only user; a closed campaign
                raise CommandError(" ".join(getattr(error, "messages", None) or [str(error) or _("没有导入权限")])) from error
            if sheet or columns:
                record.sheet, record.mapping = sheet, columns
                record.save(update_fields=["sheet", "mapping"])
            record = census_import_run(record=record, commit=not dry_run, valid_only=valid_only, **confirmed)
        if record.reading.get("remembered"):
            self.stderr.write(_("已按您上次保存的列对应关系读取"))
        if record.status == ImportStatus.FAILED:
            raise CommandError(record.message)
        self.stdout.write(
            f"rows={record.rows} new={record.new} updated={record.updated} unchanged={record.unchanged} invalid={record.invalid}"
        )
        new_units = (record.reading or {}).get("new_units") or []
        if new_units and record.status == ImportStatus.PREVIEWED:
            self.stdout.write(
                _("将新建 %(n)d 个单位（确认时加 --create-units）：%(units)s")
                % {"n": len(new_units), "units": "、".join(f"{u['name']}（{u['region']}）" for u in new_units)}
            )
        for warning in record.warnings[:max_errors]:
            self.stdout.write(_("可能重复：第 %(row)d 行【%(column)s】“%(value)s”：%(reason)s") % warning)
        if record.warnings and record.status == ImportStatus.PREVIEWED:
            if record.message:
                self.stdout.write(record.message)
            self.stdout.write(_("核对后加 --accept-duplicates 确认导入"))
        for row_error in record.errors[:max_errors]:
            self.stdout.write(_("第 %(row)d 行【%(column)s】“%(value)s”：%(reason)s") % row_error)
        if record.invalid > max_errors:
            self.stdout.write(_("……共 %(n)d 行无效，完整错误报告见导入记录 #%(id)d") % {"n": record.invalid, "id": record.pk})
        self.stderr.write(f"import=#{record.pk} status={record.status} seconds={time.perf_counter() - started:.2f}")
        # Nothing written: invalid rows (refused all-or-nothing, nothing valid, or only a dry run), or a commit
        # held back (possible duplicates not confirmed).
        if record.status != ImportStatus.COMMITTED and (record.invalid or not dry_run):
            raise SystemExit(1)

    @staticmethod
    def _previewed(pk: int, importer, campaign, path: Path) -> CensusImport:
        """The importer's previewed record #pk of this campaign, for exactly this file."""
        record = CensusImport.objects.editable_by(importer).filter(pk=pk, user=importer, campaign=campaign).first()
        if record is None:
            raise CommandError(_("导入记录 #%(id)d 不存在或不属于 %(user)s") % {"id": pk, "user": importer.username})
        if record.status != ImportStatus.PREVIEWED:
            raise CommandError(_("导入记录 #%(id)d 的状态是“%(status)s”，只能确认已预览的导入") % {"id": pk, "status": record.get_status_display()})
        if file_checksum(path) != record.checksum:
            raise CommandError(_("文件 %(file)s 与导入记录 #%(id)d 预览的文件不同") % {"file": path.name, "id": pk})
        return record
