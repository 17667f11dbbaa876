"""python manage.py benchmark_units [--province CODE] [--units N]: the unit directory (单位名录) at province scale.

When the province holds fewer than N units (20,000 by default), builds them once, deterministically: townships
under every county that has none, units spread over the counties and townships (kinds, 两新组织 and credit codes
varied), people working in some of them, organizations in a few, and the verdicts evaluated. Then prints
`name=value` lines: the server time of the unit list (median of 6 requests after a warm-up, in-process through the
Django test client) for a province staff user and a city staff user (`unit_list_ms_<user>=`), filtered, searched
and deep pages, the unit page, and the API list, with the queries of one list request."""
from __future__ import annotations

import math
import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from census.coverage.services import evaluate_coverage, policies_load
from census.importing.synthetic import Scale, generate_people, generate_regions, generate_units
from census.registry.models import Campaign, Person
from orgs.common.bulk import analyze
from orgs.common.identifiers import uscc_check_char
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from orgs.regions.models import Region, RegionLevel
from orgs.units.models import Unit

SAMPLES = 6
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _median_ms(action, times: int = SAMPLES) -> float:
    action()  # warm-up
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _counted(client, url: str) -> tuple[int, int]:
    """One request's status and the number of SQL statements it ran."""
    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        status = client.get(url).status_code
    return status, len(statements)


def _credit_code(rng: random.Random, county_code: str) -> str:
    first17 = "91" + county_code + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return first17 + uscc_check_char(first17)


class Command(BaseCommand):
    help = "Measures the unit directory (list, page, API) at province scale (builds the units once if missing)."

    def add_arguments(self, parser):
        parser.add_argument("--province", default="530000")
        parser.add_argument("--units", type=int, default=20_000)
        parser.add_argument("--people", type=int, default=30_000, help="people to generate when building (40%% of them in units)")
        parser.add_argument("--users", default="yunnan_staff,yuxi_staff", help="the users to measure the list for")
        parser.add_argument("--seed", type=int, default=15)

    def handle(self, *args, province, units, people, users, seed, **options):
        root = Region.objects.filter(code=province).first()
        if root is None:
            raise CommandError(f"region {province} does not exist: run load_demo first")
        have = Unit.objects.within(root).count()
        if have < units:
            started = time.perf_counter()
            built = self._build(root, units - have, people, seed)
            self.stdout.write(f"built_units={built} build_seconds={time.perf_counter() - started:.1f}")
        self.stdout.write(f"units={Unit.objects.within(root).count()} organizations_in_units={Organization.objects.filter(unit__isnull=False).count()}")
        User = get_user_model()
        sample = Unit.objects.within(root).filter(persons__isnull=False).order_by("pk").first() or Unit.objects.within(root).first()
        for username in [u for u in users.split(",") if u]:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"user {username} does not exist: run load_demo first")
            client = Client()
            client.force_login(user)
            api = APIClient()
            api.force_login(user)
            pages = {
                f"unit_list_ms_{username}": "/census/units/",
                f"unit_list_filtered_ms_{username}": "/census/units/?kind=enterprise&kind=school&has_organization=false&is_two_new=false",
                f"unit_list_search_ms_{username}": "/census/units/?q=%E4%B8%AD%E5%AD%A6",  # 中学
                f"unit_list_page100_ms_{username}": "/census/units/?page=100",
                f"unit_api_ms_{username}": "/api/units/",
            }
            for name, url in pages.items():
                caller = api if name.startswith("unit_api") else client
                status, queries = _counted(caller, url)
                self.stdout.write(f"{name}={_median_ms(lambda c=caller, u=url: c.get(u)):.0f} status={status} queries={queries}")
            if sample is not None:
                url = f"/census/units/{sample.pk}/"
                status = client.get(url).status_code
                self.stdout.write(f"unit_detail_ms_{username}={_median_ms(lambda c=client, u=url: c.get(u)):.0f} status={status}")

    @transaction.atomic
    def _build(self, root: Region, wanted: int, people: int, seed: int) -> int:
        rng = random.Random(seed)
        counties = Region.objects.filter(level=RegionLevel.COUNTY).within(root).count()
        if not counties:
            raise CommandError(f"{root.full_name} has no counties")
        per_county = math.ceil(wanted / counties)
        scale = Scale(root.code, 12, 0, per_county, people)
        generate_regions(scale, rng)
        root.refresh_from_db()  # the new townships moved its tree coordinates
        built = generate_units(scale, rng)
        fresh = list(Unit.objects.within(root).filter(credit_code="").select_related("region").order_by("pk"))
        coded = [u for u in fresh if rng.random() < 0.3]
        for unit in coded:
            unit.credit_code = _credit_code(rng, unit.region.code[:6])
        Unit.objects.bulk_update(coded, ["credit_code"], batch_size=5000)
        campaign, _ = Campaign.objects.get_or_create(year=2026, region=root, defaults={"name": f"2026年度{root.name}侨情调查"})
        generate_people(scale, rng, campaign)  # beside any people already registered (the demo's, in 玉溪市)
        founded = [
            Organization(name=f"{u.name}侨联", kind=OrganizationKind.ENTERPRISE, region_id=u.region_id, unit=u,
                         status=rng.choice([OrganizationStatus.ACTIVE, OrganizationStatus.PLANNED]))
            for u in fresh if rng.random() < 0.02
        ]
        Organization.objects.bulk_create(founded, batch_size=5000)
        analyze(Region, Unit, Person, Organization)
        policies_load()
        evaluate_coverage(root)
        return built
