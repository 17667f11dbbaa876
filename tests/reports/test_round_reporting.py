"""The census round in the dashboard and the reports (issue 16 §1): the reporting-rate panel of the open round of the
scope, moving as counties submit and are approved; and the basis (依据) every report states, built once by the report
data selector for the dashboard, the PDF, the Excel file and the API."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from census.registry.models import CampaignReport
from census.rounds.services import report_approve, report_submit, round_open
from orgs.regions.models import Region
from tasks.reports.data import report_data
from tasks.reports.pdf import report_html
from tasks.reports.xlsx import report_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_2026(yuxi_staff):
    return round_open(editor=yuxi_staff, year=2026, region=Region.objects.get(code="530400"), deadline=dt.date(2026, 6, 30))


def tonghai(campaign) -> CampaignReport:
    return CampaignReport.objects.select_related("region", "campaign").get(campaign=campaign, region__code="530423")


def panel(client, path="/") -> str:
    html = client.get(path).content.decode()
    start = html.index('data-testid="round-reporting"')
    return html[start:html.index("</section>", start)]


def test_the_dashboard_reporting_rate_moves(round_2026, client_for, yuxi_staff, tonghai_official, django_capture_on_commit_callbacks):
    city = client_for(yuxi_staff)
    html = panel(city)
    assert 'data-testid="round-reported">0/9<' in html and f'/census/rounds/{round_2026.pk}/' in html
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(report=tonghai(round_2026), actor=tonghai_official)
    html = panel(city)
    assert 'data-testid="round-reported">1/9<' in html and 'data-testid="round-submitted">1<' in html
    with django_capture_on_commit_callbacks(execute=True):
        report_approve(report=tonghai(round_2026), actor=yuxi_staff)
    html = panel(city)
    assert 'data-testid="round-approved">1<' in html and 'data-testid="round-submitted">0<' in html
    page = city.get("/").content.decode()
    assert "依据：2026年度玉溪市侨情调查（9 个填报单位中 1 个已审核）" in page
    # the county's own dashboard: its one row
    county = panel(client_for(tonghai_official))
    assert 'data-testid="round-reported">1/1<' in county and "华宁县" not in county


def test_the_reports_state_their_basis(round_2026, tonghai_official, yuxi_staff, api_client_for):
    report_submit(report=tonghai(round_2026), actor=tonghai_official)
    report_approve(report=tonghai(round_2026), actor=yuxi_staff)
    data = report_data(Region.objects.get(code="530423"), as_of=dt.date(2026, 7, 1))
    assert data.basis.text == "依据：2026年度玉溪市侨情调查（通海县已审核）" and data.basis.approved
    assert (data.reporting.total, data.reporting.approved) == (1, 1)
    html = report_html(data)
    assert "2026年度玉溪市侨情调查（通海县已审核）" in html and "依据：2026年度玉溪市侨情调查（通海县已审核）" in html
    summary = load_workbook(io.BytesIO(report_xlsx(data))).worksheets[0]
    facts = {summary.cell(row=r, column=8).value: summary.cell(row=r, column=9).value for r in range(1, 8)}
    assert facts["数据依据"] == "2026年度玉溪市侨情调查（通海县已审核）"
    headline = api_client_for(yuxi_staff).get("/api/dashboard/", {"region": "530400"}).json()
    assert headline["basis"]["text"] == "依据：2026年度玉溪市侨情调查（9 个填报单位中 1 个已审核）"
    assert headline["reporting"]["approved"] == 1 and headline["reporting"]["total"] == 9


def test_the_coverage_page_states_its_basis(round_2026, client_for, tonghai_official):
    html = client_for(tonghai_official).get("/census/coverage/gaps/").content.decode()
    assert "依据：2026年度玉溪市侨情调查（通海县未提交）" in html
