"""python manage.py benchmark_reports [--region CODE] [--user NAME] [--prepare]: dashboard and Excel figures.

Prints `name=value` lines (tests/benchmarks/reports_bench.py reads them): the dashboard's server time for a
province-scope user, cold (empty cache, figures computed) and warm (cached), median of several requests; the
Excel report's build time. `--prepare` first adds what the synthetic census lacks: a plan with milestones and
one task per gap (a third of them overdue), and a 侨胞之家 for each organization; then what issue 17 reports on:
for each founded organization a leading body, two staff posts, budget funding for half of them, responsible
people for two thirds, a volunteer; a training per county with its cadres and volunteers attending; a city
scoring sheet and a yearly assessment of every founded organization; a designation for every third home at 五有达标."""
from __future__ import annotations

import datetime as dt
import statistics
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.test import Client
from django.utils import timezone

from census.coverage.models import Requirement
from orgs.assessments.models import AssessmentScore, OrganizationAssessment, ScoringItem, ScoringSheet
from orgs.homes.models import DesignationKind, DesignationLevel, Home, HomeDesignation, HomeStanding
from orgs.organizations.models import LeaderPosition, LeadershipMember, Organization
from orgs.regions.models import Region
from orgs.staffing.models import PostFunding, StaffPost
from orgs.training.models import AttendeeRole, Training, TrainingAttendance, Volunteer
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


