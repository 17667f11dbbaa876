"""Coverage (应建) over the database: counting, set-based evaluation, rollups, incremental updates on
census changes, what-if and campaign comparison, and the verdicts for the Yuxi demo data."""
from __future__ import annotations

import itertools
import random
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from census.coverage import services as coverage
from census.coverage.models import CoverageRollup, Policy, Requirement
from census.coverage.selectors import coverage_rollup
from census.coverage.services import (
    compare_campaigns,
    coverage_what_if,
    evaluate_coverage,
    policies_load,
)
from census.coverage.signals import requirement_changed
from census.importing.synthetic import generate_census, resident_id
from census.registry.headcounts import headcounts_rebuild
from census.registry.models import Campaign, Person
from census.registry.services import person_create, person_transfer, person_update
from orgs.organizations.models import Organization
from orgs.regions.models import Region, RegionLevel
from orgs.regions.services import regions_import
from orgs.units.models import Unit
from qiaolian.demo.organizations import demo_organizations_create
from tests.factories import region

pytestmark = pytest.mark.django_db

SEEDS = itertools.count(10_000)
# The Yuxi plan: six counties without a county federation, three with one.
YUXI_COUNTIES_WITHOUT = ("530403", "530481", "530423", "530424", "530425", "530427")
YUXI_COUNTIES_WITH = ("530402", "530426", "530428")


@pytest.fixture
def policies(db):
    """The shipped policies: created by the migration and the national region import (policies_load adds none)."""
    assert policies_load() == []
    shipped = {p.key: p for p in Policy.objects.all()}
    assert len(shipped) == 3
    return shipped


@pytest.fixture
def crossings():
    """Every requirement_changed crossing sent during the test."""
    received: list[dict] = []

    def receiver(sender, crossings, **kwargs):
        received.extend(crossings)

    requirement_changed.connect(receiver)
    yield received
    requirement_changed.disconnect(receiver)


def regions_add(rows: list[tuple[str, str, str, str]]) -> dict[str, Region]:
    """New townships / villages: (code, name, level, parent_code), imported set-based."""
    result = regions_import(
        [{"code": c, "name": n, "level": lv, "parent_code": p} for c, n, lv, p in rows], ["code", "name", "level", "parent_code"]
    )
    assert not result.errors, [str(e) for e in result.errors]
    return {r.code: r for r in Region.objects.filter(code__in=[row[0] for row in rows])}


def township_with_villages(county_code: str, n: int, *, t: int = 1) -> tuple[Region, list[Region]]:
    township_code = f"{county_code}{500 + t:03d}"
    rows = [(township_code, f"测试{t}镇", "township", county_code)]
    rows += [(f"{township_code}{100 + v:03d}", f"测试{t}镇{v}村", "village", township_code) for v in range(n)]
    made = regions_add(rows)
    return made[township_code], [made[r[0]] for r in rows[1:]]


def add_people(editor, where: Region, n: int, *, category: str = "relative", unit: Unit | None = None) -> list[Person]:
    """`n` people registered through the service, each with a valid, fresh resident ID of the place's county."""
    people = []
    for _ in range(n):
        seed = next(SEEDS)
        number = resident_id(random.Random(seed), where.code[:6], set())[0]
        people.append(
            person_create(editor=editor, name=f"人员{seed}", id_number=number, category=category, region=where, unit=unit)
        )
    return people


def requirement(place: Region | Unit) -> Requirement:
    if isinstance(place, Unit):
        return Requirement.objects.get(unit=place)
    return Requirement.objects.get(region=place, unit__isnull=True)


# ------------------------------------------------------------------ counting


