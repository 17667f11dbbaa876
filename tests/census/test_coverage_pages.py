"""Coverage pages (覆盖分析): the gap list 应建未建, the what-if of other thresholds, the comparison of two
census rounds, and the coverage panel of the region page. Scoped like everything else: a county official
of 通海县 never sees a 华宁县 place, and a foreign region is a 404."""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from census.coverage.models import Requirement
from census.coverage.services import evaluate_coverage, policies_load
from census.registry.models import Campaign, Category, Headcount
from orgs.access.models import Role
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from orgs.regions.models import Region, RegionLevel
from orgs.units.models import Unit, UnitKind
from tests.census.factories import register_person
from tests.factories import MembershipFactory, RegionFactory, UserFactory, region

pytestmark = pytest.mark.django_db

GAPS = "/census/coverage/gaps/"
WHAT_IF = "/census/coverage/what-if/"
COMPARE = "/census/coverage/compare/"


@dataclass
class CoverageWorld:
    """Places in 通海县 (530423) and 华宁县 (530424), people registered through the service, verdicts evaluated.

    通海县: the county federation is active (satisfied); 测试一村 35 people (required, missing); 测试二村 20
    (recommended; required at a village threshold of 20); 测试三村 31 with a federation being founded (under
    way); the unit 通海覆盖测试厂 30 people (required, missing). 华宁县: 华宁测试村 40 people (required, missing)."""

    township: Region
    village_missing: Region
    village_small: Region
    village_under_way: Region
    unit: Unit
    huaning_village: Region


def _people(editor, where: Region, n: int, *, seed: int, unit: Unit | None = None, category=Category.RELATIVE) -> int:
    for i in range(n):
        register_person(editor, seed=seed + i, region=where, unit=unit, category=category, phone="")
    return seed + n


def build_coverage_world(editor) -> CoverageWorld:
    policies_load()
    tonghai, huaning = region("530423"), region("530424")
    township = RegionFactory(parent=tonghai, name="覆盖测试镇")
    villages = [RegionFactory(parent=township, level=RegionLevel.VILLAGE, name=f"测试{n}村") for n in "一二三"]
    huaning_township = RegionFactory(parent=huaning, name="华宁测试镇")
    huaning_village = RegionFactory(parent=huaning_township, level=RegionLevel.VILLAGE, name="华宁测试村")
    unit = Unit.objects.create(name="通海覆盖测试厂", kind=UnitKind.ENTERPRISE, region=township)

    seed = 1000
    seed = _people(editor, villages[0], 33, seed=seed)
    seed = _people(editor, villages[0], 2, seed=seed, category=Category.RETURNED)
    seed = _people(editor, villages[1], 20, seed=seed)
    seed = _people(editor, villages[2], 31, seed=seed)
    seed = _people(editor, township, 30, seed=seed, unit=unit)
    seed = _people(editor, huaning_village, 40, seed=seed)

    Organization.objects.create(name="通海县侨联", kind=OrganizationKind.COUNTY, status=OrganizationStatus.ACTIVE, region=tonghai)
    Organization.objects.create(name="测试三村侨联", kind=OrganizationKind.VILLAGE, status=OrganizationStatus.DRAFTING, region=villages[2])
    evaluate_coverage(region("530400"))
    return CoverageWorld(township, villages[0], villages[1], villages[2], unit, huaning_village)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> CoverageWorld:
    """Built once per module (some 170 registrations through the service take seconds) inside a transaction
    rolled back after the module's last test; each test still runs in its own savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_coverage_world(get_user_model().objects.get(username="admin"))
        transaction.set_rollback(True)


def rows_of(response) -> list[dict]:
    """The gap rows of a page: status, verdict, the place's name and the text of the row."""
    html = response.content.decode()
    pattern = r'data-testid="gap-row" data-status="(\w+)" data-verdict="(\w+)" data-place="([^"]*)">(.*?)</tr>'
    return [
        {"status": m[1], "verdict": m[2], "place": unescape(m[3]), "text": unescape(re.sub(r"<[^>]+>", " ", m[4]))}
        for m in re.finditer(pattern, html, re.DOTALL)
    ]


def places(rows) -> set[str]:
    return {r["place"] for r in rows}


def all_rows(client, params: dict) -> list[dict]:
    """The rows of every page of the gap list."""
    rows, page = [], 1
    while True:
        response = client.get(GAPS, {**params, "page": page})
        assert response.status_code == 200
        rows += rows_of(response)
        if response.context["page"].has_next():
            page += 1
            continue
        return rows


