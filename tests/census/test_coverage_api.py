"""The coverage API: /api/requirements/ (the stored verdicts), /api/coverage/ (a region's rollup) and
/api/coverage/what-if/ (other thresholds, evaluated in memory). Scoped: a county official of 通海县 never
sees a 华宁县 row and gets 404 for 华宁县; documented in the OpenAPI schema."""
from __future__ import annotations

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.db import transaction

from census.coverage.models import CoverageRollup, Requirement
from census.registry.models import Category
from tests.census.test_coverage_pages import CoverageWorld, build_coverage_world

pytestmark = pytest.mark.django_db

REQUIREMENT_FIELDS = {
    "id", "region", "region_path", "unit", "unit_name", "level", "level_display", "verdict", "verdict_display",
    "status", "status_display", "headcount", "headcount_by_category", "rule", "clause", "responsible", "reason",
    "policy", "evaluated_at",
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> CoverageWorld:
    """Built once per module inside a transaction rolled back after its last test (see test_coverage_pages)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_coverage_world(get_user_model().objects.get(username="admin"))
        transaction.set_rollback(True)


def all_results(client, params=None) -> list[dict]:
    results, url, query = [], "/api/requirements/", dict(params or {})
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        body = response.json()
        results += body["results"]
        url, query = body["next"], None
    return results


# ---- /api/requirements/ ------------------------------------------------------------------------------------


def test_requirement_fields(api_client_for, yuxi_staff, world):
    results = all_results(api_client_for(yuxi_staff), {"region": world.village_missing.code})
    assert len(results) == 1
    row = results[0]
    assert set(row) == REQUIREMENT_FIELDS
    assert row["region"] == world.village_missing.code
    assert row["region_path"] == world.village_missing.full_name
    assert row["unit"] is None and row["unit_name"] is None
    assert (row["level"], row["verdict"], row["status"]) == ("village", "required", "missing")
    assert (row["level_display"], row["verdict_display"], row["status_display"]) == ("村级", "应建", "未建")
    assert row["headcount"] == 35
    assert row["headcount_by_category"] == {Category.RELATIVE: 33, Category.RETURNED: 2}
    assert row["policy"] == "yuxi-2020"
    assert row["rule"] == "village" and row["clause"].startswith("玉溪方案")
    assert "测试一村" in row["reason"] and "35" in row["reason"]
    assert row["evaluated_at"]

    unit = all_results(api_client_for(yuxi_staff), {"level": "unit", "region": world.township.code})
    assert [(r["unit"], r["unit_name"], r["region"]) for r in unit] == [(world.unit.pk, "通海覆盖测试厂", world.township.code)]


def test_requirements_come_gaps_first(api_client_for, yuxi_staff, world):
    results = all_results(api_client_for(yuxi_staff), {"verdict": "required"})
    order = {"missing": 0, "under_way": 1, "satisfied": 2}
    ranks = [order[r["status"]] for r in results]
    assert ranks == sorted(ranks) and set(ranks) == {0, 1, 2}


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"status": "under_way"}, lambda r: r["status"] == "under_way"),
        ({"level": "township"}, lambda r: r["level"] == "township"),
        ({"verdict": "recommended"}, lambda r: r["verdict"] == "recommended"),
        ({"region": "530424"}, lambda r: r["region_path"].startswith("云南省玉溪市华宁县")),
        ({"county": "530423", "level": "village", "status": "missing"},
         lambda r: r["region_path"].startswith("云南省玉溪市通海县") and r["level"] == "village" and r["status"] == "missing"),
    ],
)
def test_requirement_filters(api_client_for, yuxi_staff, world, params, check):
    results = all_results(api_client_for(yuxi_staff), params)
    assert results, params
    assert all(check(r) for r in results), params


def test_requirement_filter_values_are_checked(api_client_for, yuxi_staff, world):
    response = api_client_for(yuxi_staff).get("/api/requirements/", {"status": "done"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_tonghai_official_never_sees_huaning_requirements(api_client_for, tonghai_official, world):
    client = api_client_for(tonghai_official)
    results = all_results(client)
    assert results
    assert all(r["region_path"].startswith("云南省玉溪市通海县") for r in results)
    assert "华宁" not in str(results)
    assert all_results(client, {"region": "530424"}) == []
    assert all_results(client, {"county": "530424"}) == []
    foreign = Requirement.objects.get(region=world.huaning_village)
    assert client.get(f"/api/requirements/{foreign.pk}/").status_code == 404
    own = Requirement.objects.get(region=world.village_missing)
    assert client.get(f"/api/requirements/{own.pk}/").json()["region"] == world.village_missing.code


def test_requirements_are_read_only(api_client_for, yuxi_staff, world):
    client = api_client_for(yuxi_staff)
    own = Requirement.objects.get(region=world.village_missing)
    assert client.post("/api/requirements/", {}, format="json").status_code == 405
    assert client.patch(f"/api/requirements/{own.pk}/", {"status": "satisfied"}, format="json").status_code == 405
    assert client.delete(f"/api/requirements/{own.pk}/").status_code == 405
    own.refresh_from_db()
    assert own.status == "missing"


# ---- /api/coverage/ ----------------------------------------------------------------------------------------


def test_coverage_of_a_county(api_client_for, tonghai_official, world):
    response = api_client_for(tonghai_official).get("/api/coverage/", {"region": "530423"})
    assert response.status_code == 200
    body = response.json()
    assert body["region"]["code"] == "530423"
    assert body["requirement"]["level"] == "county"
    assert (body["requirement"]["verdict"], body["requirement"]["status"]) == ("required", "satisfied")
    levels = {row["level"]: row for row in body["levels"]}
    assert set(levels) == {"county", "township", "village", "unit"}
    stored = {r.level: r for r in CoverageRollup.objects.filter(region__code="530423")}
    for level, row in levels.items():
        for key in ("required", "satisfied", "under_way", "missing", "recommended"):
            assert row[key] == (getattr(stored[level], key) if level in stored else 0), (level, key)
    assert levels["county"]["satisfied_percent"] == 100
    assert levels["unit"] == {
        "level": "unit", "level_display": "单位", "required": 1, "satisfied": 0, "under_way": 0, "missing": 1,
        "recommended": 0, "satisfied_percent": 0,
    }


def test_coverage_of_a_city_has_no_own_verdict(api_client_for, yuxi_leader, world):
    body = api_client_for(yuxi_leader).get("/api/coverage/", {"region": "530400"}).json()
    assert body["requirement"] is None
    assert sum(row["required"] for row in body["levels"]) > 0


def test_coverage_is_scoped_and_needs_a_region(api_client_for, tonghai_official, world):
    client = api_client_for(tonghai_official)
    assert client.get("/api/coverage/", {"region": "530424"}).status_code == 404
    assert client.get("/api/coverage/", {"region": world.huaning_village.code}).status_code == 404
    assert client.get("/api/coverage/", {"region": "530400"}).status_code == 404, "the city above is not theirs"
    assert client.get("/api/coverage/").status_code == 400


# ---- /api/coverage/what-if/ --------------------------------------------------------------------------------


def test_what_if_counts_change_with_the_thresholds_and_nothing_is_saved(api_client_for, yuxi_staff, world):
    client = api_client_for(yuxi_staff)
    before = list(Requirement.objects.order_by("pk").values_list("pk", "verdict", "status", "evaluated_at"))
    rollups = list(CoverageRollup.objects.order_by("pk").values_list("pk", "required", "missing"))

    lower = client.get("/api/coverage/what-if/", {"region": "530423", "village_threshold": 20})
    assert lower.status_code == 200, lower.content
    body = lower.json()
    assert body["region"]["code"] == "530423"
    assert body["thresholds"] == {"village_threshold": 20}
    assert body["summary"] == "若村(社区)门槛为 20 人：通海县 将新增 1 个应建村(社区)"
    levels = {row["level"]: row for row in body["levels"]}
    assert levels["village"]["delta"] == 1
    assert levels["village"]["alternative"]["required"] == levels["village"]["current"]["required"] + 1
    assert levels["township"]["delta"] == levels["unit"]["delta"] == 0
    assert [(p["name"], p["level"], p["region"], p["headcount"]) for p in body["newly_required"]] == [
        ("测试二村", "village", world.village_small.code, 20)
    ]
    assert body["no_longer_required"] == []

    higher = client.get("/api/coverage/what-if/", {"region": "530423", "village_threshold": 36, "unit_threshold": 31}).json()
    higher_levels = {row["level"]: row for row in higher["levels"]}
    assert higher_levels["village"]["delta"] == -2
    assert higher_levels["unit"]["delta"] == -1
    assert {p["name"] for p in higher["no_longer_required"]} == {"测试一村", "测试三村", "通海覆盖测试厂"}
    unit = next(p for p in higher["no_longer_required"] if p["level"] == "unit")
    assert unit["unit"] == world.unit.pk and unit["region"] == world.township.code

    assert list(Requirement.objects.order_by("pk").values_list("pk", "verdict", "status", "evaluated_at")) == before
    assert list(CoverageRollup.objects.order_by("pk").values_list("pk", "required", "missing")) == rollups


def test_what_if_is_scoped(api_client_for, tonghai_official, world):
    client = api_client_for(tonghai_official)
    assert client.get("/api/coverage/what-if/", {"region": "530424", "village_threshold": 20}).status_code == 404
    own = client.get("/api/coverage/what-if/", {"region": "530423", "village_threshold": 1}).json()
    assert "华宁" not in str(own)


@pytest.mark.parametrize(
    "params",
    [{"village_threshold": 20}, {"region": "530423"}, {"region": "530423", "village_threshold": 0},
     {"region": "530423", "unit_threshold": "many"}],
)
def test_what_if_refuses_bad_queries(api_client_for, yuxi_staff, world, params):
    response = api_client_for(yuxi_staff).get("/api/coverage/what-if/", params)
    assert response.status_code == 400
    assert response.json()


# ---- the schema --------------------------------------------------------------------------------------------


def test_schema_documents_the_coverage_api(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]
    assert {"/api/requirements/", "/api/requirements/{id}/", "/api/coverage/", "/api/coverage/what-if/"} <= set(paths)
    requirement_params = {p["name"] for p in paths["/api/requirements/"]["get"]["parameters"]}
    assert {"status", "level", "region", "verdict", "county", "policy", "page"} <= requirement_params
    what_if_params = {p["name"] for p in paths["/api/coverage/what-if/"]["get"]["parameters"]}
    assert {"region", "township_threshold", "village_threshold", "unit_threshold"} <= what_if_params
    fields = set(schema["components"]["schemas"]["Requirement"]["properties"])
    assert fields == REQUIREMENT_FIELDS