def test_a_person_counts_once_in_village_township_and_county_and_in_their_unit(policies, admin_user):
    township, (village, other) = township_with_villages("360102", 2)
    county = region("360102")  # 东湖区, 江西措施
    school = Unit.objects.create(name="东湖区第一中学", kind="school", region=other)
    add_people(admin_user, village, 3, unit=school)
    add_people(admin_user, village, 2)
    add_people(admin_user, county, 1)  # registered at county level, no village

    evaluate_coverage(county)

    assert requirement(village).headcount == 5
    assert requirement(other).headcount == 0  # the school is there, but its people live elsewhere
    assert requirement(township).headcount == 5
    assert requirement(county).headcount == 6
    assert requirement(school).headcount == 3  # counted from the work unit, not the residence
    assert requirement(school).region_id == other.pk
    assert requirement(village).headcount_by_category == {"relative": 5}


def test_subtree_totals_equal_the_number_of_people(policies, admin_user):
    township, villages = township_with_villages("530424", 4)
    _other_township, other_villages = township_with_villages("530424", 2, t=2)
    county = region("530424")  # 华宁县
    for i, village in enumerate(villages + other_villages):
        add_people(admin_user, village, i + 1, category=("relative", "returned", "student")[i % 3])
    add_people(admin_user, township, 2)

    evaluate_coverage(county)

    for place in Region.objects.within(county).filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]):
        assert requirement(place).headcount == Person.objects.within(place).count(), place.name
    assert requirement(county).headcount == Person.objects.within(county).count() == sum(range(1, 7)) + 2


def test_categories_counted_by_one_policy_and_not_the_other(policies, admin_user):
    _, (jiangxi_village,) = township_with_villages("360102", 1)
    _, (yuxi_village,) = township_with_villages("530424", 1)
    add_people(admin_user, jiangxi_village, 30, category="student_relative")
    add_people(admin_user, yuxi_village, 30, category="student_relative")

    evaluate_coverage(region("360102"))
    evaluate_coverage(region("530424"))

    jiangxi, yuxi = requirement(jiangxi_village), requirement(yuxi_village)
    assert (jiangxi.verdict, jiangxi.headcount, jiangxi.policy.key) == ("required", 30, "jiangxi-40")
    assert (yuxi.verdict, yuxi.headcount, yuxi.policy.key) == ("not_required", 0, "yuxi-2020")
    assert jiangxi.clause == "江西措施 第3条"


def test_a_place_without_a_local_policy_gets_the_default(policies, admin_user):
    _, (village,) = township_with_villages("440103", 1)  # 广州 荔湾区: no local plan
    add_people(admin_user, village, 30, category="student_relative")
    evaluate_coverage(region("440103"))
    assert (requirement(village).policy.key, requirement(village).verdict) == ("default", "required")


# ------------------------------------------------------------------ evaluation


def test_every_place_gets_one_requirement_with_its_reason(policies, admin_user):
    township, villages = township_with_villages("360102", 3)
    county = region("360102")
    unit = Unit.objects.create(name="东湖侨兴科技有限公司", kind="non_public_economy", region=villages[0], is_two_new=True)
    add_people(admin_user, villages[0], 30)
    add_people(admin_user, villages[1], 5, unit=unit)

    report = evaluate_coverage(county)

    assert report.places == 1 + 1 + 3 + 1 == Requirement.objects.within(county).count()
    assert (report.created, report.updated, report.crossings) == (6, 0, [])
    assert requirement(county).verdict == "required" and requirement(county).rule == "county"
    assert (requirement(township).verdict, requirement(township).headcount) == ("recommended", 35)
    assert [requirement(v).verdict for v in villages] == ["required", "recommended", "not_required"]
    assert requirement(villages[0]).reason == (
        f"{villages[0].name}：登记对象 30 人，达到村(社区) 30 人门槛（江西措施 第3条），应成立村(社区)侨联；尚未成立"
    )
    unit_requirement = requirement(unit)
    assert (unit_requirement.verdict, unit_requirement.level, unit_requirement.headcount) == ("recommended", "unit", 5)
    assert unit_requirement.responsible == "乡镇（街道、社区）侨联"  # a 两新组织 under 100 (江西措施 第10条)

    again = evaluate_coverage(county)  # nothing changed: nothing written
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)