STATUS_RANK = {"missing": 0, "under_way": 1, "satisfied": 2}
VERDICT_RANK = {"required": 0, "recommended": 1, "not_required": 2}


# ---- the gap page ------------------------------------------------------------------------------------------


def test_gaps_first_missing_then_under_way_then_satisfied(client_for, yuxi_staff, world):
    rows = all_rows(client_for(yuxi_staff), {})
    assert rows, "the gap page lists the required places"
    assert {r["verdict"] for r in rows} == {"required"}, "by default only the required places"
    ranks = [STATUS_RANK[r["status"]] for r in rows]
    assert ranks == sorted(ranks)
    assert {r["status"] for r in rows} == {"missing", "under_way", "satisfied"}
    shown = places(rows)
    assert {"测试一村", "测试三村", "通海覆盖测试厂", "通海县", "华宁测试村"} <= shown
    assert "测试二村" not in shown, "a recommended place only when the verdict filter asks"


def test_recommended_places_come_after_the_required_ones_when_asked(client_for, yuxi_staff, world):
    rows = all_rows(client_for(yuxi_staff), {"verdict": ""})
    keys = [(VERDICT_RANK[r["verdict"]], STATUS_RANK[r["status"]]) for r in rows if r["verdict"] == "required"]
    assert keys == sorted(keys)
    verdicts = [VERDICT_RANK[r["verdict"]] for r in rows]
    assert verdicts == sorted(verdicts)
    assert "测试二村" in places(r for r in rows if r["verdict"] == "recommended")

    only_recommended = all_rows(client_for(yuxi_staff), {"verdict": "recommended"})
    assert only_recommended and {r["verdict"] for r in only_recommended} == {"recommended"}


@pytest.mark.parametrize(
    ("params", "expect", "absent"),
    [
        ({"level": "village"}, ["测试一村", "测试三村", "华宁测试村"], ["通海县", "通海覆盖测试厂"]),
        ({"level": "unit"}, ["通海覆盖测试厂"], ["测试一村"]),
        ({"status": "under_way"}, ["测试三村"], ["测试一村", "华宁测试村"]),
        ({"status": "satisfied"}, ["通海县"], ["测试一村"]),
        ({"county": "530424"}, ["华宁测试村"], ["测试一村", "通海覆盖测试厂"]),
        ({"verdict": "recommended", "level": "village"}, ["测试二村"], ["测试一村"]),
        ({"policy": "default"}, [], ["测试一村", "华宁测试村"]),
        ({"policy": "yuxi-2020", "county": "530423", "level": "village"}, ["测试一村"], ["华宁测试村"]),
    ],
)
def test_gap_filters(client_for, yuxi_staff, world, params, expect, absent):
    shown = places(all_rows(client_for(yuxi_staff), params))
    for name in expect:
        assert name in shown, f"{params}: {name} missing"
    for name in absent:
        assert name not in shown, f"{params}: {name} shown"


def test_gap_filter_by_region_subtree(client_for, yuxi_staff, world):
    shown = places(all_rows(client_for(yuxi_staff), {"region": world.township.code, "verdict": ""}))
    assert shown == {"覆盖测试镇", "测试一村", "测试二村", "测试三村", "通海覆盖测试厂"}


def test_rows_show_place_verdict_numbers_reason_and_links(client_for, yuxi_staff, world):
    response = client_for(yuxi_staff).get(GAPS, {"level": "village", "county": "530423", "status": "missing"})
    html = response.content.decode()
    requirement = Requirement.objects.get(region=world.village_missing, unit__isnull=True)
    assert requirement.headcount == 35
    assert world.village_missing.full_name in html
    assert requirement.reason in unescape(html)
    assert reverse("orgs:region-detail", args=[world.village_missing.code]) in html
    # the counts by category, with Chinese labels, each linking to the people behind it
    assert "侨眷" in html and "归侨" in html
    links = {unescape(href) for href in re.findall(r'href="([^"]*/census/persons/\?[^"]*)"', html)}
    queries = [parse_qs(urlsplit(link).query) for link in links]
    total = next(q for q in queries if q.get("region") == [world.village_missing.code] and len(q.get("category", [])) > 1)
    # 玉溪方案 counts five categories (not 留学人员眷属): the link asks for exactly those
    assert sorted(total["category"]) == sorted(c for c in Category.values if c != Category.STUDENT_RELATIVE)
    assert {"region": [world.village_missing.code], "category": [Category.RETURNED]} in queries


