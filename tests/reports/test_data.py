"""The report data selector: its figures are the stored verdicts that evaluate_coverage wrote, and an
independent in-memory evaluation agrees; a fixed number of queries whatever the scope."""
from __future__ import annotations

import pytest
from django.db.models import Count

from census.coverage.models import Requirement
from census.coverage.services import coverage_what_if
from orgs.homes.models import Home
from orgs.regions.models import Region
from tasks.reports.data import report_data
from tests.factories import region
from tests.reports.factories import AS_OF

pytestmark = pytest.mark.django_db


def requirement_counts(root):
    counts = {}
    for row in Requirement.objects.within(root).filter(verdict="required").values("level", "status").annotate(n=Count("pk")):
        counts.setdefault(row["level"], {})[row["status"]] = row["n"]
    return counts


def test_levels_agree_with_requirements_and_evaluation(world):
    data = report_data(world.yuxi, as_of=AS_OF)
    stored = requirement_counts(world.yuxi)
    evaluated = coverage_what_if(world.yuxi, thresholds={}, on=AS_OF).current
    for level, c in data.levels.items():
        assert c.required == sum(stored.get(level, {}).values()) == evaluated[level]["required"]
        assert c.satisfied == stored.get(level, {}).get("satisfied", 0) == evaluated[level]["satisfied"]
        assert c.under_way == stored.get(level, {}).get("under_way", 0) == evaluated[level]["under_way"]
        assert c.missing == stored.get(level, {}).get("missing", 0) == evaluated[level]["missing"]
    county = data.levels["county"]
    assert (county.satisfied, county.required, county.percent) == (3, 9, 33.3)
    assert data.gaps_missing == len([g for g in data.gaps if g.status == "missing"])
    assert data.gaps_under_way == len([g for g in data.gaps if g.status == "under_way"]) >= 1


def test_areas_are_the_counties_and_sum_to_the_scope(world):
    data = report_data(world.yuxi, as_of=AS_OF)
    assert [a.region.code for a in data.areas][:2] == ["530402", "530403"]
    assert len(data.areas) == 9
    for field in ("required", "satisfied", "under_way", "missing"):
        assert sum(getattr(a, field) for a in data.areas) == sum(getattr(c, field) for c in data.levels.values())
    tonghai = next(a for a in data.areas if a.region.code == "530423")
    assert tonghai.levels["township"].under_way >= 1
    assert all(a.longitude for a in data.map_points) and len(data.map_points) == 9


def test_tasks_people_homes_and_rounds(world):
    data = report_data(world.yuxi, as_of=AS_OF)
    assert [t.title for t in data.overdue_tasks] == [world.overdue_task.title, world.foreign_task.title]
    first = data.overdue_tasks[0]
    assert (first.responsible_unit, first.days_late) == ("通海县侨联", 60)
    assert "通海县统战部干部" in first.responsible_people or "tonghai_official" in first.responsible_people
    milestone = data.milestones[0]
    assert (milestone.tasks_done, milestone.tasks_total, milestone.days_left) == (1, 3, -29)
    assert data.people_by_category["relative"] == 100 and data.people_by_category["returned"] == 95
    assert data.people_total == 200
    homes = Home.objects.filter(organization__region__in=Region.objects.filter(code__startswith="5304"))
    assert data.home_standing == {s: homes.filter(standing=s).count() for s in ("not_assessed", "partial", "full")}
    assert {"报表镇侨胞之家", "红塔区侨胞之家"} <= {h.name for h in data.homes} and len(data.homes) == homes.count()
    assert [(r.year, r.total) for r in data.census_rounds] == [(2025, 140)]


def test_county_scope_sees_only_its_county(world):
    data = report_data(world.tonghai, as_of=AS_OF)
    assert [t.title for t in data.overdue_tasks] == [world.overdue_task.title]
    assert data.people_total == 100
    assert all(g.region_code.startswith("530423") for g in data.gaps)
    assert "530423501" in [a.region.code for a in data.areas]  # the townships
    assert data.map_points[0].region.code == "530423"


def test_fixed_number_of_queries(world, django_assert_max_num_queries):
    # issue 16 §3 added four: organizations (1+N, 1+Y, WeChat standing), 1+N and 1+Y associations, WeChat groups;
    # §1 up to three for the census round the figures are based on and its reporting rate; issue 17 §2 four for the
    # staffing figures (responsible people, posts, establishments, the list of organizations with a gap); §4 two:
    # designations by level and kind, open nominations; §3 two: the people trained and the training sessions;
    # §4 three: funding, the latest year's assessments, the plan leadership groups (the bounded list of a city's
    # assessments only when any)
    with django_assert_max_num_queries(34):
        small = report_data(world.tonghai, as_of=AS_OF)
    with django_assert_max_num_queries(34):
        large = report_data(region("530000"), as_of=AS_OF)
    with django_assert_max_num_queries(34):
        report_data(None, as_of=AS_OF)
    assert len(large.areas) > len(small.areas)


def test_people_come_from_an_open_campaign_over_the_scope(world):
    """An open campaign covering the scope keeps its headcounts current with the registry: read them
    (a few hundred rows) instead of counting the people (a million at province scale)."""
    from census.registry.headcounts import headcounts_rebuild
    from census.registry.models import Campaign

    live = Campaign.objects.create(year=2026, name="2026年度玉溪市侨情调查", region=world.yuxi, is_open=True)
    headcounts_rebuild(campaign=live)
    data = report_data(world.tonghai, as_of=AS_OF)
    assert data.people_by_category["relative"] == 100 and data.people_total == 100
    assert [(r.year, r.total) for r in data.census_rounds] == [(2025, 60), (2026, 100)]
    city = report_data(world.yuxi, as_of=AS_OF)
    assert city.people_total == 200 and [r.total for r in city.census_rounds] == [140, 200]
