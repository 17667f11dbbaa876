"""Census rounds (issue 16 §1): a round and its reporting regions, the steps of a report (submit, approve, return,
reopen) and every refusal, approval climbing from counties to their city, the lock that an approval puts on every
write path of the county's census rows and its release on reopening, what changed since the last approval, the
reporting rate and the basis (依据) that reports state."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from census.importing.models import ImportStatus
from census.importing.services import census_import_request, census_import_upload
from census.registry.locks import CensusLocked, census_locks
from census.registry.models import Campaign, CampaignReport, Person, ReportStatus
from census.registry.services import (
    campaign_close,
    person_link_document,
    person_transfer,
    person_unlink_document,
    person_update,
)
from census.rounds.models import ApprovalSnapshot, CampaignReportStep, ReportStep
from census.rounds.selectors import (
    changes_since_approval,
    reporting_rate,
    round_basis,
)
from census.rounds.services import (
    report_approve,
    report_reopen,
    report_return,
    report_submit,
    round_open,
)
from orgs.access.roles import Role
from orgs.regions.models import Region
from tests.census import import_files as files
from tests.census.factories import register_person, valid_id
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_dir")]

LOCKED = "2026年度玉溪市侨情调查：通海县的数据已审核通过，不能修改；如需修改请联系上级侨联退回"
DEADLINE = dt.date(2026, 6, 30)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.fixture
def round_2026(yuxi_staff) -> Campaign:
    """玉溪市 staff open the 2026 round: the nine counties of 玉溪市 report."""
    return round_open(editor=yuxi_staff, year=2026, region=region("530400"), deadline=DEADLINE)


def report_of(campaign: Campaign, code: str) -> CampaignReport:
    return CampaignReport.objects.select_related("region", "campaign").get(campaign=campaign, region__code=code)


@pytest.fixture
def tonghai(round_2026) -> CampaignReport:
    return report_of(round_2026, "530423")


@pytest.fixture
def people(tonghai_official, round_2026) -> list[Person]:
    """Five people of 通海县 (河西镇 and the county), one a returnee."""
    made = [register_person(tonghai_official, seed=seed, region_code="530423101") for seed in range(1, 4)]
    made.append(register_person(tonghai_official, seed=4, region_code="530423", category="returned"))
    made.append(register_person(tonghai_official, seed=5, region_code="530423102"))
    return made


def approved(report: CampaignReport, official, staff) -> CampaignReport:
    report_submit(report=report, actor=official)
    return report_approve(report=report, actor=staff)


def state(report: CampaignReport) -> tuple:
    report.refresh_from_db()
    return report.status, report.reason, CampaignReportStep.objects.filter(report=report).count()


# ---- opening a round ------------------------------------------------------------------------------------------


def test_a_round_reports_by_county_by_default(round_2026, yuxi_staff):
    codes = set(CampaignReport.objects.filter(campaign=round_2026).values_list("region__code", flat=True))
    assert codes == set(Region.objects.get(code="530400").get_children().values_list("code", flat=True))
    assert len(codes) == 9 and all(r.status == ReportStatus.NOT_SUBMITTED for r in CampaignReport.objects.all())


def test_a_province_round_may_have_cities_report_too(yunnan_staff):
    campaign = round_open(editor=yunnan_staff, year=2026, region=region("530000"), deadline=DEADLINE,
                          reporting_levels=["city", "county"])
    levels = {level for (level,) in CampaignReport.objects.filter(campaign=campaign).values_list("region__level")}
    assert levels == {"city", "county"} and campaign.name == "2026年度云南省侨情调查"
    assert CampaignReport.objects.filter(campaign=campaign, region__code="530400").exists()


def test_a_round_opened_anywhere_else_gets_its_counties(admin_user):
    campaign = Campaign.objects.create(year=2027, name="后台发起", region=region("530400"))
    assert CampaignReport.objects.filter(campaign=campaign).count() == 9
    closed = Campaign.objects.create(year=2019, name="历史调查", region=region("530400"), is_open=False)
    assert not CampaignReport.objects.filter(campaign=closed).exists()


def test_only_staff_open_rounds_in_their_region(tonghai_official, yuxi_leader, yuxi_staff):
    with pytest.raises(PermissionDenied):
        round_open(editor=tonghai_official, year=2026, region=region("530423"), deadline=DEADLINE)
    with pytest.raises(PermissionDenied):
        round_open(editor=yuxi_leader, year=2026, region=region("530400"), deadline=DEADLINE)
    with pytest.raises(ValidationError):
        round_open(editor=yuxi_staff, year=2026, region=region("532500"), deadline=DEADLINE)  # 红河州
    assert not Campaign.objects.exists()


# ---- the steps ------------------------------------------------------------------------------------------------


def test_submit_return_resubmit_approve(tonghai, tonghai_official, yuxi_staff, people):
    report_submit(report=tonghai, actor=tonghai_official)
    assert state(tonghai) == (ReportStatus.SUBMITTED, "", 1)
    first = tonghai.first_submitted_at

    report_return(report=tonghai, actor=yuxi_staff, reason="河西镇缺少留学人员数据")
    assert state(tonghai) == (ReportStatus.RETURNED, "河西镇缺少留学人员数据", 2)

    report_submit(report=tonghai, actor=tonghai_official)
    tonghai.refresh_from_db()
    # the reason stays for the reviewer to check the fix against, until the approval
    assert tonghai.first_submitted_at == first and tonghai.submitted_at > first and tonghai.reason == "河西镇缺少留学人员数据"

    report_approve(report=tonghai, actor=yuxi_staff)
    assert state(tonghai) == (ReportStatus.APPROVED, "", 4)
    steps = list(CampaignReportStep.objects.filter(report=tonghai).order_by("at", "pk").values_list("step", "status_before", "status_after", "actor__username"))
    assert steps == [
        (ReportStep.SUBMIT, "not_submitted", "submitted", "tonghai_official"),
        (ReportStep.RETURN, "submitted", "returned", "yuxi_staff"),
        (ReportStep.SUBMIT, "returned", "submitted", "tonghai_official"),
        (ReportStep.APPROVE, "submitted", "approved", "yuxi_staff"),
    ]
    approval = CampaignReportStep.objects.get(report=tonghai, step=ReportStep.APPROVE)
    assert approval.summary["people"] == 5 and approval.summary["by_category"]["returned"] == 1
    audited = list(LogEntry.objects.filter(additional_data__event="census_round").order_by("pk").values_list("object_repr", flat=True))
    assert audited[1] == "2026年度玉溪市侨情调查：通海县 退回（理由：河西镇缺少留学人员数据）"
    assert len(audited) == 4


@pytest.mark.parametrize("who", ["tonghai_official", "tonghai_county_staff"])
def test_a_county_never_approves_its_own_data(who, request, tonghai, tonghai_official):
    if who == "tonghai_county_staff":
        actor = UserFactory(username="tonghai_county_staff")
        MembershipFactory(user=actor, role=Role.STAFF, region=region("530423"))
    else:
        actor = request.getfixturevalue(who)
    report_submit(report=tonghai, actor=tonghai_official)
    with pytest.raises(PermissionDenied, match="只有上级侨联工作人员可以审核通海县的数据"):
        report_approve(report=tonghai, actor=actor)
    with pytest.raises(PermissionDenied):
        report_return(report=tonghai, actor=actor, reason="自己退回")
    assert state(tonghai) == (ReportStatus.SUBMITTED, "", 1)


def test_others_may_not_submit_a_county(tonghai, huaning_official, yuxi_leader, yuxi_staff):
    for actor in (huaning_official, yuxi_leader, yuxi_staff):
        with pytest.raises(PermissionDenied, match="只有通海县的填报人员可以提交本单位的数据"):
            report_submit(report=tonghai, actor=actor)
    assert state(tonghai) == (ReportStatus.NOT_SUBMITTED, "", 0)


def test_steps_at_the_wrong_moment_are_refused_and_change_nothing(tonghai, tonghai_official, yuxi_staff):
    with pytest.raises(ValidationError, match="通海县的数据当前为“未提交”，不能审核通过"):
        report_approve(report=tonghai, actor=yuxi_staff)
    with pytest.raises(ValidationError, match="不能退回"):
        report_return(report=tonghai, actor=yuxi_staff, reason="还没交")
    with pytest.raises(ValidationError, match="尚未审核通过，无需重新打开"):
        report_reopen(report=tonghai, actor=yuxi_staff, reason="重新打开")
    report_submit(report=tonghai, actor=tonghai_official)
    with pytest.raises(ValidationError, match="已提交，正在等待上级审核"):
        report_submit(report=tonghai, actor=tonghai_official)
    with pytest.raises(ValidationError) as refused:
        report_return(report=tonghai, actor=yuxi_staff, reason="   ")
    assert refused.value.message_dict == {"reason": ["退回时请填写理由"]}
    assert state(tonghai) == (ReportStatus.SUBMITTED, "", 1)
    report_approve(report=tonghai, actor=yuxi_staff)
    with pytest.raises(ValidationError, match="已审核通过，无需再次提交"):
        report_submit(report=tonghai, actor=tonghai_official)
    with pytest.raises(ValidationError, match="退回修改时请填写理由"):
        report_reopen(report=tonghai, actor=yuxi_staff, reason="")
    assert state(tonghai) == (ReportStatus.APPROVED, "", 2)


def test_a_closed_round_takes_no_more_steps(round_2026, tonghai, tonghai_official, yuxi_staff):
    campaign_close(campaign=round_2026, editor=yuxi_staff)
    with pytest.raises(ValidationError, match="2026年度玉溪市侨情调查已结束"):
        report_submit(report=tonghai, actor=tonghai_official)


def test_approval_climbs_from_the_counties_to_their_city(yunnan_staff, yuxi_staff, tonghai_official, admin_user):
    campaign = round_open(editor=yunnan_staff, year=2026, region=region("530000"), deadline=DEADLINE,
                          reporting_levels=["city", "county"])
    yuxi = report_of(campaign, "530400")
    with pytest.raises(ValidationError, match="玉溪市的下级填报单位尚未全部审核通过，不能提交：红塔区（未提交）"):
        report_submit(report=yuxi, actor=yuxi_staff)
    counties = list(CampaignReport.objects.filter(campaign=campaign, region__parent__code="530400").select_related("region", "campaign"))
    for county in counties:
        approved(county, tonghai_official if county.region.code == "530423" else admin_user, yuxi_staff)
    # the city's own staff submit the city; a county official of it does not, nor does the city approve itself
    with pytest.raises(PermissionDenied):
        report_submit(report=yuxi, actor=tonghai_official)
    report_submit(report=yuxi, actor=yuxi_staff)
    with pytest.raises(PermissionDenied, match="只有上级侨联工作人员可以审核玉溪市的数据"):
        report_approve(report=yuxi, actor=yuxi_staff)
    # a county reopened below a submitted city: refused until the city is returned
    tonghai = report_of(campaign, "530423")
    with pytest.raises(ValidationError, match="玉溪市的数据已提交，请先退回玉溪市，再退回修改通海县"):
        report_reopen(report=tonghai, actor=yuxi_staff, reason="补录")
    report_approve(report=yuxi, actor=yunnan_staff)
    assert state(yuxi)[0] == ReportStatus.APPROVED
    assert not ApprovalSnapshot.objects.filter(report=yuxi).exists()  # a city is the sum of its counties' snapshots
    with pytest.raises(ValidationError, match="玉溪市的数据已审核通过，请先退回修改玉溪市"):
        report_reopen(report=tonghai, actor=yuxi_staff, reason="补录")
    report_reopen(report=yuxi, actor=yunnan_staff, reason="通海县需补录")
    report_reopen(report=tonghai, actor=yuxi_staff, reason="补录")
    assert state(tonghai)[:2] == (ReportStatus.RETURNED, "补录")
    # and the city cannot be submitted again before its county is approved again
    with pytest.raises(ValidationError, match="通海县（已退回）"):
        report_submit(report=yuxi, actor=yuxi_staff)


# ---- the lock ---------------------------------------------------------------------------------------------------


def test_approval_locks_every_write_path_of_the_county_and_reopening_releases_it(
    tonghai, tonghai_official, yuxi_staff, huaning_official, people, tmp_path
):
    him = people[0]
    passport = person_link_document(person=people[1], editor=tonghai_official, id_type="passport", id_number="E12345678").documents.get()
    neighbour = register_person(huaning_official, seed=40, region_code="530424")
    approved(tonghai, tonghai_official, yuxi_staff)
    before = list(Person.objects.order_by("pk").values_list())

    attempts = {
        "create": lambda: register_person(tonghai_official, seed=41, region_code="530423101"),
        "update": lambda: person_update(person=him, editor=tonghai_official, name="改名"),
        "transfer out": lambda: person_transfer(person=him, editor=yuxi_staff, to_region=region("530424")),
        "transfer in": lambda: person_transfer(person=neighbour, editor=yuxi_staff, to_region=region("530423101")),
        "move in": lambda: person_update(person=neighbour, editor=yuxi_staff, region=region("530423")),
        "link": lambda: person_link_document(person=him, editor=tonghai_official, id_type="passport", id_number="E87654321"),
        "unlink": lambda: person_unlink_document(document=passport, editor=tonghai_official),
    }
    for name, attempt in attempts.items():
        with pytest.raises(CensusLocked) as refused:
            attempt()
        assert refused.value.messages == [LOCKED], name
    assert list(Person.objects.order_by("pk").values_list()) == before
    # the neighbouring county is not locked
    person_update(person=neighbour, editor=huaning_official, name="华宁改名")

    # the import's commit: refused as a whole, the preview stands
    ids = files.ids("530423", 2, seed=77)
    sheet = files.write_csv(tmp_path / "tonghai.csv", ["姓名", "身份证号码", "类别", "居住地区划代码"],
                            [["补录甲", ids[0], "侨眷", "530423101"], ["补录乙", ids[1], "归侨", "530423102"]])
    record = census_import_upload(
        user=tonghai_official, uploaded_file=SimpleUploadedFile("tonghai.csv", Path(sheet).read_bytes()), campaign=tonghai.campaign
    )
    record = census_import_request(record=record, user=tonghai_official, commit=False, inline=True)
    assert record.status == ImportStatus.PREVIEWED
    from django.test import Client  # the preview page says so before the commit is tried

    page = Client()
    page.force_login(tonghai_official)
    assert LOCKED in page.get(f"/census/imports/{record.pk}/").content.decode()
    record = census_import_request(record=record, user=tonghai_official, commit=True, inline=True)
    assert (record.status, record.message) == (ImportStatus.PREVIEWED, LOCKED)
    assert Person.objects.count() == len(before)

    report_reopen(report=tonghai, actor=yuxi_staff, reason="补录两人")
    record = census_import_request(record=record, user=tonghai_official, commit=True, inline=True)
    assert (record.status, record.new) == (ImportStatus.COMMITTED, 2)
    for name in ("update", "link", "unlink"):
        attempts[name]()
    assert census_locks([region("530423101").pk]) == []


def test_the_lock_is_one_query_and_covers_the_townships(tonghai, tonghai_official, yuxi_staff, django_assert_num_queries):
    approved(tonghai, tonghai_official, yuxi_staff)
    places = [region(code).pk for code in ("530423101", "530423102", "530424", "530402")]
    with django_assert_num_queries(1):
        locks = census_locks(places)
    assert [(lock.region_name, lock.message) for lock in locks] == [("通海县", LOCKED)]


def test_a_closed_round_locks_nothing(round_2026, tonghai, tonghai_official, yuxi_staff):
    approved(tonghai, tonghai_official, yuxi_staff)
    campaign_close(campaign=round_2026, editor=yuxi_staff)
    register_person(tonghai_official, seed=50, region_code="530423101")


def test_the_pages_and_the_api_show_the_lock(tonghai, tonghai_official, yuxi_staff, people, client_for, api_client_for):
    approved(tonghai, tonghai_official, yuxi_staff)
    him = people[0]
    page = client_for(tonghai_official).post(f"/census/persons/{him.pk}/edit/", {
        "name": "网页改名", "category": "relative", "region": "530423101", "id_type": "resident_id", "id_number": "",
        "gender": "", "birth_date": "", "unit": "", "country": "", "phone": "", "notes": "",
    })
    assert page.status_code == 200 and LOCKED in page.content.decode()
    api = api_client_for(tonghai_official).patch(f"/api/persons/{him.pk}/", {"name": "接口改名"}, format="json")
    assert api.status_code == 400 and api.json() == {"non_field_errors": [LOCKED]}
    created = api_client_for(tonghai_official).post(
        "/api/persons/", {"name": "新人", "id_number": valid_id(60), "category": "student", "region": "530423101"}, format="json"
    )
    assert created.status_code == 400 and LOCKED in str(created.json())
    him.refresh_from_db()
    assert him.name == "人员1"


# ---- what changed since the last approval ------------------------------------------------------------------------


def test_changes_since_the_last_approval(tonghai, tonghai_official, yuxi_staff, huaning_official, people):
    first = changes_since_approval(tonghai)
    assert first.baseline is None and first.totals["added"] == 5 and first.totals["now"] == 5
    approved(tonghai, tonghai_official, yuxi_staff)
    assert ApprovalSnapshot.objects.filter(report=tonghai).count() == 5
    assert changes_since_approval(tonghai).unchanged

    report_reopen(report=tonghai, actor=yuxi_staff, reason="复核")
    new = [register_person(tonghai_official, seed=seed, region_code="530423102", category="student") for seed in (20, 21)]
    person_transfer(person=people[0], editor=yuxi_staff, to_region=region("530424"))  # moved out: removed
    person_transfer(person=people[1], editor=tonghai_official, to_region=region("530423102"))  # moved inside
    person_update(person=people[2], editor=tonghai_official, category="returned")  # recategorized
    came = register_person(huaning_official, seed=22, region_code="530424")
    person_transfer(person=came, editor=yuxi_staff, to_region=region("530423"))  # moved in: added

    changes = changes_since_approval(tonghai, user=tonghai_official)
    by = {c.category: c for c in changes.categories}
    assert (by["relative"].before, by["relative"].now) == (4, 3)
    assert (by["relative"].added, by["relative"].removed, by["relative"].moved, by["relative"].recategorized) == (1, 1, 1, 0)
    assert (by["student"].added, by["returned"].recategorized, by["returned"].now) == (2, 1, 2)
    assert changes.totals == {"before": 5, "now": 7, "added": 3, "removed": 1, "moved": 1, "recategorized": 1}
    assert {p.person_id for p in changes.added} == {new[0].pk, new[1].pk, came.pk}
    [gone] = changes.removed
    assert (gone.person_id, gone.name, gone.url, gone.after) == (people[0].pk, "（不在您的管辖范围内）", "", "已迁出")
    [moved] = changes.moved
    assert moved.before == "侨眷 · 河西镇" and moved.after == "侨眷 · 纳古镇" and moved.url.endswith(f"/persons/{people[1].pk}/")
    [recategorized] = changes.recategorized
    assert (recategorized.before, recategorized.after) == ("侨眷 · 河西镇", "归侨 · 河西镇")
    assert changes_since_approval(tonghai, user=yuxi_staff).removed[0].after == "现居 华宁县"

    report_submit(report=tonghai, actor=tonghai_official)
    report_approve(report=tonghai, actor=yuxi_staff)
    approval = CampaignReportStep.objects.filter(report=tonghai, step=ReportStep.APPROVE).first()
    assert approval.summary["changes"]["student"]["added"] == 2 and approval.summary["baseline"] == tonghai.pk
    assert ApprovalSnapshot.objects.filter(report=tonghai).count() == 7
    assert changes_since_approval(tonghai).unchanged


def test_the_next_round_compares_with_the_last_rounds_approval(round_2026, tonghai, tonghai_official, yuxi_staff, people):
    approved(tonghai, tonghai_official, yuxi_staff)
    campaign_close(campaign=round_2026, editor=yuxi_staff)
    next_round = round_open(editor=yuxi_staff, year=2027, region=region("530400"), deadline=dt.date(2027, 6, 30))
    register_person(tonghai_official, seed=30, region_code="530423101")
    changes = changes_since_approval(report_of(next_round, "530423"))
    assert changes.baseline.campaign_name == "2026年度玉溪市侨情调查" and changes.totals["added"] == 1


def test_the_changes_cost_a_fixed_number_of_queries(tonghai, tonghai_official, yuxi_staff, people, django_assert_max_num_queries):
    approved(tonghai, tonghai_official, yuxi_staff)
    report_reopen(report=tonghai, actor=yuxi_staff, reason="复核")
    for seed in range(60, 70):
        register_person(tonghai_official, seed=seed, region_code="530423101")
    with django_assert_max_num_queries(11):
        changes_since_approval(tonghai, user=tonghai_official)


# ---- the reporting rate and the basis ---------------------------------------------------------------------------


def test_reporting_rate_on_time_and_late(round_2026, tonghai, tonghai_official, huaning_official, yuxi_staff, monkeypatch):
    huaning = report_of(round_2026, "530424")
    on_time = timezone.make_aware(dt.datetime(2026, 6, 20, 10))
    monkeypatch.setattr(timezone, "now", lambda: on_time)
    approved(tonghai, tonghai_official, yuxi_staff)
    monkeypatch.setattr(timezone, "now", lambda: on_time + dt.timedelta(days=15))  # 2026-07-05: late
    report_submit(report=huaning, actor=huaning_official)

    rate = reporting_rate(round_2026, as_of=dt.date(2026, 7, 10))
    assert (rate.total, rate.approved, rate.submitted, rate.not_submitted, rate.reported) == (9, 1, 1, 7, 2)
    assert rate.reported_percent == 22.2 and rate.on_time == 1 and rate.overdue == 7
    late = {r.region_code: (r.days_overdue, r.on_time) for r in rate.late}
    assert late["530424"] == (0, False) and late["530402"] == (10, None) and "530423" not in late
    assert rate.late[0].days_overdue == 10  # the overdue first
    # a county official sees their own county only
    assert [r.region_code for r in reporting_rate(round_2026, as_of=dt.date(2026, 7, 10), user=tonghai_official).rows] == ["530423"]


def test_the_basis_says_which_round_and_whether_it_is_approved(round_2026, tonghai, tonghai_official, yuxi_staff):
    assert round_basis(region("530423")).text == "依据：2026年度玉溪市侨情调查（通海县未提交）"
    approved(tonghai, tonghai_official, yuxi_staff)
    assert round_basis(region("530423")).text == "依据：2026年度玉溪市侨情调查（通海县已审核）"
    assert round_basis(region("530423101")).text == "依据：2026年度玉溪市侨情调查（通海县已审核）"
    assert round_basis(region("530400")).text == "依据：2026年度玉溪市侨情调查（9 个填报单位中 1 个已审核）"
    assert round_basis(region("530100")).text == "依据：登记库实时数据（无进行中的侨情调查）"