def test_unit_rows_link_to_the_unit_people(client_for, yuxi_staff, world):
    html = client_for(yuxi_staff).get(GAPS, {"level": "unit", "county": "530423"}).content.decode()
    assert "通海覆盖测试厂" in html
    links = [parse_qs(urlsplit(unescape(h)).query) for h in re.findall(r'href="([^"]*/census/persons/\?[^"]*)"', html)]
    assert any(q.get("unit") == [str(world.unit.pk)] for q in links)
    # the person list behind the link shows the unit's 30 people, masked
    link = next(unescape(h) for h in re.findall(r'href="([^"]*/census/persons/\?[^"]*)"', html) if f"unit={world.unit.pk}" in unescape(h))
    people = client_for(yuxi_staff).get(link)
    assert people.context["page"].paginator.count == 30


def test_status_tiles_count_and_filter(client_for, yuxi_staff, world):
    response = client_for(yuxi_staff).get(GAPS, {"region": world.township.code, "level": "village"})
    tiles = {t["status"]: t for t in response.context["tiles"]}
    assert tiles["missing"]["n"] == 1 and tiles["under_way"]["n"] == 1 and tiles["satisfied"]["n"] == 0
    assert f"region={world.township.code}" in tiles["under_way"]["url"] and "status=under_way" in tiles["under_way"]["url"]
    assert response.context["total"] == 2
    narrowed = client_for(yuxi_staff).get(tiles["under_way"]["url"].replace("?", GAPS + "?", 1))
    assert places(rows_of(narrowed)) == {"测试三村"}
    assert narrowed.context["total"] == 1


def test_tonghai_official_never_sees_huaning_rows(client_for, tonghai_official, world):
    client = client_for(tonghai_official)
    everything = all_rows(client, {"verdict": ""})
    assert "测试一村" in places(everything)
    assert not any("华宁" in r["text"] for r in everything)
    # a region outside the scope is a 404, not an empty list (issue 18 §5)
    assert client.get(GAPS, {"county": "530424"}).status_code == 404
    assert client.get(GAPS, {"region": world.huaning_village.code, "verdict": ""}).status_code == 404
    # the county drop-down offers their own county only
    html = client.get(GAPS).content.decode()
    assert 'value="530423"' in html and 'value="530424"' not in html


def test_gap_page_queries_do_not_grow_with_rows(client_for, yuxi_staff, world):
    # 60 more villages (no one registered: not required) so that a page is full
    for n in range(60):
        RegionFactory(parent=world.township, level=RegionLevel.VILLAGE, name=f"空{n}村")
    evaluate_coverage(region("530423"))
    client = client_for(yuxi_staff)
    client.get(GAPS)  # warm the session and the content types

    def queries(params) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(GAPS, params)
        return len(captured), len(rows_of(response))

    full, rows = queries({"verdict": "not_required", "region": world.township.code})
    assert rows == 50, "a full page of 50 rows"
    one, rows = queries({"verdict": "", "region": world.village_missing.code})
    assert rows == 1
    # 16: with the two that look for a policy in force over the scope; up to four more for the round it is based on
    assert full == one <= 20, (full, one)
    # a page spanning several (verdict, status, level) segments sorts each: one more query per segment
    mixed, rows = queries({"verdict": "", "region": world.township.code})
    assert rows == 50 and mixed <= one + 6
    filtered, rows = queries({"verdict": "", "page": 2, "level": "village", "county": "530423", "policy": "yuxi-2020"})
    assert rows and filtered <= 20


def test_gap_page_is_paginated_by_50(client_for, yuxi_staff, world):
    response = client_for(yuxi_staff).get(GAPS, {"verdict": ""})
    page = response.context["page"]
    assert page.paginator.per_page == 50
    assert page.paginator.count == Requirement.objects.visible_to(yuxi_staff).count()


def test_nav_has_the_coverage_entry(client_for, yuxi_staff, world):
    html = client_for(yuxi_staff).get(GAPS).content.decode()
    assert re.search(r'href="/census/coverage/gaps/" class="site-nav__item is-active">覆盖分析<', html)
    other = client_for(yuxi_staff).get("/census/persons/").content.decode()
    assert re.search(r'href="/census/coverage/gaps/" class="site-nav__item">覆盖分析<', other)


# ---- the region page panel -----------------------------------------------------------------------------------


