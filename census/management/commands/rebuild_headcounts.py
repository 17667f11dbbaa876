"""python manage.py rebuild_headcounts [--campaign YEAR]

Recounts the headcounts of open campaigns from the registry. Census writes keep them current on
their own (an edit recounts its places, an import adds its changes); this is the repair after
anything that bypassed them, such as a restored backup or a correction made in SQL."""
import time

from django.core.management.base import BaseCommand, CommandError

from census.registry.headcounts import headcounts_rebuild
from census.registry.models import Campaign


class Command(BaseCommand):
    help = "Recounts the headcounts of open campaigns from the registry (closed campaigns are frozen snapshots)."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, metavar="YEAR", help="only the open campaigns of this year")

    def handle(self, *args, campaign, **options):
        campaigns = Campaign.objects.filter(is_open=True).select_related("region").order_by("year", "pk")
        if campaign is not None:
            campaigns = campaigns.filter(year=campaign)
            if not campaigns.exists():
                raise CommandError(f"没有 {campaign} 年度的进行中的调查")
        for round_ in campaigns:
            started = time.perf_counter()
            rows = headcounts_rebuild(campaign=round_)
            self.stdout.write(f"campaign={round_.year} region={round_.region.code} rows={rows} seconds={time.perf_counter() - started:.2f}")
