"""The census API: scoped, masked, written through the services, documented in the schema."""
from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission

from census.registry.models import Category, Headcount, Person, PersonEvent
from orgs.access.scoping import forget_scope
from orgs.common.crypto import decrypt_text
from orgs.common.identifiers import uscc_check_char
from orgs.units.models import Unit
from tests.census.factories import (
    CampaignFactory,
    UnitFactory,
    register_person,
    valid_id,
)
from tests.factories import RegionFactory, region

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def uscc(first16: str) -> str:
    """A valid unified social credit code from its first 16 characters (a 17th "0", then the check)."""
    first17 = first16 + "0"
    return first17 + uscc_check_char(first17)


def wrong_check(code: str) -> str:
    return "1" if code[-1] != "1" else "2"


@pytest.fixture
def tonghai_person(tonghai_official):
    return register_person(tonghai_official, seed=1, name="通海张三", phone=PHONE)


@pytest.fixture
def huaning_person(huaning_official):
    return register_person(huaning_official, seed=2, region_code="530424", name="华宁李四", phone="13800001111")


def ids_of(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def full_ids(*people: Person) -> list[str]:
    return [decrypt_text(p.id_number_encrypted) for p in people]


def assert_nothing_sensitive(response, *people: Person) -> None:
    body = response.content.decode()
    for person in people:
        assert decrypt_text(person.id_number_encrypted) not in body
        if person.phone:
            assert person.phone not in body


# Scope ---------------------------------------------------------------------------------------------


def test_tonghai_never_sees_huaning_persons(tonghai_api, tonghai_person, huaning_person):
    listed = tonghai_api.get("/api/persons/")
    assert listed.status_code == 200
    assert tonghai_person.pk in ids_of(listed)
    assert huaning_person.pk not in ids_of(listed)
    assert "华宁李四" not in listed.content.decode()

    assert tonghai_api.get(f"/api/persons/{huaning_person.pk}/").status_code == 404
    assert tonghai_api.get(f"/api/persons/{huaning_person.pk}/history/").status_code == 404
    assert tonghai_api.patch(f"/api/persons/{huaning_person.pk}/", {"name": "改"}, format="json").status_code == 404
    # Filtering by the foreign county's code does not widen the scope.
    assert ids_of(tonghai_api.get("/api/persons/", {"region": "530424"})) == set()


def test_tonghai_never_sees_huaning_units(tonghai_api):
    ours, theirs = UnitFactory(name="通海一中"), UnitFactory(name="华宁一中", region=region("530424"))
    listed = tonghai_api.get("/api/units/")
    assert ours.pk in ids_of(listed) and theirs.pk not in ids_of(listed)
    assert tonghai_api.get(f"/api/units/{theirs.pk}/").status_code == 404
    assert tonghai_api.patch(f"/api/units/{theirs.pk}/", {"name": "改"}, format="json").status_code == 404
    assert tonghai_api.delete(f"/api/units/{theirs.pk}/").status_code == 404
    assert Unit.objects.filter(pk=theirs.pk, name="华宁一中").exists()


def test_campaigns_of_the_city_are_visible_to_the_county_but_not_those_of_the_neighbour(tonghai_api):
    city = CampaignFactory(region=region("530400"))
    neighbour = CampaignFactory(region=region("530424"), name="华宁调查")
    listed = tonghai_api.get("/api/campaigns/")
    assert city.pk in ids_of(listed) and neighbour.pk not in ids_of(listed)
    assert tonghai_api.get(f"/api/campaigns/{neighbour.pk}/").status_code == 404


# Masking -------------------------------------------------------------------------------------------


def test_every_person_response_is_masked(tonghai_api, tonghai_official, tonghai_person):
    listed = tonghai_api.get("/api/persons/")
    row = next(r for r in listed.json()["results"] if r["id"] == tonghai_person.pk)
    full = full_ids(tonghai_person)[0]
    assert row["id_number_masked"] == full[:6] + "********" + full[-4:]
    assert row["phone_masked"] == "139****5678"
    assert "phone" not in row and "id_number" not in row

    detail = tonghai_api.get(f"/api/persons/{tonghai_person.pk}/")
    changed = tonghai_api.patch(f"/api/persons/{tonghai_person.pk}/", {"phone": "13700002222"}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["phone_masked"] == "137****2222"
    history = tonghai_api.get(f"/api/persons/{tonghai_person.pk}/history/")
    assert history.status_code == 200
    kinds = [e["kind"] for e in history.json()["results"]]
    assert kinds == ["updated", "created"]
    assert history.json()["results"][0]["changes"]["phone"] == ["139****5678", "137****2222"]

    created = tonghai_api.post(
        "/api/persons/",
        {"name": "新人", "id_number": valid_id(77), "category": Category.RETURNED, "region": "530423", "phone": "13611112222"},
        format="json",
    )
    assert created.status_code == 201, created.content
    newcomer = Person.objects.get(pk=created.json()["id"])
    tonghai_person.refresh_from_db()
    for response in (listed, detail, changed, history, created):
        assert_nothing_sensitive(response, tonghai_person, newcomer)
    assert "13700002222" not in history.content.decode()
    assert "13611112222" not in created.content.decode()


# Writes --------------------------------------------------------------------------------------------


def test_create_registers_through_the_service(tonghai_api):
    unit = UnitFactory(name="通海商会")
    number = valid_id(5)
    response = tonghai_api.post(
        "/api/persons/",
        {"name": "王五", "id_number": number, "category": Category.OVERSEAS, "region": "530423", "unit": unit.pk,
         "country": "缅甸", "is_new_overseas": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["id"])
    assert decrypt_text(person.id_number_encrypted) == number
    assert person.gender in ("M", "F") and person.birth_date.isoformat().replace("-", "") == number[6:14]
    assert person.unit == unit and person.is_new_overseas
    assert PersonEvent.objects.filter(person=person, kind="created").count() == 1


def test_create_with_a_bad_id_names_the_field_and_the_reason(tonghai_api):
    number = valid_id(6)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = tonghai_api.post(
        "/api/persons/", {"name": "错号", "id_number": wrong, "category": "relative", "region": "530423"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["id_number"]
    assert "校验位" in response.json()["id_number"][0]
    short = tonghai_api.post("/api/persons/", {"name": "短号", "id_number": "5304231", "category": "relative", "region": "530423"}, format="json")
    assert short.status_code == 400 and "18 位" in short.json()["id_number"][0]
    assert not Person.objects.filter(name__in=["错号", "短号"]).exists()


def test_an_id_registered_in_huaning_is_refused_naming_only_the_county(tonghai_api, huaning_person):
    number = full_ids(huaning_person)[0]
    response = tonghai_api.post(
        "/api/persons/", {"name": "重复者", "id_number": number, "category": "relative", "region": "530423"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"id_number": ["此证件号码已在云南省玉溪市华宁县登记，请联系该县办理迁移"]}
    body = response.content.decode()
    for secret in (huaning_person.name, huaning_person.id_number_masked, huaning_person.phone, huaning_person.region.code):
        assert secret not in body


def test_region_outside_the_scope_is_refused(tonghai_api):
    response = tonghai_api.post(
        "/api/persons/", {"name": "越界", "id_number": valid_id(8), "category": "relative", "region": "530424"}, format="json"
    )
    assert response.status_code == 400
    assert "530424" in response.json()["region"][0] and "管辖范围" in response.json()["region"][0]


def test_leadership_cannot_write(leader_api, tonghai_person):
    assert leader_api.get(f"/api/persons/{tonghai_person.pk}/").status_code == 200  # 玉溪市 leadership reads
    unit = UnitFactory()
    attempts = [
        leader_api.post("/api/persons/", {"name": "x", "id_number": valid_id(9), "category": "relative", "region": "530423"}, format="json"),
        leader_api.patch(f"/api/persons/{tonghai_person.pk}/", {"name": "改"}, format="json"),
        leader_api.post("/api/units/", {"name": "新单位", "kind": "school", "region": "530423"}, format="json"),
        leader_api.patch(f"/api/units/{unit.pk}/", {"name": "改"}, format="json"),
        leader_api.delete(f"/api/units/{unit.pk}/"),
        leader_api.post("/api/campaigns/", {"year": 2030, "name": "x", "region": "530400"}, format="json"),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    tonghai_person.refresh_from_db()
    assert tonghai_person.name == "通海张三"
    assert Unit.objects.filter(pk=unit.pk).exists()


def test_units_crud_with_credit_code_checks(tonghai_api):
    bad = tonghai_api.post(
        "/api/units/", {"name": "某公司", "kind": "enterprise", "region": "530423", "credit_code": uscc("91530423MA6K0001")[:-1] + wrong_check(uscc("91530423MA6K0001"))}, format="json"
    )
    assert bad.status_code == 400 and "校验位" in bad.json()["credit_code"][0]
    foreign = tonghai_api.post("/api/units/", {"name": "某公司", "kind": "enterprise", "region": "530424"}, format="json")
    assert foreign.status_code == 400 and "region" in foreign.json()

    created = tonghai_api.post(
        "/api/units/", {"name": "某商会", "kind": "social_organization", "region": "530423", "credit_code": uscc("91530423MA6K0001")}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["is_two_new"] is True  # from the kind
    assert created.json()["region_name"] == "云南省玉溪市通海县"
    unit_id = created.json()["id"]
    again = tonghai_api.post("/api/units/", {"name": "某商会", "kind": "enterprise", "region": "530423"}, format="json")
    assert again.status_code == 400 and "已有名为" in again.json()["name"][0]
    renamed = tonghai_api.patch(f"/api/units/{unit_id}/", {"name": "某某商会"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "某某商会"


def test_unit_with_people_is_not_deleted(tonghai_api, tonghai_official):
    unit = UnitFactory(name="有人单位")
    register_person(tonghai_official, seed=11, unit=unit)
    assert tonghai_api.delete(f"/api/units/{unit.pk}/").status_code == 409
    empty = UnitFactory(name="空单位")
    assert tonghai_api.delete(f"/api/units/{empty.pk}/").status_code == 204


def test_campaigns_are_managed_by_staff_only(tonghai_api, api_client_for, yuxi_staff):
    assert tonghai_api.post("/api/campaigns/", {"year": 2031, "name": "县调查", "region": "530423"}, format="json").status_code == 403
    staff_api = api_client_for(yuxi_staff)
    created = staff_api.post("/api/campaigns/", {"year": 2031, "name": "2031年度玉溪市侨情调查", "region": "530400"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["is_open"] is True
    duplicate = staff_api.post("/api/campaigns/", {"year": 2031, "name": "再来", "region": "530400"}, format="json")
    assert duplicate.status_code == 400 and "year" in duplicate.json()
    outside = staff_api.post("/api/campaigns/", {"year": 2031, "name": "省调查", "region": "530000"}, format="json")
    assert outside.status_code == 400 and "region" in outside.json()
    closed = staff_api.patch(f"/api/campaigns/{created.json()['id']}/", {"is_open": False}, format="json")
    assert closed.status_code == 200 and closed.json()["is_open"] is False


# Reveal --------------------------------------------------------------------------------------------


def reveal_entries():
    return LogEntry.objects.filter(additional_data__event="reveal")


def test_reveal_requires_the_permission_and_is_audited(tonghai_api, tonghai_official, tonghai_person, huaning_person):
    refused = tonghai_api.post(f"/api/persons/{tonghai_person.pk}/reveal/")
    assert refused.status_code == 403
    assert_nothing_sensitive(refused, tonghai_person)
    assert not reveal_entries().exists()

    tonghai_official.user_permissions.add(Permission.objects.get(codename="reveal_id_number"))
    tonghai_official = type(tonghai_official).objects.get(pk=tonghai_official.pk)  # fresh permission cache
    forget_scope(tonghai_official)
    tonghai_api.force_authenticate(tonghai_official)
    shown = tonghai_api.post(f"/api/persons/{tonghai_person.pk}/reveal/")
    assert shown.status_code == 200
    assert shown.json() == {"id_type": "resident_id", "id_number": full_ids(tonghai_person)[0], "phone": PHONE}
    entry = reveal_entries().get()
    assert entry.actor == tonghai_official and entry.object_pk == str(tonghai_person.pk)

    assert tonghai_api.post(f"/api/persons/{huaning_person.pk}/reveal/").status_code == 404
    assert reveal_entries().count() == 1


# Headcounts ----------------------------------------------------------------------------------------


def test_headcounts_own_and_subtree(tonghai_api, tonghai_official):
    campaign = CampaignFactory(year=2025, region=region("530400"))
    township = RegionFactory(parent=region("530423"))
    register_person(tonghai_official, seed=21, region_code="530423", category=Category.RELATIVE)
    register_person(tonghai_official, seed=22, region=township, category=Category.RELATIVE)
    register_person(tonghai_official, seed=23, region=township, category=Category.RETURNED)

    live = tonghai_api.get("/api/headcounts/", {"region": "530423"})
    assert live.status_code == 200, live.content
    body = live.json()
    assert body["region"]["code"] == "530423" and body["campaign"] is None
    assert body["own"]["relative"] == 1 and body["own"]["returned"] == 0 and body["own_total"] == 1
    assert body["subtree"]["relative"] == 2 and body["subtree"]["returned"] == 1 and body["subtree_total"] == 3
    assert set(body["own"]) == set(Category.values)

    below = tonghai_api.get("/api/headcounts/", {"region": township.code}).json()
    assert below["own_total"] == 2 and below["subtree_total"] == 2

    snapshot = tonghai_api.get("/api/headcounts/", {"region": "530423", "campaign": 2025})
    assert snapshot.status_code == 200, snapshot.content
    assert Headcount.objects.filter(campaign=campaign).exists()
    assert snapshot.json()["campaign"]["id"] == campaign.pk
    assert snapshot.json()["own"] == body["own"] and snapshot.json()["subtree"] == body["subtree"]


def test_headcounts_refuse_what_is_not_visible_or_not_given(tonghai_api):
    assert tonghai_api.get("/api/headcounts/", {"region": "530424"}).status_code == 404
    assert tonghai_api.get("/api/headcounts/", {"region": "999999"}).status_code == 404
    assert tonghai_api.get("/api/headcounts/").status_code == 400
    no_round = tonghai_api.get("/api/headcounts/", {"region": "530423", "campaign": 1999})
    assert no_round.status_code == 400 and "1999" in no_round.json()["campaign"][0]


# Lists ---------------------------------------------------------------------------------------------


def test_person_filters(tonghai_api, tonghai_official):
    township = RegionFactory(parent=region("530423"))
    unit = UnitFactory(name="过滤单位")
    campaign = CampaignFactory(year=2024)
    a = register_person(tonghai_official, seed=31, name="陈一", region=township, category=Category.RETURNED, is_needy=True)
    b = register_person(tonghai_official, seed=32, name="陈二", category=Category.STUDENT, unit=unit, verified_campaign=campaign)
    c = register_person(tonghai_official, seed=33, name="林三", category=Category.RELATIVE)

    def found(**params):
        return ids_of(tonghai_api.get("/api/persons/", params))

    assert found(region=township.code) == {a.pk}
    assert found(category=["returned", "student"]) == {a.pk, b.pk}
    assert found(q="陈") == {a.pk, b.pk}
    assert found(is_needy="true") == {a.pk}
    assert found(unit=unit.pk) == {b.pk}
    assert found(campaign=campaign.pk) == {b.pk}
    assert found(campaign_year=2024) == {b.pk}
    assert c.pk in found()
    assert ids_of(tonghai_api.get("/api/units/", {"q": "过滤", "kind": "enterprise"})) == {unit.pk}
    assert ids_of(tonghai_api.get("/api/campaigns/", {"year": 2024})) == {campaign.pk}


def test_person_list_queries_do_not_grow_with_rows(tonghai_api, tonghai_official, django_assert_max_num_queries):
    unit = UnitFactory(name="查询单位")
    for seed in range(40, 45):
        register_person(tonghai_official, seed=seed, unit=unit)
    with django_assert_max_num_queries(8) as few:
        assert len(tonghai_api.get("/api/persons/").json()["results"]) == 5
    for seed in range(45, 65):
        register_person(tonghai_official, seed=seed, unit=unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(tonghai_api.get("/api/persons/").json()["results"]) == 25


# Schema --------------------------------------------------------------------------------------------


def test_openapi_schema_documents_the_census_paths(client_for, admin_user):
    response = client_for(admin_user).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    for path in (
        "/api/units/", "/api/units/{id}/", "/api/campaigns/", "/api/campaigns/{id}/", "/api/persons/",
        "/api/persons/{id}/", "/api/persons/{id}/reveal/", "/api/persons/{id}/history/", "/api/headcounts/",
    ):
        assert path in schema["paths"], path
    person = schema["components"]["schemas"]["Person"]["properties"]
    assert "id_number_masked" in person and "phone_masked" in person
    assert "id_number" not in person and "phone" not in person
    params = {p["name"] for p in schema["paths"]["/api/persons/"]["get"]["parameters"]}
    assert {"region", "category", "unit", "is_needy", "campaign", "q", "page"} <= params
    headcounts = schema["paths"]["/api/headcounts/"]["get"]
    assert headcounts["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Headcounts")
