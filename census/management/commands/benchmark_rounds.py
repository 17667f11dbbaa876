"""python manage.py benchmark_rounds [--people 50000] [--year 2099] [--seed 16]

The census round steps at county scale (issue 16 §1): builds 通海县 with `--people` people (synthetic, as
`generate_census` does) unless it has them, opens a round over 玉溪市 as yuxi_staff, then times 通海县's submission
(tonghai_official) and its first approval (yuxi_staff: the snapshot of every person), reopens it, changes about 1% of
the people (added, moved out, moved inside, of another category), and times "what changed since the last approval"
(counts by category and the first people of each kind, as the approval page shows them) and the second submission and
approval. Needs the demo users (`load_demo`). Prints key=value figures; targets: submit and approve < 2 s, the
changes < 500 ms."""
from __future__ import annotations

import random
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from census.importing.synthetic import Scale, generate_people, generate_regions, generate_units
from census.registry.headcounts import headcounts_rebuild
from census.registry.models import Campaign, CampaignReport, Category, Person
from census.rounds.selectors import changes_since_approval
from census.rounds.services import report_approve, report_reopen, report_submit, round_open
from orgs.common.bulk import analyze
from orgs.regions.models import Region, RegionLevel
from orgs.units.models import Unit

COUNTY, CITY, NEIGHBOUR = "530423", "530400", "530424"


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


class Command(BaseCommand):
    help = "Times submitting, approving and the changes since the last approval for a county of 50,000 people."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=50_000)
        parser.add_argument("--year", type=int, default=2099, help="a year no real round has (the demo has 2026)")
        parser.add_argument("--seed", type=int, default=16)
        parser.add_argument("--repeat", type=int, default=5, help="runs of the changes view (the median is reported)")

    def handle(self, *args, people, year, seed, repeat, **options):
        settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"  # the steps' messages, not timed
        users = get_user_model().objects.in_bulk(["yuxi_staff", "tonghai_official"], field_name="username")
        if len(users) != 2:
            raise CommandError("the demo users are missing: run `manage.py load_demo` first")
        staff, official = users["yuxi_staff"], users["tonghai_official"]
        county = Region.objects.get(code=COUNTY)
        rng = random.Random(seed)
        if Campaign.objects.filter(year=year, region__code=CITY).exists():
            raise CommandError(f"a {year} round over {CITY} exists already: use another --year or a fresh database")

        started = time.perf_counter()
        campaign = round_open(editor=staff, year=year, region=Region.objects.get(code=CITY), name=f"{year}年度玉溪市侨情调查（基准）")
        have = Person.objects.within(county).count()
        if have < people:
            self._county(people - have, rng, campaign)
            county.refresh_from_db()  # its subtree grew: new townships and villages
        headcounts_rebuild(campaign=campaign)
        analyze(Region, Unit, Person)
        total = Person.objects.within(county).count()
        self.stdout.write(f"people={total} setup_seconds={time.perf_counter() - started:.1f}")

        report = CampaignReport.objects.select_related("region", "campaign").get(campaign=campaign, region=county)
        started = time.perf_counter()
        report_submit(report=report, actor=official)
        submit_ms = _ms(started)
        started = time.perf_counter()
        report_approve(report=report, actor=staff)
        approve_ms = _ms(started)
        started = time.perf_counter()
        report_reopen(report=report, actor=staff, reason="基准：补录")
        reopen_ms = _ms(started)

        expected = self._change_one_percent(county, total, rng, campaign)
        timings = []
        for _ in range(max(1, repeat)):
            started = time.perf_counter()
            changes = changes_since_approval(report, user=staff)
            timings.append(_ms(started))
        found = {key: changes.total(key) for key in expected}
        if found != expected:
            raise CommandError(f"the changes found {found} are not the changes made {expected}")

        started = time.perf_counter()
        report_submit(report=report, actor=official)
        resubmit_ms = _ms(started)
        started = time.perf_counter()
        report_approve(report=report, actor=staff)
        reapprove_ms = _ms(started)
        self.stdout.write(
            f"submit_ms={submit_ms:.0f} approve_ms={approve_ms:.0f} reopen_ms={reopen_ms:.0f} "
            f"diff_ms={statistics.median(timings):.0f} diff_first_ms={timings[0]:.0f} "
            f"resubmit_ms={resubmit_ms:.0f} reapprove_ms={reapprove_ms:.0f} "
            + " ".join(f"{key}={value}" for key, value in found.items())
        )

    @transaction.atomic
    def _county(self, people: int, rng: random.Random, campaign: Campaign) -> None:
        """The county's townships, villages, units and people, as `generate_census --scale county` builds them."""
        scale = Scale(COUNTY, 10, 10, 100, people)
        generate_regions(scale, rng)
        generate_units(scale, rng)
        generate_people(scale, rng, campaign)

    @transaction.atomic
    def _change_one_percent(self, county: Region, total: int, rng: random.Random, campaign: Campaign) -> dict[str, int]:
        """About 1% of the county changed in bulk (the changes view reads the result, however it was made): 0.2% added,
        0.1% moved out to 华宁县, 0.4% moved to another village of the county, 0.3% of another category now."""
        share = max(total // 1000, 1)
        ids = list(Person.objects.within(county).values_list("pk", flat=True))
        rng.shuffle(ids)
        out, inside, recategorized = ids[:share], ids[share : 5 * share], ids[5 * share : 8 * share]
        villages = list(Region.objects.within(county).filter(level=RegionLevel.VILLAGE).values_list("pk", flat=True))
        Person.objects.filter(pk__in=out).update(region=Region.objects.get(code=NEIGHBOUR), unit=None)
        current = dict(Person.objects.filter(pk__in=inside).values_list("pk", "region_id"))
        for pk in inside:
            Person.objects.filter(pk=pk).update(region_id=rng.choice([v for v in villages if v != current[pk]]))
        categories = dict(Person.objects.filter(pk__in=recategorized).values_list("pk", "category"))
        for pk in recategorized:
            Person.objects.filter(pk=pk).update(category=rng.choice([c for c in Category.values if c != categories[pk]]))
        added = generate_people(Scale(COUNTY, 10, 10, 100, 2 * share), rng, campaign)
        return {"added": added, "removed": len(out), "moved": len(inside), "recategorized": len(recategorized)}