def test_an_organization_fulfils_after_evaluation(policies, admin_user):
    _, (village, second, third) = township_with_villages("360102", 3)
    county = region("360102")
    add_people(admin_user, village, 30)
    Region.objects.filter(pk__in=[second.pk, third.pk]).update(is_key_area=True)  # required whatever the count
    evaluate_coverage(county)
    assert requirement(village).status == "missing"

    Organization.objects.create(name="一村侨联", kind="village", status="active", region=village)
    Organization.objects.create(name="二村侨联", kind="village", status="consulting", region=second)
    Organization.objects.create(name="三村侨联", kind="village", status="dissolved", region=third)
    Organization.objects.create(name="东湖区侨联", kind="county", status="active", region=county)
    report = evaluate_coverage(county)

    assert report.updated == 3 and report.crossings == []  # fulfilment changes are no threshold crossings
    assert [requirement(p).status for p in (village, second, third, county)] == ["satisfied", "under_way", "missing", "satisfied"]
    assert requirement(village).reason.endswith("已成立") and requirement(second).reason.endswith("正在筹建")


def test_a_joint_federation_covers_the_regions_it_names(policies, admin_user):
    _, (village, neighbour) = township_with_villages("360102", 2)
    county = region("360102")
    add_people(admin_user, village, 30)
    Region.objects.filter(pk=neighbour.pk).update(is_key_area=True)
    joint = Organization.objects.create(name="联合侨联", kind="joint", status="active", region=village)
    joint.covered_regions.add(neighbour)

    evaluate_coverage(county)

    assert requirement(village).status == requirement(neighbour).status == "satisfied"


def test_rollups_equal_a_brute_force_recount(policies, admin_user):
    township, villages = township_with_villages("530424", 5)
    county = region("530424")
    city = region("530400")
    unit = Unit.objects.create(name="华宁县人民医院", kind="public_institution", region=villages[2])
    add_people(admin_user, villages[0], 30, unit=unit)
    add_people(admin_user, villages[1], 12)
    add_people(admin_user, township, 4)
    Region.objects.filter(pk=villages[3].pk).update(is_key_area=True)
    Organization.objects.create(name="一村侨联", kind="village", status="active", region=villages[0])
    Organization.objects.create(name="医院侨联", kind="organ", status="drafting", region=villages[2], unit=unit)

    evaluate_coverage(city)
    assert_rollups_match(city)

    # The county evaluated alone refreshes its own rollups and those of every ancestor.
    add_people(admin_user, villages[4], 30)
    evaluate_coverage(county)
    assert_rollups_match(city)
    assert coverage_rollup(county)["village"] == {"required": 3, "satisfied": 1, "under_way": 0, "missing": 2, "recommended": 1}
    assert coverage_rollup(county)["unit"] == {"required": 1, "satisfied": 0, "under_way": 1, "missing": 0, "recommended": 0}
    assert coverage_rollup(region("530000"))["unit"]["required"] == 1  # the province above, refreshed too


def assert_rollups_match(root: Region) -> None:
    """Every stored rollup in and above `root` equals a recount of the stored verdicts."""
    ranges = {r.pk: r for r in [*root.get_ancestors(), *Region.objects.within(root)]}
    requirements = list(Requirement.objects.values_list("region__tree_id", "region__lft", "level", "verdict", "status"))
    expected: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(("required", "satisfied", "under_way", "missing", "recommended"), 0))
    for pk, r in ranges.items():
        for tree_id, lft, level, verdict, status in requirements:
            if tree_id == r.tree_id and r.lft <= lft <= r.rght:
                if verdict == "required":
                    expected[(pk, level)]["required"] += 1
                    expected[(pk, level)][status] += 1
                elif verdict == "recommended":
                    expected[(pk, level)]["recommended"] += 1
    stored = {
        (row["region_id"], row["level"]): {k: row[k] for k in ("required", "satisfied", "under_way", "missing", "recommended")}
        for row in CoverageRollup.objects.filter(region_id__in=ranges).values()
    }
    assert stored == {k: v for k, v in expected.items() if any(v.values())}


