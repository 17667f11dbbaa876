"""python manage.py evaluate_coverage [--region CODE] [--date YYYY-MM-DD]"""
import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from census.coverage.selectors import coverage_rollup
from census.coverage.services import evaluate_coverage
from orgs.regions.models import Region


class Command(BaseCommand):
    help = "Re-evaluates coverage (应建) and prints, per level, required / satisfied / under way / missing."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="the region code to evaluate (default: everything)")
        parser.add_argument("--date", type=dt.date.fromisoformat, help="the date policies are chosen for")

    def handle(self, *args, region, date, **options):
        root = None
        if region:
            root = Region.objects.filter(code=region).first()
            if root is None:
                raise CommandError(f"区划代码 {region} 不存在")
        started = time.perf_counter()
        report = evaluate_coverage(root, on=date)
        seconds = time.perf_counter() - started
        for level, counts in coverage_rollup(root).items():
            self.stdout.write(
                f"{level} required={counts['required']} satisfied={counts['satisfied']} "
                f"under_way={counts['under_way']} missing={counts['missing']}"
            )
        self.stderr.write(
            f"places={report.places} created={report.created} updated={report.updated} deleted={report.deleted} "
            f"crossings={len(report.crossings)} seconds={seconds:.2f}"
        )
        if report.unruled:
            shown = "、".join(f"{name}（{code}）" for code, name in report.unruled[:20])
            more = _("等 %(n)d 个") % {"n": len(report.unruled)} if len(report.unruled) > 20 else ""
            raise CommandError(
                _("以下区划没有生效的建会门槛，结论未计算：%(regions)s%(more)s。请先在“建会门槛”中为其制定或启用门槛。")
                % {"regions": shown, "more": more}
            )
