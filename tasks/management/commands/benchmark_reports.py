"""python manage.py benchmark_reports [--region CODE] [--user NAME] [--prepare]: dashboard and Excel figures.

Prints `name=value` lines (tests/benchmarks/reports_bench.py reads them): the dashboard's server time for a
province-scope user, cold (empty cache, figures computed) and warm (cached), median of several requests; the
Excel report's build time. `--prepare` first adds what the synthetic census lacks: a plan with milestones and
one task per gap (a third of them overdue), and a 侨胞之家 for each organization."""
from __future__ import annotations

import datetime as dt
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.test import Client
from django.utils import timezone

from census.coverage.models import Requirement
from orgs.homes.models import Home, HomeStanding
from orgs.organizations.models import Organization
from orgs.regions.models import Region
from tasks.plans.models import Milestone, Plan, Task, TaskStatus
from tasks.reports.data import report_data
from tasks.reports.services import report_render


def _prepare(root: Region) -> int:
    if Plan.objects.filter(title="基准测试实施方案").exists():
        return Task.objects.count()
    today = timezone.localdate()
    plan = Plan.objects.create(title="基准测试实施方案", scope_region=root, issuing_body=f"{root.name}侨联")
    milestones = [
        Milestone.objects.create(plan=plan, name=name, deadline=today + dt.timedelta(days=days))
        for name, days in (("完成县级侨联组建", -60), ("完成乡镇侨联组建", 30), ("完成村级侨联组建", 200))
    ]
    gaps = Requirement.objects.within(root).filter(verdict="required").exclude(status="satisfied").values_list("region_id", "level")
    level_milestone = {"county": milestones[0], "township": milestones[1]}
    tasks = [
        Task(plan=plan, milestone=level_milestone.get(level, milestones[2]), title=f"组建侨联（{i}）", region_id=region_id,
             responsible_unit="县侨联", deadline=today + dt.timedelta(days=(-30 if i % 3 == 0 else 60)),
             status=TaskStatus.IN_PROGRESS if i % 2 else TaskStatus.TODO)
        for i, (region_id, level) in enumerate(gaps)
    ]
    Task.objects.bulk_create(tasks, batch_size=2000)
    homes = [Home(organization_id=pk, name=f"{name}侨胞之家", standing=[HomeStanding.FULL, HomeStanding.PARTIAL, HomeStanding.NOT_ASSESSED][pk % 3])
             for pk, name in Organization.objects.filter(home__isnull=True).values_list("pk", "name")]
    Home.objects.bulk_create(homes)
    return len(tasks)


class Command(BaseCommand):
    help = "Measures the dashboard and the Excel report (see tests/benchmarks/reports_bench.py)."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="530000")
        parser.add_argument("--user", default="yunnan_staff")
        parser.add_argument("--prepare", action="store_true")

    def handle(self, *args, region, user, prepare, **options):

        root = Region.objects.get(code=region)
        if prepare:
            self.stdout.write(f"tasks={_prepare(root)}")
        client = Client()
        client.force_login(get_user_model().objects.get(username=user))
        client.get("/healthz")  # connection and URL resolvers warmed
        cold, warm = [], []
        for _ in range(5):
            cache.clear()
            started = time.perf_counter()
            status = client.get(f"/dashboard/{region}/").status_code
            cold.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            client.get(f"/dashboard/{region}/")
            warm.append((time.perf_counter() - started) * 1000)
        self.stdout.write(f"dashboard_status={status} dashboard_cold_ms={statistics.median(cold):.0f} "
                          f"dashboard_warm_ms={statistics.median(warm):.0f}")
        started = time.perf_counter()
        api = client.get("/api/dashboard/", {"region": region})
        self.stdout.write(f"api_status={api.status_code} api_warm_ms={(time.perf_counter() - started) * 1000:.0f}")
        started = time.perf_counter()
        content = report_render(root, fmt="xlsx", as_of=timezone.localdate())
        self.stdout.write(f"xlsx_seconds={time.perf_counter() - started:.2f} xlsx_bytes={len(content)}")

        data = report_data(root, as_of=timezone.localdate())
        self.stdout.write(f"gaps={len(data.gaps)} overdue={data.overdue_count} areas={len(data.areas)} homes={len(data.homes)}")