def test_the_number_of_queries_does_not_grow_with_the_tree(policies, admin_user):
    counts = []
    for county_code, villages in (("360102", 5), ("360103", 50)):
        _, made = township_with_villages(county_code, villages)
        county = region(county_code)
        unit = Unit.objects.create(name=f"{county.name}侨兴公司", kind="enterprise", region=made[0])
        add_people(admin_user, made[0], 2, unit=unit)
        add_people(admin_user, made[-1], 3)
        Organization.objects.create(name="侨联", kind="village", status="active", region=made[-1])
        with CaptureQueriesContext(connection) as captured:
            report = evaluate_coverage(county)
        assert report.places == villages + 3
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


# ------------------------------------------------------------------ incremental


def test_the_thirtieth_person_makes_a_village_required(policies, campaign, admin_user, crossings, django_capture_on_commit_callbacks, monkeypatch):
    _, (village, _other) = township_with_villages("530424", 2)
    county = region("530424")
    add_people(admin_user, village, 29)
    evaluate_coverage(region("530400"))
    assert requirement(village).verdict == "recommended"
    assert crossings == []

    evaluated = []
    real = coverage.evaluate_coverage
    monkeypatch.setattr(coverage, "evaluate_coverage", lambda root=None, **kw: evaluated.append(root.code) or real(root, **kw))
    with django_capture_on_commit_callbacks(execute=True):
        add_people(admin_user, village, 1)

    assert evaluated == ["530424"]  # only the county it touched
    thirtieth = requirement(village)
    assert (thirtieth.verdict, thirtieth.headcount, thirtieth.status) == ("required", 30, "missing")
    assert crossings == [
        {"region_id": village.pk, "unit_id": None, "level": "village", "old": "recommended", "new": "required", "requirement_id": thirtieth.pk}
    ]
    assert coverage_rollup(county)["village"]["required"] == 1
    assert coverage_rollup(region("530400"))["village"]["required"] == 1 + 11  # and the 11 key villages of the plan
    assert_rollups_match(region("530400"))


def test_transfers_and_edits_cross_back_down(policies, campaign, admin_user, crossings, django_capture_on_commit_callbacks):
    _, (village,) = township_with_villages("530424", 1)
    _, (elsewhere,) = township_with_villages("530403", 1)  # 江川区
    people = add_people(admin_user, village, 30)
    evaluate_coverage(region("530400"))
    assert requirement(village).verdict == "required"

    with django_capture_on_commit_callbacks(execute=True):
        person_transfer(person=people[0], editor=admin_user, to_region=elsewhere)
    assert (requirement(village).verdict, requirement(village).headcount) == ("recommended", 29)
    assert requirement(elsewhere).headcount == 1
    assert [(c["region_id"], c["old"], c["new"]) for c in crossings] == [(village.pk, "required", "recommended")]

    with django_capture_on_commit_callbacks(execute=True):  # moved back: required again
        person_update(person=people[0], editor=admin_user, region=village)
    assert requirement(village).verdict == "required"
    assert [(c["old"], c["new"]) for c in crossings[1:]] == [("recommended", "required")]

    # 留学人员眷属 do not count under the Yuxi plan: a change of category crosses down.
    with django_capture_on_commit_callbacks(execute=True):
        person_update(person=people[1], editor=admin_user, category="student_relative")
    assert (requirement(village).verdict, requirement(village).headcount) == ("recommended", 29)
    assert [(c["old"], c["new"]) for c in crossings[2:]] == [("required", "recommended")]
    assert_rollups_match(region("530400"))


