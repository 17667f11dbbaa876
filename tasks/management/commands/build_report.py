"""python manage.py build_report --region CODE --format pdf|xlsx --out PATH [--date YYYY-MM-DD]"""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.regions.models import Region
from tasks.reports.models import ReportFormat
from tasks.reports.services import report_render


class Command(BaseCommand):
    help = "同步生成一份进度报告（PDF 或 Excel）。Builds one progress report synchronously."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="区划代码，如 530400")
        parser.add_argument("--format", required=True, choices=ReportFormat.values)
        parser.add_argument("--out", required=True, help="输出文件路径")
        parser.add_argument("--date", help="统计截止日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args, **options):

        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(_("区划代码不存在：%(code)s") % {"code": options["region"]})
        try:
            as_of = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError(_("日期格式应为 YYYY-MM-DD：%(value)s") % {"value": options["date"]}) from None
        started = time.perf_counter()
        try:
            content = report_render(region, fmt=options["format"], as_of=as_of)
        except Exception as error:
            raise CommandError(_("报告生成失败：%(reason)s") % {"reason": error}) from error
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
        seconds = time.perf_counter() - started
        self.stdout.write(f"wrote {out} bytes={len(content)} seconds={seconds:.2f}")
