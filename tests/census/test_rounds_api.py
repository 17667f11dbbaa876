"""The round steps in the API and on the pages (issue 16 §1): `/api/campaigns/{id}/submit|approve|return|reopen/` with
the county's code and a reason where needed, 403 / 400 / 404 with clear messages and nothing changed when refused;
the reporting table and the changes since the last approval, checked against the OpenAPI schema; the round pages."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from rest_framework.test import APIClient

from census.registry.models import CampaignReport, ReportStatus
from census.rounds.models import CampaignReportStep
from census.rounds.services import report_approve, report_submit, round_open
from orgs.regions.models import Region
from tests.census.factories import register_person, valid_id
from tests.test_api import assert_matches_schema

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    return json.loads(response.content)


@pytest.fixture
def round_2026(yuxi_staff):
    return round_open(editor=yuxi_staff, year=2026, region=Region.objects.get(code="530400"), deadline=dt.date(2026, 6, 30))


def status_of(campaign, code="530423") -> tuple[str, str, int]:
    report = CampaignReport.objects.get(campaign=campaign, region__code=code)
    return report.status, report.reason, CampaignReportStep.objects.filter(report=report).count()


def post(client, campaign, step, **body):
    return client.post(f"/api/campaigns/{campaign.pk}/{step}/", body, format="json")


def test_the_judged_walk_through_the_api(round_2026, api_client_for, tonghai_official, yuxi_staff):
    official, staff = api_client_for(tonghai_official), api_client_for(yuxi_staff)
    response = post(official, round_2026, "submit", region="530423")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert response.json()["region"]["code"] == "530423"

    refused = post(staff, round_2026, "return", region="530423")
    assert refused.status_code == 400 and refused.json() == {"reason": ["退回时请填写理由"]}
    assert status_of(round_2026) == ("submitted", "", 1)
    response = post(staff, round_2026, "return", region="530423", reason="纳古镇漏报")
    assert response.status_code == 200 and response.json()["reason"] == "纳古镇漏报"
    assert post(official, round_2026, "submit", region="530423").status_code == 200
    response = post(staff, round_2026, "approve", region="530423")
    assert response.status_code == 200 and response.json()["status_display"] == "已审核"

    person = register_person(yuxi_staff, seed=9, region_code="530424")  # 华宁县 is not locked
    locked = official.post("/api/persons/", {"name": "锁定后", "id_number": valid_id(31), "category": "relative",
                                             "region": "530423101"}, format="json")
    assert locked.status_code == 400 and "通海县的数据已审核通过，不能修改" in str(locked.json())
    assert person.pk

    response = post(staff, round_2026, "reopen", region="530423", reason="补录")
    assert response.status_code == 200 and response.json()["status"] == "returned"


def test_refusals_say_why_and_change_nothing(round_2026, api_client_for, tonghai_official, huaning_official, yuxi_leader, yuxi_staff):
    official = api_client_for(tonghai_official)
    # another county's report is not there for them; leadership writes nothing
    assert post(api_client_for(huaning_official), round_2026, "submit", region="530423").status_code == 404
    leader = post(api_client_for(yuxi_leader), round_2026, "submit", region="530423")
    assert leader.status_code == 403
    # approve before submit, a county approving itself, a missing region
    early = post(api_client_for(yuxi_staff), round_2026, "approve", region="530423")
    assert early.status_code == 400
    assert early.json() == {"non_field_errors": ["通海县的数据当前为“未提交”，不能审核通过：只能审核已提交的数据"]}
    post(official, round_2026, "submit", region="530423")
    own = post(official, round_2026, "approve", region="530423")
    assert own.status_code == 403 and own.json() == {"detail": "只有上级侨联工作人员可以审核通海县的数据"}
    assert post(official, round_2026, "approve").json() == {"region": ["该字段是必填项。"]}
    assert post(official, round_2026, "submit", region="532501").status_code == 404  # 个旧市: outside, not a reporter
    assert status_of(round_2026) == ("submitted", "", 1)
    assert status_of(round_2026, "530424") == ("not_submitted", "", 0)


def test_reports_and_changes_match_the_schema(round_2026, api_client_for, tonghai_official, yuxi_staff, openapi):
    for seed in range(1, 4):
        register_person(tonghai_official, seed=seed, region_code="530423101")
    report = CampaignReport.objects.select_related("region", "campaign").get(campaign=round_2026, region__code="530423")
    report_submit(report=report, actor=tonghai_official)
    report_approve(report=report, actor=yuxi_staff)

    payload = api_client_for(yuxi_staff).get(f"/api/campaigns/{round_2026.pk}/reports/").json()
    assert_matches_schema(openapi, "/api/campaigns/{id}/reports/", payload)
    assert payload["rate"]["total"] == 9 and payload["rate"]["approved"] == 1 and len(payload["reports"]) == 9
    own = api_client_for(tonghai_official).get(f"/api/campaigns/{round_2026.pk}/reports/").json()
    assert [r["region"]["code"] for r in own["reports"]] == ["530423"]

    payload = api_client_for(tonghai_official).get(f"/api/campaigns/{round_2026.pk}/changes/", {"region": "530423"}).json()
    assert_matches_schema(openapi, "/api/campaigns/{id}/changes/", payload)
    assert payload["baseline"]["campaign_name"] == "2026年度玉溪市侨情调查"
    assert sum(c["now"] for c in payload["categories"]) == 3 and payload["added"] == []
    assert api_client_for(tonghai_official).get(f"/api/campaigns/{round_2026.pk}/changes/", {"region": "530424"}).status_code == 404


# ---- the pages ----------------------------------------------------------------------------------------------------


def test_staff_open_a_round_in_the_page(client_for, yuxi_staff, tonghai_official):
    assert client_for(tonghai_official).get("/census/rounds/new/").status_code == 403
    client = client_for(yuxi_staff)
    assert client.get("/census/rounds/new/").status_code == 200
    response = client.post("/census/rounds/new/", {"year": 2026, "region": "530400", "name": "", "deadline": "2026-06-30",
                                                  "reporting_levels": ["county"]})
    assert response.status_code == 302
    campaign = CampaignReport.objects.filter(region__code="530423").get().campaign
    assert response["Location"] == f"/census/rounds/{campaign.pk}/" and campaign.name == "2026年度玉溪市侨情调查"
    again = client.post("/census/rounds/new/", {"year": 2026, "region": "530400", "deadline": "2026-06-30", "reporting_levels": ["county"]})
    assert again.status_code == 200 and "云南省玉溪市已有 2026 年度的侨情调查" in again.content.decode()


def test_the_round_and_report_pages(round_2026, client_for, tonghai_official, yuxi_staff, yuxi_leader):
    register_person(tonghai_official, seed=1, region_code="530423101")
    official = client_for(tonghai_official)
    page = official.get(f"/census/rounds/{round_2026.pk}/").content.decode()
    assert "通海县" in page and "华宁县" not in page and "核对并提交" in page
    report_page = official.get(f"/census/rounds/{round_2026.pk}/reports/530423/").content.decode()
    assert 'data-testid="submit-report"' in report_page and "首次审核" in report_page
    assert official.post(f"/census/rounds/{round_2026.pk}/reports/530423/approve/").status_code == 403
    response = official.post(f"/census/rounds/{round_2026.pk}/reports/530423/submit/")
    assert response.status_code == 302 and status_of(round_2026)[0] == ReportStatus.SUBMITTED
    assert official.get(f"/census/rounds/{round_2026.pk}/reports/530424/").status_code == 404

    staff = client_for(yuxi_staff)
    city = staff.get(f"/census/rounds/{round_2026.pk}/").content.decode()
    assert "有 1 个单位的数据已提交，等待您审核" in city and "华宁县" in city
    response = staff.post(f"/census/rounds/{round_2026.pk}/reports/530423/return/", {"reason": ""}, follow=True)
    assert "退回时请填写理由" in response.content.decode() and status_of(round_2026)[0] == ReportStatus.SUBMITTED
    staff.post(f"/census/rounds/{round_2026.pk}/reports/530423/approve/")
    assert status_of(round_2026)[0] == ReportStatus.APPROVED
    leader = client_for(yuxi_leader)
    assert leader.get(f"/census/rounds/{round_2026.pk}/reports/530423/").status_code == 200
    assert leader.post(f"/census/rounds/{round_2026.pk}/reports/530423/reopen/", {"reason": "x"}).status_code == 403
    assert status_of(round_2026)[0] == ReportStatus.APPROVED


def test_a_round_opened_through_the_api_takes_the_levels_that_report(api_client_for, yuxi_staff, tonghai_official):
    api = api_client_for(yuxi_staff)
    response = api.post("/api/campaigns/", {"year": 2027, "name": "2027年度玉溪市侨情调查", "region": "530400",
                                            "deadline": "2027-06-30", "reporting_levels": ["county", "township"]}, format="json")
    assert response.status_code == 201, response.content
    reports = CampaignReport.objects.filter(campaign_id=response.json()["id"])
    levels = set(reports.values_list("region__level", flat=True))
    assert levels == {"county", "township"} and reports.filter(region__code="530423101").exists()
    plain = api.post("/api/campaigns/", {"year": 2028, "region": "530400", "name": "2028年度玉溪市侨情调查"}, format="json")
    assert plain.status_code == 201
    assert set(CampaignReport.objects.filter(campaign_id=plain.json()["id"]).values_list("region__level", flat=True)) == {"county"}
    refused = api_client_for(tonghai_official).post("/api/campaigns/", {"year": 2029, "region": "530423", "name": "x"}, format="json")
    assert refused.status_code == 403
