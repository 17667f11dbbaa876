"""The unit directory (单位名录, issue 15 §3): the scoped list and its filters (also on the API), the unit page with
its people, verdict and organizations, registering and editing through the services, and merging two units (people,
organizations, tasks and frozen headcounts move to the survivor, audited, never across the editor's scope)."""
from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from census.coverage.models import Requirement
from census.coverage.services import evaluate_coverage, policies_load
from census.registry.models import Campaign, Category, Headcount, Person, PersonEvent
from census.registry.services import unit_create, unit_merge, unit_update
from orgs.common.audit import AuditEvent
from orgs.common.identifiers import uscc_check_char
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from orgs.units.models import Unit, UnitKind
from tasks.plans.models import Plan, Task
from tests.census.factories import UnitFactory, register_person
from tests.factories import RegionFactory, region

pytestmark = pytest.mark.django_db

LIST = "/census/units/"


def uscc(first16: str) -> str:
    """A valid unified social credit code from its first 16 characters (a 17th "0", then the check)."""
    first17 = first16 + "0"
    return first17 + uscc_check_char(first17)


def names_in(response) -> set[str]:
    return {row.unit.name for row in response.context["units"]}


def organization(unit: Unit, *, status=OrganizationStatus.ACTIVE, name: str | None = None) -> Organization:
    return Organization.objects.create(
        name=name or f"{unit.name}侨联", kind=OrganizationKind.ENTERPRISE, status=status, region=unit.region, unit=unit
    )


# ---- the list and its filters -------------------------------------------------------------------------------------


@pytest.fixture
def directory(admin_user):
    """Units in 通海县 (a township of it, too) and one in 华宁县: kinds, 两新, credit codes and organizations vary."""
    town = RegionFactory(parent=region("530423"), name="名录测试镇")
    return {
        "school": UnitFactory(name="名录第一中学", kind=UnitKind.SCHOOL, region=region("530423")),
        "company": UnitFactory(name="名录电力公司", kind=UnitKind.ENTERPRISE, region=town, credit_code=uscc("91530423MA6K0001")),
        "chamber": UnitFactory(name="名录商会", kind=UnitKind.SOCIAL_ORGANIZATION, region=town, is_two_new=True),
        "dissolved": UnitFactory(name="名录旧厂", kind=UnitKind.ENTERPRISE, region=town),
        "huaning": UnitFactory(name="名录华宁厂", kind=UnitKind.ENTERPRISE, region=region("530424")),
        "town": town,
    }


def test_the_list_shows_only_the_users_scope(tonghai_client, directory):
    response = tonghai_client.get(LIST)
    assert response.status_code == 200
    assert names_in(response) == {"名录第一中学", "名录电力公司", "名录商会", "名录旧厂"}
    assert "名录华宁厂" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "school"}, {"名录第一中学"}),
        ({"kind": ["school", "social_organization"]}, {"名录第一中学", "名录商会"}),
        ({"is_two_new": "true"}, {"名录商会"}),
        ({"q": "电力"}, {"名录电力公司"}),
        ({"q": "91530423ma6k"}, {"名录电力公司"}),  # a credit code's beginning, as typed
        ({"has_organization": "true"}, {"名录电力公司"}),
        ({"has_organization": "false"}, {"名录第一中学", "名录商会", "名录旧厂"}),
    ],
)
def test_list_filters(tonghai_client, tonghai_api, directory, query, expected):
    organization(directory["company"])
    organization(directory["dissolved"], status=OrganizationStatus.DISSOLVED)  # a dissolved one is no organization
    assert names_in(tonghai_client.get(LIST, query)) == expected
    assert {u["name"] for u in tonghai_api.get("/api/units/", query).json()["results"]} == expected


