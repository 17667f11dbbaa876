"""python manage.py generate_census --scale demo|county|province|nation --seed N
   python manage.py generate_census --sheet ROWS --region CODE --out FILE [--format xlsx|csv]"""
import time

from django.core.management.base import BaseCommand, CommandError

from census.importing.synthetic import SCALES, generate_census, write_census_sheet


class Command(BaseCommand):
    help = "Builds deterministic synthetic census data, or writes a census spreadsheet for import benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), help="dataset to build under the real county tree")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--sheet", type=int, metavar="ROWS", help="write a spreadsheet of ROWS new people instead")
        parser.add_argument("--region", default="530423", help="with --sheet: the region the people live in")
        parser.add_argument("--out", help="with --sheet: the file to write")
        parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")

    def handle(self, *args, scale, seed, sheet, region, out, format, **options):
        started = time.perf_counter()
        if sheet:
            if not out:
                raise CommandError("--sheet needs --out FILE")
            write_census_sheet(out, rows=sheet, region_code=region, seed=seed, fmt=format)
            self.stdout.write(f"sheet rows={sheet} file={out} seconds={time.perf_counter() - started:.1f}")
            return
        if not scale:
            raise CommandError("give --scale or --sheet")
        report = generate_census(scale, seed)
        self.stdout.write(
            f"scale={scale} townships={report.townships} villages={report.villages} units={report.units} "
            f"people={report.people} seconds={time.perf_counter() - started:.1f}"
        )