def test_a_change_of_category_alone_is_stored(policies, campaign, admin_user, crossings, django_capture_on_commit_callbacks):
    _, (village,) = township_with_villages("530424", 1)
    people = add_people(admin_user, village, 3)
    evaluate_coverage(region("530424"))
    with django_capture_on_commit_callbacks(execute=True):
        person_update(person=people[0], editor=admin_user, category="returned")  # same count, same verdict
    assert requirement(village).headcount_by_category == {"relative": 2, "returned": 1}
    assert crossings == []


def test_a_unit_crossing_its_threshold_is_reported(policies, campaign, admin_user, crossings, django_capture_on_commit_callbacks):
    _, (village,) = township_with_villages("530424", 1)
    unit = Unit.objects.create(name="华宁侨兴公司", kind="non_public_economy", region=village, is_two_new=True)
    add_people(admin_user, village, 29, unit=unit)
    evaluate_coverage(region("530424"))
    with django_capture_on_commit_callbacks(execute=True):
        add_people(admin_user, region("530423"), 1, unit=unit)  # lives in 通海, works in 华宁
    assert (requirement(unit).verdict, requirement(unit).headcount) == ("required", 30)
    assert [(c["unit_id"], c["level"], c["new"]) for c in crossings] == [(unit.pk, "unit", "required")]


def test_a_change_in_a_region_without_a_county_is_re_evaluated(policies, admin_user, django_capture_on_commit_callbacks):
    """Levels may be skipped (东莞: towns directly under the city): the change still reaches the rules."""
    made = regions_add([("441900500", "测试镇", "township", "441900"), ("441900500500", "测试村", "village", "441900500")])
    town, village = made["441900500"], made["441900500500"]
    add_people(admin_user, village, 29)
    evaluate_coverage(region("441900"))
    assert requirement(village).verdict == "recommended"
    with django_capture_on_commit_callbacks(execute=True):
        add_people(admin_user, village, 1)
    assert requirement(village).verdict == "required"
    assert requirement(town).headcount == 30


def test_a_unit_moved_to_another_county_is_evaluated_there(policies, admin_user):
    _, (village,) = township_with_villages("530424", 1)
    _, (there,) = township_with_villages("530403", 1)
    unit = Unit.objects.create(name="搬迁公司", kind="enterprise", region=village)
    add_people(admin_user, village, 30, unit=unit)
    evaluate_coverage(region("530424"))
    unit.region = there
    unit.save()

    evaluate_coverage(region("530403"))

    assert requirement(unit).region_id == there.pk
    assert Requirement.objects.filter(unit=unit).count() == 1


# ------------------------------------------------------------------ Yuxi demo


def test_the_yuxi_demo_matches_the_plan(policies):
    demo_organizations_create()
    generate_census("demo", 1)
    evaluate_coverage(region("530000"))

    for code in YUXI_COUNTIES_WITHOUT:
        r = requirement(region(code))
        assert (r.verdict, r.status, r.rule, r.policy.key) == ("required", "missing", "county", "yuxi-2020"), code
        assert "（玉溪方案 二(一)）" in r.reason and r.reason.endswith("尚未成立")
    for code in YUXI_COUNTIES_WITH:
        assert (requirement(region(code)).verdict, requirement(region(code)).status) == ("required", "satisfied"), code

    key_areas = list(Region.objects.within(region("530400")).filter(is_key_area=True))
    assert len(key_areas) == 17
    for place in key_areas:
        r = requirement(place)
        assert (r.verdict, r.rule) == ("required", "key_area"), place.name
        assert "属重点侨务地区" in r.reason and "玉溪方案 二(二)" in r.reason

    yuxi = coverage_rollup(region("530400"))
    assert (yuxi["county"]["required"], yuxi["county"]["satisfied"], yuxi["county"]["missing"]) == (9, 3, 6)
    assert_rollups_match(region("530400"))
    # every verdict in Yuxi follows the plan's thresholds, on the people as registered
    for r in Requirement.objects.within(region("530400")).filter(unit__isnull=True).select_related("region"):
        counted = Person.objects.within(r.region).exclude(category="student_relative").count()
        assert r.headcount == counted, r.region.name
        if r.level == "village" and not r.region.is_key_area:
            assert (r.verdict == "required") == (counted >= 30), r.reason
        if r.level == "township" and not r.region.is_key_area:
            assert (r.verdict == "required") == (counted >= 100), r.reason


