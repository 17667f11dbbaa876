"""Organizations API: filters, nested steps, refusals, the OpenAPI schema."""
from __future__ import annotations

import pytest

from orgs.homes.models import Home, HomeStanding
from orgs.organizations.founding import OrganizationStatus as S
from orgs.organizations.models import Organization, OrganizationKind
from tests.factories import RegionFactory, region
from tests.orgs.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
LIST = "/api/organizations/"


def steps_url(org):
    return f"{LIST}{org.pk}/steps/"


def test_schema_has_the_organizations_and_their_nested_resources(api_client_for, admin_user):
    schema = api_client_for(admin_user).get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/organizations/", "/api/organizations/{id}/", "/api/organizations/{id}/steps/",
                 "/api/organizations/{id}/leaders/", "/api/organizations/{id}/activities/"):
        assert path in schema["paths"], path
    params = {p["name"] for p in schema["paths"]["/api/organizations/"]["get"]["parameters"]}
    assert {"kind", "status", "region", "home_standing"} <= params


def test_filters(api_client_for, yuxi_staff, django_assert_max_num_queries):
    town = RegionFactory(parent=region("530423"))
    a = OrganizationFactory(region=town, kind=OrganizationKind.GROUP, status=S.ACTIVE, name="甲小组")
    OrganizationFactory(region=region("530424"), kind=OrganizationKind.BRANCH, name="乙分会")
    Home.objects.create(organization=a, name="甲之家", standing=HomeStanding.FULL)
    for n in range(10):  # enough rows that a query per row would show
        OrganizationFactory(region=town, name=f"丙小组{n}")
    client = api_client_for(yuxi_staff)

    def names(**params):
        with django_assert_max_num_queries(11):
            response = client.get(LIST, params)
        assert response.status_code == 200, response.content
        return {row["name"] for row in response.json()["results"]}

    assert names(region="530423") >= {"甲小组"} and "乙分会" not in names(region="530423")
    assert "乙分会" in names(kind="branch") and "甲小组" not in names(kind="branch")
    assert "甲小组" in names(status="active") and "乙分会" not in names(status="active")
    assert names(home_standing="full") == {"甲小组"}  # nothing else has a home
    assert "乙分会" in names(home_standing="not_assessed")