def test_region_page_shows_the_own_verdict_and_the_rollup(client_for, tonghai_official, world):
    response = client_for(tonghai_official).get(reverse("orgs:region-detail", args=["530423"]))
    html = unescape(response.content.decode())
    assert 'data-testid="coverage-panel"' in html
    assert 'data-testid="own-verdict"' in html
    own = Requirement.objects.get(region__code="530423", unit__isnull=True)
    assert own.reason in html
    rollup = re.search(r'data-testid="rollup">(.*?)</table>', html, re.DOTALL).group(1)
    village = re.search(r'data-level="village">(.*?)</tr>', rollup, re.DOTALL).group(1)
    numbers = [int(n) for n in re.findall(r">(\d+)<", village)]
    # required 2 (测试一村, 测试三村), satisfied 0, under way 1, missing 1, recommended 1 (测试二村), + key areas
    key_villages = Requirement.objects.filter(region__tree_id=own.region.tree_id, region__lft__gt=own.region.lft,
                                              region__rght__lt=own.region.rght, level="village", rule="key_area").count()
    assert numbers[:5] == [2 + key_villages, 0, 1, 1 + key_villages, 1]
    assert f"{GAPS}?region=530423&amp;level=village&amp;verdict=required&amp;status=missing" in response.content.decode()


def test_region_page_of_a_city_shows_the_rollup_without_an_own_verdict(client_for, yuxi_staff, world):
    html = client_for(yuxi_staff).get(reverse("orgs:region-detail", args=["530400"])).content.decode()
    assert 'data-testid="coverage-panel"' in html
    assert 'data-testid="own-verdict"' not in html
    assert 'data-level="county"' in html and 'data-level="unit"' in html


def test_region_page_of_an_unevaluated_region_has_no_panel(client_for, admin_user):
    html = client_for(admin_user).get(reverse("orgs:region-detail", args=["110000"])).content.decode()
    assert 'data-testid="coverage-panel"' not in html


# ---- what-if ----------------------------------------------------------------------------------------------


def test_what_if_says_it_in_words_and_saves_nothing(client_for, yuxi_staff, world):
    before = list(Requirement.objects.order_by("pk").values_list("pk", "verdict", "status", "evaluated_at"))
    client = client_for(yuxi_staff)
    response = client.get(WHAT_IF, {"region": "530423", "village_threshold": 20})
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "若村(社区)门槛为 20 人：通海县 将新增 1 个应建村(社区)" in html
    levels = {row["level"]: row for row in response.context["levels"]}
    assert levels["village"]["delta"] == 1
    assert levels["village"]["after"]["required"] == levels["village"]["before"]["required"] + 1
    assert [p["name"] for p in response.context["newly_required"]] == ["测试二村"]
    assert response.context["no_longer_required"] == []
    assert list(Requirement.objects.order_by("pk").values_list("pk", "verdict", "status", "evaluated_at")) == before

    higher = client.get(WHAT_IF, {"region": "530423", "village_threshold": 32, "unit_threshold": 30})
    text = unescape(higher.content.decode())
    assert "若村(社区)门槛为 32 人、单位门槛为 30 人：通海县 将减少 1 个应建村(社区)，应建单位数量不变（1 个）" in text
    assert [p["name"] for p in higher.context["no_longer_required"]] == ["测试三村"]
    assert list(Requirement.objects.order_by("pk").values_list("pk", "verdict", "status", "evaluated_at")) == before


def test_what_if_without_thresholds_only_shows_the_form(client_for, yuxi_staff, world):
    response = client_for(yuxi_staff).get(WHAT_IF)
    assert response.status_code == 200
    assert response.context["region"].code == "530400", "the user's first scope region"
    assert "levels" not in response.context


def test_what_if_refuses_bad_thresholds(client_for, yuxi_staff, world):
    response = client_for(yuxi_staff).get(WHAT_IF, {"region": "530423", "village_threshold": 0})
    assert response.status_code == 200
    assert response.context["form"].errors["village_threshold"]
    assert "levels" not in response.context


def test_what_if_of_a_foreign_region_is_404(client_for, tonghai_official, world):
    client = client_for(tonghai_official)
    assert client.get(WHAT_IF, {"region": "530424", "village_threshold": 20}).status_code == 404
    assert client.get(WHAT_IF, {"region": "999999"}).status_code == 404
    own = client.get(WHAT_IF, {"village_threshold": 20})
    assert own.status_code == 200 and own.context["region"].code == "530423"
    assert "华宁" not in own.content.decode()


