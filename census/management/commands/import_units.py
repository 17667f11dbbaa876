"""python manage.py import_units FILE --user USERNAME [--region CODE] [--commit] [--valid-only]

Imports a unit list (单位名录: 单位名称, 单位类别, 所在区划, 统一社会信用代码, 两新组织) through the same services as the
upload page: the file is kept with an import record, previewed (printing what it would do and each invalid row),
and with --commit written in one transaction (all-or-nothing, or the valid rows only with --valid-only)."""
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from census.importing.models import ImportStatus
from census.importing.reading import FileRejected
from census.importing.services import unit_import_commit, unit_import_preview, unit_import_upload
from orgs.regions.selectors import region_by_code


class Command(BaseCommand):
    help = "Imports a unit list (.xlsx, .xls or .csv) as the unit import page does: preview, then (--commit) write."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="the importing user: their scope applies")
        parser.add_argument("--region", default="", help="the import's region (code): every place must lie in it (default: the user's region)")
        parser.add_argument("--commit", action="store_true", help="write the units (without it: preview only, nothing written)")
        parser.add_argument("--valid-only", action="store_true", help="with --commit: write the valid rows, skip the invalid ones")
        parser.add_argument("--max-errors", type=int, default=20)

    def handle(self, *args, file, user, region, commit, valid_only, max_errors, **options):
        try:
            importer = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(_("用户 %(user)s 不存在") % {"user": user}) from None
        place = None
        if region:
            place = region_by_code(region.strip())
            if place is None:
                raise CommandError(_("区划代码“%(code)s”不存在") % {"code": region})
        path = Path(file)
        if not path.exists():
            raise CommandError(_("文件不存在：%(file)s") % {"file": file})
        started = time.perf_counter()
        try:
            with path.open("rb") as handle:
                record = unit_import_upload(user=importer, uploaded_file=File(handle, name=path.name), region=place)
            record = unit_import_preview(record=record, user=importer)
            if commit and record.status == ImportStatus.PREVIEWED:
                record = unit_import_commit(record=record, user=importer, valid_only=valid_only)
        except FileRejected as error:
            raise CommandError(str(error)) from error
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", None) or [str(error) or _("没有导入权限")])) from error
        if record.status == ImportStatus.FAILED:
            raise CommandError(record.message)
        self.stdout.write(
            f"rows={record.rows} new={record.new} updated={record.updated} unchanged={record.unchanged} invalid={record.invalid}"
        )
        for row_error in record.errors[:max_errors]:
            self.stdout.write(_("第 %(row)d 行【%(column)s】“%(value)s”：%(reason)s") % row_error)
        if record.invalid > max_errors:
            self.stdout.write(_("……共 %(n)d 行无效，完整错误报告见导入记录 #%(id)d") % {"n": record.invalid, "id": record.pk})
        if record.message:
            self.stdout.write(record.message)
        self.stderr.write(f"import=#{record.pk} status={record.status} seconds={time.perf_counter() - started:.2f}")
        if commit and record.status != ImportStatus.COMMITTED:
            raise SystemExit(1)