def test_region_filter_takes_the_subtree(tonghai_client, tonghai_api, directory):
    code = directory["town"].code
    assert names_in(tonghai_client.get(LIST, {"region": code})) == {"名录电力公司", "名录商会", "名录旧厂"}
    assert names_in(tonghai_client.get(LIST, {"region": "530423"})) == {"名录第一中学", "名录电力公司", "名录商会", "名录旧厂"}
    # A foreign region narrows to nothing rather than widening the scope.
    assert names_in(tonghai_client.get(LIST, {"region": "530424"})) == set()
    assert tonghai_api.get("/api/units/", {"region": "530424"}).json()["count"] == 0


def test_list_columns_people_verdict_and_organization(tonghai_official, tonghai_client, directory):
    policies_load()
    company = directory["company"]
    for seed in range(3):
        register_person(tonghai_official, seed=700 + seed, region=company.region, unit=company, phone="")
    founded = organization(company, name="名录电力公司侨联")
    evaluate_coverage(region("530423"))
    response = tonghai_client.get(LIST, {"q": "电力"})
    row = response.context["units"][0]
    assert row.people == 3 and row.organizations == [founded]
    page = response.content.decode()
    assert f'href="/organizations/{founded.pk}/"' in page
    verdict = Requirement.objects.get(unit=company)
    assert verdict.get_verdict_display() in page
    assert company.credit_code in page


def _units_with_everything(editor, n: int, *, start: int) -> None:
    town = region("530423")
    for i in range(start, start + n):
        unit = UnitFactory(name=f"查询数单位{i:03d}", region=town)
        register_person(editor, seed=900 + i, region=town, unit=unit, phone="")
        organization(unit)


def test_the_list_takes_the_same_queries_whatever_the_page_holds(tonghai_official, tonghai_client):
    policies_load()
    _units_with_everything(tonghai_official, 2, start=0)
    evaluate_coverage(region("530423"))
    with CaptureQueriesContext(connection) as few:
        assert len(tonghai_client.get(LIST, {"q": "查询数"}).context["units"]) == 2
    _units_with_everything(tonghai_official, 28, start=2)
    evaluate_coverage(region("530423"))
    with CaptureQueriesContext(connection) as many:
        assert len(tonghai_client.get(LIST, {"q": "查询数"}).context["units"]) == 30
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    assert len(many) <= 14  # session, user, scope, count, page, people, organizations, the layout's own


# ---- the unit page -------------------------------------------------------------------------------------------------


def test_the_unit_page_shows_people_verdict_and_organization(tonghai_official, tonghai_client, directory):
    policies_load()
    school = directory["school"]
    register_person(tonghai_official, seed=801, region=school.region, unit=school, category=Category.RETURNED, phone="")
    register_person(tonghai_official, seed=802, region=school.region, unit=school, category=Category.RELATIVE, phone="")
    founded = organization(school, status=OrganizationStatus.PLANNED, name="名录一中侨联")
    evaluate_coverage(region("530423"))
    requirement = Requirement.objects.get(unit=school)

    response = tonghai_client.get(f"/census/units/{school.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert requirement.reason in page and requirement.get_verdict_display() in page
    assert f'/organizations/{founded.pk}/' in page and "名录一中侨联" in page
    by_category = {c.category: c.n for c in response.context["by_category"]}
    assert by_category["returned"] == 1 and by_category["relative"] == 1 and response.context["people"] == 2
    assert f"/census/persons/?unit={school.pk}" in page  # the people behind the number
    assert response.context["can_edit"] and 'data-testid="merge-search-form"' in page


def test_the_unit_page_of_another_county_is_404(tonghai_client, directory):
    assert tonghai_client.get(f"/census/units/{directory['huaning'].pk}/").status_code == 404


def test_leadership_reads_but_does_not_edit(leader_client, directory):
    response = leader_client.get(f"/census/units/{directory['school'].pk}/")
    assert response.status_code == 200 and not response.context["can_edit"]
    assert leader_client.get(f"/census/units/{directory['school'].pk}/edit/").status_code == 403
    assert leader_client.get("/census/units/new/").status_code == 403


# ---- register and edit -------------------------------------------------------------------------------------------


def test_registering_a_unit_through_the_page_is_audited(tonghai_official, tonghai_client):
    response = tonghai_client.post(
        "/census/units/new/", {"name": "网页登记商会", "kind": "social_organization", "region": "530423", "credit_code": "", "is_two_new": ""}
    )
    unit = Unit.objects.get(name="网页登记商会")
    assert response.status_code == 302 and response["Location"] == f"/census/units/{unit.pk}/"
    assert unit.is_two_new  # from the kind
    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Unit), object_pk=str(unit.pk), action=LogEntry.Action.CREATE)
    assert entry.actor == tonghai_official