# ---- comparison of two census rounds ----------------------------------------------------------------------------


@pytest.fixture
def rounds(world):
    """Two census rounds of 玉溪市 whose snapshots differ: 测试一村 falls from 35 to 10, 测试二村 grows from 20 to 32."""
    yuxi = region("530400")
    earlier = Campaign.objects.create(year=2024, name="2024年度玉溪市侨情调查", region=yuxi, is_open=False)
    later = Campaign.objects.create(year=2025, name="2025年度玉溪市侨情调查", region=yuxi, is_open=False)
    for campaign, counts in ((earlier, {world.village_missing: 35, world.village_small: 20}),
                             (later, {world.village_missing: 10, world.village_small: 32})):
        for place, n in counts.items():
            Headcount.objects.create(campaign=campaign, region=place, category=Category.RELATIVE, count=n)
    return earlier, later


def test_compare_lists_places_that_became_and_stopped_being_required(client_for, yuxi_staff, rounds):
    earlier, later = rounds
    before = Requirement.objects.count()
    response = client_for(yuxi_staff).get(COMPARE, {"earlier": earlier.pk, "later": later.pk, "region": "530423"})
    assert response.status_code == 200
    assert [p["name"] for p in response.context["became_required"]] == ["测试二村"]
    assert [p["name"] for p in response.context["no_longer_required"]] == ["测试一村"]
    html = unescape(response.content.decode())
    assert "从 2024 年到 2025 年，通海县 新增 1 个应建地点，1 个地点不再应建" in html
    assert Requirement.objects.count() == before


def test_compare_defaults_to_the_latest_rounds_and_the_scope(client_for, tonghai_official, rounds):
    earlier, later = rounds
    response = client_for(tonghai_official).get(COMPARE)
    assert response.status_code == 200
    assert response.context["later"] == later and response.context["earlier"] == earlier
    assert response.context["region"].code == "530423", "the county official's own county, not the round's city"
    assert "华宁" not in response.content.decode()


def test_compare_refuses_foreign_regions_and_campaigns(client_for, tonghai_official, rounds):
    earlier, later = rounds
    client = client_for(tonghai_official)
    assert client.get(COMPARE, {"earlier": earlier.pk, "later": later.pk, "region": "530424"}).status_code == 404
    foreign = Campaign.objects.create(year=2025, name="华宁县补充调查", region=region("530424"))
    assert client.get(COMPARE, {"earlier": earlier.pk, "later": foreign.pk}).status_code == 404
    assert client.get(COMPARE, {"earlier": "x", "later": later.pk}).status_code == 404


def test_compare_of_one_round_with_itself_says_so(client_for, yuxi_staff, rounds):
    _earlier, later = rounds
    response = client_for(yuxi_staff).get(COMPARE, {"earlier": later.pk, "later": later.pk})
    assert response.status_code == 200
    assert "请选择两次不同的侨情调查进行对比" in response.content.decode()


def test_gap_page_queries_do_not_grow_with_the_scope_regions(client_for, world):
    """A staff member of many regions (an administrator's scope is every province): the policies that apply are
    looked up once for all of them, not once per region."""

    def queries(codes) -> int:
        user = UserFactory()
        for code in codes:
            MembershipFactory(user=user, role=Role.STAFF, region=region(code))
        client = client_for(user)
        client.get(GAPS)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(GAPS).status_code == 200
        return len(captured)

    counties = [r.code for r in Region.objects.filter(level=RegionLevel.COUNTY).order_by("code")[:8]]
    assert len(counties) == 8
    assert queries(counties[:2]) == queries(counties)


def test_the_gap_list_counts_follow_a_new_evaluation(client_for, yuxi_staff, world):
    """The counts of a gap list are cached (census.coverage.filters): an evaluation that changes a verdict shows at
    once, on the page and in the API."""
    client = client_for(yuxi_staff)
    before = client.get(GAPS)
    assert world.village_small.name not in places(rows_of(before))  # 20 people: recommended, not a gap yet
    api_before = client.get("/api/requirements/", {"verdict": "required"}).json()["count"]
    _people(get_user_model().objects.get(username="admin"), world.village_small, 15, seed=9000)
    evaluate_coverage(region("530423"))
    after = client.get(GAPS)
    assert world.village_small.name in places(rows_of(after))
    assert after.context["total"] == before.context["total"] + 1
    assert client.get("/api/requirements/", {"verdict": "required"}).json()["count"] == api_before + 1
