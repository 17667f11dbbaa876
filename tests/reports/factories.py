"""Data of the report tests: a small census in 玉溪市 with known counts, plans, tasks and homes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from census.coverage.services import evaluate_coverage, policies_load
from census.registry.models import Campaign, Headcount, Person
from orgs.homes.models import Home, HomeStanding
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from orgs.regions.models import Region, RegionLevel
from qiaolian.demo.organizations import demo_organizations_create
from tasks.plans.models import Milestone, Plan, Task, TaskStatus
from tests.factories import RegionFactory, region

AS_OF = dt.date(2026, 6, 30)


def add_people(where: Region, n: int, category: str, *, prefix: str) -> None:
    """`n` registry rows at once (the coverage rules only count them; no service needed here)."""
    now = timezone.now()
    Person.objects.bulk_create([
        Person(name=f"{prefix}{i}", gender="F", birth_date=dt.date(1980, 1, 1), id_number_encrypted="x",
               id_number_hash=f"{prefix}-{where.code}-{i}", id_number_masked="5304**********0000", category=category,
               region=where, created_at=now, updated_at=now)
        for i in range(n)
    ])


@dataclass
class YuxiWorld:
    yuxi: Region
    tonghai: Region
    huaning: Region
    township: Region  # 通海县: 100 counted people, its federation under way
    village: Region  # in that township: 30 counted people, no federation
    foreign_township: Region  # 华宁县: 100 counted people, no federation
    overdue_task: Task
    foreign_task: Task


def yuxi_world(*, name_prefix: str = "") -> YuxiWorld:
    """The known census: see YuxiWorld. Coverage evaluated for 玉溪市 with the shipped policies."""
    policies_load()
    demo_organizations_create()
    User = get_user_model()
    yuxi, tonghai, huaning = region("530400"), region("530423"), region("530424")
    township = RegionFactory(parent=tonghai, code="530423501", name=f"{name_prefix}报表镇", longitude=102.75, latitude=24.1)
    village = RegionFactory(parent=township, level=RegionLevel.VILLAGE, code="530423501501", name="报表村")
    foreign = RegionFactory(parent=huaning, code="530424501", name="华宁报表镇")
    add_people(township, 70, "relative", prefix="甲")
    add_people(village, 30, "relative", prefix="乙")
    add_people(foreign, 95, "returned", prefix="丙")
    add_people(foreign, 5, "student", prefix="丁")
    # Adding regions moved the MPTT ranges: fetch the regions again.
    yuxi, tonghai, huaning = region("530400"), region("530423"), region("530424")
    org = Organization.objects.create(name="报表镇侨联", kind=OrganizationKind.TOWNSHIP, status=OrganizationStatus.DRAFTING, region=township)
    Home.objects.create(organization=org, name="报表镇侨胞之家", standing=HomeStanding.PARTIAL)
    county_org = Organization.objects.get(region__code="530402", kind=OrganizationKind.COUNTY)
    Home.objects.create(organization=county_org, name="红塔区侨胞之家", standing=HomeStanding.FULL)
    evaluate_coverage(yuxi, on=AS_OF)

    earlier = Campaign.objects.create(year=2025, name="2025年度玉溪市侨情调查", region=yuxi, is_open=False)
    Headcount.objects.create(campaign=earlier, region=township, category="relative", count=60)
    Headcount.objects.create(campaign=earlier, region=foreign, category="returned", count=80)

    plan = Plan.objects.create(title="玉溪市基层侨联组织建设实施方案", scope_region=yuxi, issuing_body="玉溪市侨联")
    first = Milestone.objects.create(plan=plan, name="完成乡镇侨联组建", deadline=dt.date(2026, 6, 1))
    Milestone.objects.create(plan=plan, name="完成村级侨联组建", deadline=dt.date(2026, 12, 31))
    official = User.objects.get(username="tonghai_official")
    overdue = Task.objects.create(plan=plan, milestone=first, title=f"{name_prefix}组建报表镇侨联", region=township,
                                  responsible_unit="通海县侨联", deadline=dt.date(2026, 5, 1), status=TaskStatus.IN_PROGRESS)
    overdue.responsible_users.add(official)
    Task.objects.create(plan=plan, milestone=first, title="通海县摸底", region=tonghai, responsible_unit="通海县委统战部",
                        deadline=dt.date(2026, 4, 1), status=TaskStatus.DONE, completed_on=dt.date(2026, 3, 30))
    foreign_task = Task.objects.create(plan=plan, milestone=first, title="组建华宁报表镇侨联", region=foreign,
                                       responsible_unit="华宁县侨联", deadline=dt.date(2026, 5, 15))
    return YuxiWorld(yuxi, tonghai, huaning, township, village, foreign, overdue, foreign_task)
