"""python manage.py import_regions FILE [--skip-invalid] [--dry-run]"""
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from orgs.common.audit import AuditEvent, audit_event
from orgs.regions.models import Region
from orgs.regions.services import RegionFileError, regions_import_file


class Command(BaseCommand):
    help = "Upserts regions by code from a CSV (code,name,level,parent_code[,longitude,latitude,kind,is_key_area])."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, report the rest")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--max-errors", type=int, default=50, help="how many errors to print")

    def handle(self, *args, file, skip_invalid, dry_run, max_errors, **options):
        started = time.perf_counter()
        try:
            result = regions_import_file(file, skip_invalid=skip_invalid, dry_run=dry_run)
        except (OSError, RegionFileError) as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{result.summary()} seconds={elapsed:.2f}")
        for row_error in result.errors[:max_errors]:
            self.stderr.write(str(row_error))
        if len(result.errors) > max_errors:
            self.stderr.write(_("……另有 %(n)d 个错误") % {"n": len(result.errors) - max_errors})
        if result.written:
            audit_event(
                event=AuditEvent.IMPORT,
                model=Region,
                description=_("导入行政区划：%(summary)s") % {"summary": result.summary()},
                data={"file": str(file), **{k: getattr(result, k) for k in ("created", "updated", "unchanged", "invalid")}},
            )
        elif result.invalid and skip_invalid:
            raise CommandError(_("文件有 %(n)d 行无效，没有有效行，未写入任何数据") % {"n": result.invalid})
        elif result.invalid:
            raise CommandError(_("文件有 %(n)d 行无效，未写入任何数据（可用 --skip-invalid 只导入有效行）") % {"n": result.invalid})