def _prepare_issue17(root: Region) -> int:
    """Staffing, training, volunteers, assessments and designations at the province's scale (bulk, once)."""
    if Training.objects.filter(topic="基准测试培训").exists():
        return Training.objects.count()
    today = timezone.localdate()
    # The synthetic census founds few organizations: a township federation in every township and a village one in
    # every fourth village (bulk, coverage not re-evaluated) give these records a province's volume.
    taken = set(Organization.objects.within(root).values_list("region_id", flat=True))
    places = Region.objects.filter(tree_id=root.tree_id, lft__gte=root.lft, rght__lte=root.rght, level__in=["township", "village"])
    Organization.objects.bulk_create(
        [Organization(name=f"{name}侨联", kind=level, region_id=pk, status="active", founded_on=today - dt.timedelta(days=500))
         for i, (pk, name, level) in enumerate(places.order_by("pk").values_list("pk", "name", "level"))
         if pk not in taken and (level == "township" or i % 4 == 0)], batch_size=5000)
    founded = list(Organization.objects.within(root).filter(status="active").values_list("pk", "region_id", "kind"))
    Organization.objects.filter(pk__in=[pk for pk, *_r in founded[::2]]).update(budget_funded=True, budget_amount=Decimal("5.00"))
    Organization.objects.filter(pk__in=[pk for i, (pk, *_r) in enumerate(founded) if i % 3]).update(
        responsible_leader="张分管", daily_affairs_cadre="李干事")
    LeadershipMember.objects.bulk_create(
        [LeadershipMember(organization_id=pk, name=f"主席{pk}", position=LeaderPosition.CHAIR, term_start=today - dt.timedelta(days=400))
         for pk, *_r in founded], batch_size=5000)
    StaffPost.objects.bulk_create(
        [StaffPost(organization_id=pk, title=title, holder=f"{title}{pk}", employment=employment, funding=funding)
         for pk, *_r in founded for title, employment, funding in (
             ("专职副主席", "full_time", PostFunding.values[0]), ("联络员", "part_time", PostFunding.values[-1]))],
        batch_size=5000)
    Volunteer.objects.bulk_create(
        [Volunteer(organization_id=pk, name=f"志愿者{pk}", joined_on=today - dt.timedelta(days=100)) for pk, *_r in founded],
        batch_size=5000)
    leaders = dict(LeadershipMember.objects.filter(organization_id__in=[pk for pk, *_r in founded]).values_list("organization_id", "pk"))
    volunteers = dict(Volunteer.objects.filter(organization_id__in=[pk for pk, *_r in founded]).values_list("organization_id", "pk"))
    county_of: dict[int, int] = {}
    counties = list(Region.objects.filter(tree_id=root.tree_id, lft__gte=root.lft, rght__lte=root.rght, level="county")
                    .values_list("pk", "lft", "rght"))
    regions = dict(Region.objects.filter(tree_id=root.tree_id, lft__gte=root.lft, rght__lte=root.rght).values_list("pk", "lft"))
    for pk, region_id, _kind in founded:
        lft = regions.get(region_id)
        county_of[pk] = next((c for c, lo, hi in counties if lo <= (lft or -1) <= hi), 0)
    organizer_of_county: dict[int, int] = {}
    for pk, _region, kind in founded:
        if county_of[pk] and (kind == "county" or county_of[pk] not in organizer_of_county):
            organizer_of_county[county_of[pk]] = pk
    trainings = Training.objects.bulk_create(
        [Training(organizer_id=org, held_on=today - dt.timedelta(days=30), topic="基准测试培训", hours=Decimal("8.0"))
         for org in organizer_of_county.values()], batch_size=2000)
    training_of_county = {county: t.pk for county, t in zip(organizer_of_county, trainings, strict=True)}
    attendance = []
    for pk, *_r in founded:
        training = training_of_county.get(county_of[pk])
        if training is None:
            continue
        attendance.append(TrainingAttendance(training_id=training, role=AttendeeRole.CADRE, leader_id=leaders[pk], name=f"主席{pk}", organization_id=pk))
        attendance.append(TrainingAttendance(training_id=training, role=AttendeeRole.VOLUNTEER, volunteer_id=volunteers[pk], name=f"志愿者{pk}", organization_id=pk))
    TrainingAttendance.objects.bulk_create(attendance, batch_size=5000)
    cities = Region.objects.filter(tree_id=root.tree_id, lft__gte=root.lft, rght__lte=root.rght, level="city")
    sheet_items: dict[int, list[ScoringItem]] = {}
    for city in cities:
        sheet = ScoringSheet.objects.create(region=city, year=today.year, name="基准测试评分表",
                                            grades=[{"name": "优秀", "min": 90}, {"name": "良好", "min": 80}, {"name": "合格", "min": 60}, {"name": "不合格", "min": 0}])
        sheet_items[sheet.pk] = ScoringItem.objects.bulk_create(
            [ScoringItem(sheet=sheet, title=title, max_points=Decimal(points), order=i)
             for i, (title, points) in enumerate((("组织建设", "40"), ("队伍建设", "30"), ("活动开展", "30")))])
    sheet_by_tree = {c.pk: s for c, s in zip(cities, sheet_items, strict=True)}
    city_ranges = list(cities.values_list("pk", "lft", "rght"))
    assessments = []
    for i, (pk, region_id, _kind) in enumerate(founded):
        lft = regions.get(region_id, -1)
        city = next((c for c, lo, hi in city_ranges if lo <= lft <= hi), None)
        if city is None:
            continue
        total = Decimal(55 + (i * 7) % 45)
        grade = "优秀" if total >= 90 else "良好" if total >= 80 else "合格" if total >= 60 else "不合格"
        assessments.append(OrganizationAssessment(organization_id=pk, year=today.year, sheet_id=sheet_by_tree[city], total=total,
                                                  grade=grade, assessed_on=today - dt.timedelta(days=10)))
    OrganizationAssessment.objects.bulk_create(assessments, batch_size=5000)
    AssessmentScore.objects.bulk_create(
        [AssessmentScore(assessment=a, item=item, points=min(item.max_points, a.total / 3))
         for a in assessments for item in sheet_items[a.sheet_id]], batch_size=5000)
    homes = Home.objects.within(root).filter(standing=HomeStanding.FULL, designations__isnull=True).values_list("pk", flat=True)
    HomeDesignation.objects.bulk_create(
        [HomeDesignation(home_id=pk, kind=DesignationKind.DEMONSTRATION, level=DesignationLevel.CITY,
                         awarded_on=today - dt.timedelta(days=20), awarded_by="市侨联")
         for i, pk in enumerate(homes) if i % 3 == 0], batch_size=5000)
    return len(founded)


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
            self.stdout.write(f"founded={_prepare_issue17(root)} trainings={Training.objects.count()} "
                              f"attendance={TrainingAttendance.objects.count()} assessments={OrganizationAssessment.objects.count()}")
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