def test_walk_through_the_api(api_client_for, tonghai_official, yuxi_staff, day):
    """Yuxi 三(一), through the API: both answers (the 统战部's with its reply letter, multipart), the candidate list and
    the congress as JSON payloads validated by the same service; the elected are the leading body."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.orgs.conftest import PDF_BYTES

    tonghai, yuxi = api_client_for(tonghai_official), api_client_for(yuxi_staff)
    created = tonghai.post(LIST, {"name": "通海县侨联", "kind": "county", "region": "530423", "planned_on": day(12).isoformat()}, format="json")
    assert created.status_code == 201, created.content
    org = Organization.objects.get(pk=created.json()["id"])
    assert created.json()["status"] == "planned"

    def step(client, action, ago, fmt="json", **extra):
        response = client.post(steps_url(org), {"action": action, "date": day(ago).isoformat(), **extra}, format=fmt)
        assert response.status_code == 201, (action, response.content)
        return response.json()

    step(tonghai, "start_drafting", 11)
    step(tonghai, "submit_consultation", 10)
    response = yuxi.post(steps_url(org), {"action": "agree_united_front", "date": day(9).isoformat()}, format="json")
    assert response.status_code == 400 and "须附统战部复函" in response.json()["document"][0]
    step(yuxi, "agree_united_front", 9, fmt="multipart", document=SimpleUploadedFile("复函.pdf", PDF_BYTES))
    step(yuxi, "agree_consultation", 9)
    step(tonghai, "record_approval", 8)
    response = tonghai.post(steps_url(org), {"action": "submit_candidates", "date": day(7).isoformat(),
                                             "candidates": [{"name": "王侨眷", "position": "vice_chair"}]}, format="json")
    assert response.status_code == 400 and "没有主席候选人" in response.json()["candidates"][0]
    submitted = step(tonghai, "submit_candidates", 7, candidates=[
        {"name": "李华侨", "position": "chair", "employment": "part_time", "is_returned_or_relative": True},
        {"name": "张干部", "position": "secretary_general", "employment": "full_time"},
    ])
    ids = {c["name"]: c["id"] for c in submitted["candidates"]}
    step(yuxi, "agree_candidates", 6)
    response = tonghai.post(steps_url(org), {"action": "hold_congress", "date": day(5).isoformat(), "delegates_present": 40,
                                             "delegates_expected": 90, "elected": []}, format="json")
    assert response.status_code == 400 and "半数" in response.json()["delegates_present"][0]
    held = step(tonghai, "hold_congress", 5, delegates_present=52, delegates_expected=60,
                elected=[{"candidate": ids["李华侨"], "position": "chair"}, {"candidate": ids["张干部"], "position": "secretary_general"}])
    assert held["congress"] == {"delegates_expected": 60, "delegates_present": 52}
    step(tonghai, "submit_filing", 4)
    step(yuxi, "confirm_filing", 3)
    detail = tonghai.get(f"{LIST}{org.pk}/").json()
    assert detail["status"] == "active" and detail["next_steps"] == []
    assert {(m["name"], m["position"], m["term_start"]) for m in detail["leaders"]} == {
        ("李华侨", "chair", day(5).isoformat()), ("张干部", "secretary_general", day(5).isoformat())}
    listed = tonghai.get(steps_url(org)).json()
    assert listed[-1]["action"] == "confirm_filing"
    assert [c["elected_position"] for c in next(s for s in listed if s["action"] == "submit_candidates")["candidates"]] == [
        "chair", "secretary_general"]


def test_refusals(api_client_for, tonghai_official, yuxi_leader, day):
    org = OrganizationFactory(region=region("530423"), kind=OrganizationKind.BRANCH)
    foreign = OrganizationFactory(region=region("530424"), kind=OrganizationKind.BRANCH)
    tonghai = api_client_for(tonghai_official)
    response = tonghai.post(steps_url(org), {"action": "confirm_filing", "date": day(1).isoformat()}, format="json")
    assert response.status_code == 400 and "不能办理" in response.json()["action"][0]
    response = tonghai.post(steps_url(org), {"action": "start_drafting", "date": day(-3).isoformat()}, format="json")
    assert response.status_code == 400 and "不能是将来的日期" in response.json()["date"][0]
    assert tonghai.post(steps_url(foreign), {"action": "start_drafting", "date": day(1).isoformat()}, format="json").status_code == 404
    leader = api_client_for(yuxi_leader)
    assert leader.post(steps_url(org), {"action": "start_drafting", "date": day(1).isoformat()}, format="json").status_code == 403
    # the status is read-only: a PATCH changes the name, never the status
    response = tonghai.patch(f"{LIST}{org.pk}/", {"name": "新名", "status": "active"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "planned"
    response = tonghai.post(LIST, {"name": "某机关侨联", "kind": "organ", "region": "530423"}, format="json")
    assert response.status_code == 400 and "机关侨联必须指定所在单位" in response.json()["unit"][0]
    org.refresh_from_db()
    assert (org.status, org.name) == (S.PLANNED, "新名")


def test_an_activity_with_an_attachment_through_the_api(api_client_for, tonghai_official, day):
    from django.core.files.uploadedfile import SimpleUploadedFile

    org = OrganizationFactory(region=region("530423"), kind=OrganizationKind.BRANCH)
    client = api_client_for(tonghai_official)
    url = f"{LIST}{org.pk}/activities/"
    bad = SimpleUploadedFile("照片.jpg", b"not a jpeg at all")
    response = client.post(url, {"duty": "culture", "title": "演出", "held_on": day(2).isoformat(), "attachment": bad}, format="multipart")
    assert response.status_code == 400 and "内容与扩展名" in response.json()["attachment"][0]
    good = SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    response = client.post(url, {"duty": "culture", "title": "演出", "held_on": day(2).isoformat(), "attachment": good}, format="multipart")
    assert response.status_code == 201 and response.json()["has_attachment"] is True
    assert client.get(url).json()[0]["title"] == "演出"


def test_a_unit_or_superior_outside_the_callers_scope_does_not_exist(api_client_for, tonghai_official, huaning_official):
    from orgs.units.models import Unit, UnitKind

    huaning_unit = Unit.objects.create(name="华宁某机关", kind=UnitKind.ORGAN, region=region("530424"))
    huaning_org = OrganizationFactory(region=region("530424"), kind=OrganizationKind.COUNTY, name="华宁县侨联")
    tonghai = api_client_for(tonghai_official)
    response = tonghai.post(LIST, {"name": "某机关侨联", "kind": "organ", "region": "530423", "unit": huaning_unit.pk}, format="json")
    assert response.status_code == 400 and "华宁" not in response.content.decode()
    assert str(huaning_unit.pk) in response.json()["unit"][0]
    response = tonghai.post(LIST, {"name": "某小组", "kind": "group", "region": "530423", "superior": huaning_org.pk}, format="json")
    assert response.status_code == 400 and "华宁" not in response.content.decode()
    assert str(huaning_org.pk) in response.json()["superior"][0]
    assert not Organization.objects.filter(name__in=["某机关侨联", "某小组"]).exists()
    # the same unit is fine for its own county
    response = api_client_for(huaning_official).post(
        LIST, {"name": "华宁某机关侨联", "kind": "organ", "region": "530424", "unit": huaning_unit.pk}, format="json"
    )
    assert response.status_code == 201, response.content