def test_form_errors_are_shown_on_their_fields(tonghai_client):
    good = uscc("91530423MA6K0002")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    response = tonghai_client.post(
        "/census/units/new/", {"name": "错误单位", "kind": "enterprise", "region": "530424", "credit_code": bad, "is_two_new": ""}
    )
    assert response.status_code == 200
    assert "不在您的管辖范围内" in response.context["form"].errors["region"][0]
    response = tonghai_client.post(
        "/census/units/new/", {"name": "错误单位", "kind": "enterprise", "region": "530423", "credit_code": bad, "is_two_new": ""}
    )
    assert "校验位" in response.context["form"].errors["credit_code"][0]
    assert not Unit.objects.filter(name="错误单位").exists()


def test_editing_a_unit_moves_its_organizations_with_it(tonghai_official, tonghai_client, directory):
    company = directory["company"]
    founded = organization(company)
    other_town = RegionFactory(parent=region("530423"), name="迁入测试镇")
    response = tonghai_client.post(
        f"/census/units/{company.pk}/edit/",
        {"name": "名录电力公司", "kind": "enterprise", "region": other_town.code, "credit_code": company.credit_code, "is_two_new": "false"},
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    company.refresh_from_db()
    founded.refresh_from_db()
    assert company.region == other_town and founded.region == other_town


# ---- merge ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def duplicates(tonghai_official, directory):
    """通海县第一中学 registered twice: the survivor at the county (no credit code), the duplicate in a township with
    a credit code, two people, an organization, a task and a frozen headcount; the survivor has one person."""
    survivor = directory["school"]
    absorbed = UnitFactory(name="通海一中", kind=UnitKind.SCHOOL, region=directory["town"], credit_code=uscc("12530423MB0000001"[:16]))
    register_person(tonghai_official, seed=601, region=survivor.region, unit=survivor, phone="")
    moved = [register_person(tonghai_official, seed=602 + i, region=absorbed.region, unit=absorbed, phone="") for i in range(2)]
    founded = organization(absorbed, name="通海一中侨联")
    plan = Plan.objects.create(title="合并测试方案", scope_region=region("530423"))
    task = Task.objects.create(plan=plan, title="成立通海一中侨联", region=absorbed.region, target_unit=absorbed, deadline=dt.date(2030, 1, 1))
    closed = Campaign.objects.create(year=2024, name="2024年度通海县侨情调查", region=region("530423"), is_open=False)
    Headcount.objects.create(campaign=closed, region=survivor.region, unit=survivor, category="relative", count=4)
    Headcount.objects.create(campaign=closed, region=absorbed.region, unit=absorbed, category="relative", count=3)
    Headcount.objects.create(campaign=closed, region=absorbed.region, unit=absorbed, category="returned", count=1)
    return {"survivor": survivor, "absorbed": absorbed, "people": moved, "organization": founded, "task": task, "closed": closed}


def test_merge_moves_people_organizations_tasks_and_headcounts(tonghai_official, duplicates):
    policies_load()
    survivor, absorbed = duplicates["survivor"], duplicates["absorbed"]
    evaluate_coverage(region("530423"))
    assert Requirement.objects.filter(unit=absorbed).exists()
    code = absorbed.credit_code

    moved = unit_merge(survivor=survivor, absorbed=absorbed, editor=tonghai_official)

    assert moved["persons"] == 2 and moved["organizations"] == 1 and moved["tasks"] == 1
    assert not Unit.objects.filter(pk=absorbed.pk).exists()
    assert not Requirement.objects.filter(unit_id=absorbed.pk).exists()
    survivor.refresh_from_db()
    assert survivor.credit_code == code  # it had none: takes the absorbed unit's
    assert set(Person.objects.filter(unit=survivor).values_list("pk", flat=True)) >= {p.pk for p in duplicates["people"]}
    founded = Organization.objects.get(pk=duplicates["organization"].pk)
    assert founded.unit == survivor and founded.region == survivor.region  # an organization lies where its unit is
    assert Task.objects.get(pk=duplicates["task"].pk).target_unit == survivor
    frozen = dict(Headcount.objects.filter(campaign=duplicates["closed"], unit=survivor).values_list("category", "count"))
    assert frozen == {"relative": 7, "returned": 1}
    assert PersonEvent.objects.filter(person__in=duplicates["people"], changes__unit=[absorbed.pk, survivor.pk]).count() == 2
    entry = LogEntry.objects.get(additional_data__event=AuditEvent.MERGE)
    assert entry.actor == tonghai_official and entry.object_pk == str(survivor.pk)
    assert entry.additional_data["absorbed"]["name"] == "通海一中" and entry.additional_data["moved"]["persons"] == 2
    assert "通海一中" in entry.object_repr and "名录第一中学" in entry.object_repr


def test_merge_keeps_the_survivors_credit_code(tonghai_official, directory):
    company = directory["company"]
    twin = UnitFactory(name="名录电力有限公司", region=company.region, credit_code=uscc("91530423MA6K0003"))
    unit_merge(survivor=company, absorbed=twin, editor=tonghai_official)
    company.refresh_from_db()
    assert company.credit_code == uscc("91530423MA6K0001")


def test_merge_re_evaluates_the_survivor_after_the_commit(tonghai_official, duplicates, django_capture_on_commit_callbacks):
    policies_load()
    survivor = duplicates["survivor"]
    evaluate_coverage(region("530423"))
    assert Requirement.objects.get(unit=survivor).headcount == 1
    with django_capture_on_commit_callbacks(execute=True):
        unit_merge(survivor=survivor, absorbed=duplicates["absorbed"], editor=tonghai_official)
    assert Requirement.objects.get(unit=survivor).headcount == 3


def test_merge_refuses_a_unit_outside_the_editors_scope(tonghai_official, huaning_official, directory):
    own, foreign = directory["school"], directory["huaning"]
    before = list(Unit.objects.order_by("pk").values_list())
    with pytest.raises(ValidationError) as refused:
        unit_merge(survivor=own, absorbed=foreign, editor=tonghai_official)
    assert "不在您的管辖范围内" in refused.value.message_dict["absorbed"][0]
    with pytest.raises(PermissionDenied):
        unit_merge(survivor=foreign, absorbed=own, editor=tonghai_official)
    with pytest.raises(ValidationError):
        unit_merge(survivor=own, absorbed=own, editor=tonghai_official)
    assert list(Unit.objects.order_by("pk").values_list()) == before


def test_a_city_user_cannot_merge_a_unit_of_another_prefecture(yuxi_staff, admin_user):
    """玉溪市 staff edit every county of 玉溪市, never 红河州's units."""
    yuxi = unit_create(editor=admin_user, name="跨州测试厂", kind="enterprise", region=region("530402"))
    honghe = unit_create(editor=admin_user, name="跨州测试厂", kind="enterprise", region=region("532501"))
    with pytest.raises(ValidationError):
        unit_merge(survivor=yuxi, absorbed=honghe, editor=yuxi_staff)
    with pytest.raises(PermissionDenied):
        unit_merge(survivor=honghe, absorbed=yuxi, editor=yuxi_staff)
    with pytest.raises(PermissionDenied):
        unit_update(unit=honghe, editor=yuxi_staff, name="改名")
    assert Unit.objects.filter(pk__in=[yuxi.pk, honghe.pk]).count() == 2


def test_merge_page_searches_confirms_and_merges(tonghai_client, duplicates):
    survivor, absorbed = duplicates["survivor"], duplicates["absorbed"]
    url = f"/census/units/{survivor.pk}/merge/"
    found = tonghai_client.get(url, {"q": "一中"})
    assert [u.pk for u in found.context["candidates"]] == [absorbed.pk]
    confirm = tonghai_client.get(url, {"absorbed": absorbed.pk})
    preview = confirm.context["preview"]
    assert preview["people"] == 2 and preview["organizations"] == 1 and preview["credit_code_taken"]
    assert "任务 1 条转到本单位" in confirm.content.decode()
    response = tonghai_client.post(url, {"absorbed": absorbed.pk})
    assert response.status_code == 302 and response["Location"] == f"/census/units/{survivor.pk}/"
    assert not Unit.objects.filter(pk=absorbed.pk).exists()


def test_merge_page_never_offers_or_takes_a_foreign_unit(tonghai_client, directory):
    own, foreign = directory["school"], directory["huaning"]
    url = f"/census/units/{own.pk}/merge/"
    assert "名录华宁厂" not in tonghai_client.get(url, {"q": "名录"}).content.decode()
    shown = tonghai_client.get(url, {"absorbed": foreign.pk})
    assert shown.context["not_found"] and "名录华宁厂" not in shown.content.decode()
    tonghai_client.post(url, {"absorbed": foreign.pk})
    assert Unit.objects.filter(pk=foreign.pk).exists()
    assert tonghai_client.get(f"/census/units/{foreign.pk}/merge/").status_code == 404


def test_merge_api(tonghai_api, duplicates, directory):
    survivor, absorbed = duplicates["survivor"], duplicates["absorbed"]
    refused = tonghai_api.post(f"/api/units/{survivor.pk}/merge/", {"absorbed": directory["huaning"].pk}, format="json")
    assert refused.status_code == 400 and "absorbed" in refused.json()
    assert tonghai_api.post(f"/api/units/{directory['huaning'].pk}/merge/", {"absorbed": absorbed.pk}, format="json").status_code == 404
    done = tonghai_api.post(f"/api/units/{survivor.pk}/merge/", {"absorbed": absorbed.pk}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["moved"]["persons"] == 2 and done.json()["unit"]["credit_code"] == absorbed.credit_code


def test_merge_api_is_refused_to_leadership(leader_api, duplicates):
    response = leader_api.post(f"/api/units/{duplicates['survivor'].pk}/merge/", {"absorbed": duplicates["absorbed"].pk}, format="json")
    assert response.status_code in (403, 404)
    assert Unit.objects.filter(pk=duplicates["absorbed"].pk).exists()


def test_merge_repoints_a_milestone_naming_the_absorbed_unit(tonghai_official, duplicates):
    from tasks.plans.models import Milestone

    survivor, absorbed = duplicates["survivor"], duplicates["absorbed"]
    milestone = Milestone.objects.create(plan=duplicates["task"].plan, name="指定单位建会", deadline=dt.date(2030, 6, 30),
                                         target_rule="named")
    milestone.target_units.set([absorbed])
    unit_merge(survivor=survivor, absorbed=absorbed, editor=tonghai_official)
    assert list(milestone.target_units.all()) == [survivor]


def test_merge_is_refused_while_the_peoples_county_is_approved_and_locked(tonghai_official, yuxi_staff, duplicates):
    from census.registry.locks import CensusLocked
    from census.registry.models import CampaignReport
    from census.rounds.services import report_approve, report_submit, round_open

    campaign = round_open(editor=yuxi_staff, year=2031, name="2031年度玉溪市侨情调查", region=region("530400"))
    report = CampaignReport.objects.get(campaign=campaign, region=region("530423"))
    report_submit(report=report, actor=tonghai_official)
    report_approve(report=CampaignReport.objects.get(pk=report.pk), actor=yuxi_staff)
    with pytest.raises(CensusLocked):
        unit_merge(survivor=duplicates["survivor"], absorbed=duplicates["absorbed"], editor=tonghai_official)
    assert Unit.objects.filter(pk=duplicates["absorbed"].pk).exists()