# ------------------------------------------------------------------ what-if and campaigns


def test_what_if_a_lower_threshold_requires_more_and_saves_nothing(policies, admin_user):
    _, villages = township_with_villages("530424", 3)
    county = region("530424")
    add_people(admin_user, villages[0], 12)
    add_people(admin_user, villages[1], 30)
    add_people(admin_user, villages[2], 5)
    evaluate_coverage(county)
    stored = list(Requirement.objects.order_by("pk").values())
    rollups = list(CoverageRollup.objects.order_by("pk").values())

    result = coverage_what_if(county, thresholds={"village_threshold": 10})

    assert result.current["village"]["required"] == 1
    assert result.alternative["village"]["required"] == 2
    assert result.delta("village") == 1
    assert [(p["region_id"], p["headcount"]) for p in result.newly_required] == [(villages[0].pk, 12)]
    assert result.no_longer_required == []
    assert list(Requirement.objects.order_by("pk").values()) == stored
    assert list(CoverageRollup.objects.order_by("pk").values()) == rollups

    higher = coverage_what_if(county, thresholds={"village_threshold": 31})
    assert [p["region_id"] for p in higher.no_longer_required] == [villages[1].pk]


def test_compare_campaigns_finds_what_changed_between_rounds(policies, admin_user):
    _, (growing, shrinking) = township_with_villages("530424", 2)
    county = region("530424")
    earlier = Campaign.objects.create(year=2025, name="2025年度玉溪市侨情调查", region=region("530400"))
    add_people(admin_user, growing, 29)
    leaving = add_people(admin_user, shrinking, 30)
    headcounts_rebuild(campaign=earlier)
    Campaign.objects.filter(pk=earlier.pk).update(is_open=False)
    earlier.refresh_from_db()

    later = Campaign.objects.create(year=2026, name="2026年度玉溪市侨情调查", region=region("530400"))
    add_people(admin_user, growing, 2)
    person_transfer(person=leaving[0], editor=admin_user, to_region=region("530403"))
    headcounts_rebuild(campaign=later)

    result = compare_campaigns(county, earlier, later)

    assert [(p["region_id"], p["headcount"]) for p in result.became_required] == [(growing.pk, 31)]
    assert [(p["region_id"], p["headcount"]) for p in result.no_longer_required] == [(shrinking.pk, 30)]
    assert result.earlier["village"]["required"] == result.later["village"]["required"] == 1
    assert result.earlier["county"]["required"] == 1


def test_a_change_touching_thousands_of_places_finds_their_counties(db):
    """An import names every village it touched: SQLite refuses one condition per place beyond 1000."""
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY).values_list("pk", flat=True))
    assert len(coverage.counties_of(counties)) == len(counties)
    _, villages = township_with_villages("530424", 520)
    _, more = township_with_villages("530403", 520)
    found = coverage.counties_of([v.pk for v in villages + more])
    assert [c.code for c in found] == ["530403", "530424"]


def test_where_levels_are_skipped_the_highest_evaluated_place_stands_for_the_county(db):
    """A township straight under a city (东莞, 中山 have no counties) stands for its villages; a county
    stands for a village straight under it; places of several counties find each their own."""
    made = regions_add([
        ("530400501", "市直镇", "township", "530400"),
        ("530400501100", "市直镇一村", "village", "530400501"),
        ("530424000900", "县直村", "village", "530424"),
    ])
    _, villages = township_with_villages("530423", 3)
    found = coverage.counties_of([made["530400501100"].pk, made["530424000900"].pk, villages[0].pk, villages[2].pk])
    assert [c.code for c in found] == ["530400501", "530423", "530424"]
    assert [c.code for c in coverage.counties_of([made["530400501"].pk])] == ["530400501"]
