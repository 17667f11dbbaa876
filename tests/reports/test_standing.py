"""Standing and incentives in the reports and the dashboard (issue 17 §4): the yearly 督查考核 beside coverage, budget
funding rolled up per region (Jiangxi 37: "力争基层侨联工作经费列入同级财政预算"; Yuxi 三(五): "将侨联年度工作所必须的经费保障，
列入同级财政预算"), and the plan's leadership group on the report's cover (Yuxi 四)."""
from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from orgs.assessments.services import assessment_save, sheet_create
from orgs.organizations.founding import OrganizationStatus as S
from orgs.organizations.models import Organization, OrganizationKind
from tasks.plans.leadership import leadership_group_load
from tasks.plans.models import Plan
from tasks.reports.data import report_data
from tasks.reports.pdf import report_pdf
from tasks.reports.xlsx import report_xlsx
from tests.factories import region
from tests.reports.factories import AS_OF
from tests.reports.test_consistency import pdf_text

pytestmark = pytest.mark.django_db
YEAR = AS_OF.year - 1  # the latest year assessed up to the report date
YUXI_SEED = Path(settings.BASE_DIR) / "fixtures" / "plans" / "yuxi_2020.json"


def _funding(name: str, funded: bool, amount: str | None) -> None:
    Organization.objects.filter(name=name).update(budget_funded=funded, budget_amount=Decimal(amount) if amount else None)


@pytest.fixture
def standing(world, yuxi_staff):
    """Funding of 玉溪市's founded organizations set here; the city's 2025 sheet and three county federations assessed."""
    Organization.objects.create(name="通海县侨联", kind=OrganizationKind.COUNTY, region=world.tonghai, status=S.ACTIVE)
    Organization.objects.create(name="通海归侨联谊会", kind=OrganizationKind.ASSOCIATION, region=world.tonghai, status=S.ACTIVE,
                                budget_funded=True, budget_amount=Decimal("99"))
    for name, funded, amount in (("红塔区侨联", True, "20.00"), ("峨山县侨联", True, "8.50"), ("元江县侨联", False, None),
                                 ("双江街道侨联", True, "1.50"), ("澧江街道侨联", True, None), ("报表镇侨联", True, "5.00")):
        _funding(name, funded, amount)
    sheet = sheet_create(actor=yuxi_staff, region=world.yuxi, year=YEAR, name="玉溪市侨联督查考核评分表",
                         items=[("组织建设", "50"), ("工作成效", "50")], grades=[("优秀", "90"), ("良好", "80"), ("合格", "60"), ("不合格", "0")])
    items = list(sheet.items.order_by("order"))
    for name, a, b in (("红塔区侨联", "48", "47"), ("通海县侨联", "40", "32"), ("峨山县侨联", "45", "40")):
        assessment_save(actor=yuxi_staff, organization=Organization.objects.get(name=name), year=YEAR,
                        scores={items[0].pk: a, items[1].pk: b})
    return world


def test_funding_rolls_up_per_county_and_for_yuxi(standing):
    """玉溪市: founded organizations (已成立, 涉侨社团 left out) with and without budget funding and the amounts, per
    county and in total; the drafting 报表镇侨联 and the association count nowhere."""
    data = report_data(standing.yuxi, as_of=AS_OF)
    rows = {row.code: row for row in data.standing.areas}
    figures = {code: (r.funded, r.unfunded, r.budget_amount) for code, r in rows.items() if r.organizations}
    assert figures == {
        "530402": (1, 0, Decimal("20.00")),  # 红塔区
        "530423": (0, 1, Decimal("0")),  # 通海县: its new county federation, unfunded
        "530426": (2, 0, Decimal("10.00")),  # 峨山县 and 双江街道
        "530428": (1, 1, Decimal("0")),  # 元江县 unfunded; 澧江街道 funded, no amount given
    }
    total = data.standing.total
    assert (total.funded, total.unfunded, total.budget_amount, total.funded_percent) == (4, 2, Decimal("30.00"), 66.7)
    plain = Organization.objects.within(region("530400")).filter(status=S.ACTIVE).exclude(kind=OrganizationKind.ASSOCIATION)
    assert total.funded == plain.filter(budget_funded=True).count() and total.organizations == plain.count()


def test_yearly_scores_beside_coverage(standing):
    """"督查考核 … reports and the dashboard show beside coverage": per county the organizations assessed, the average
    score and the grade counts (grade names from the sheet), with the county's coverage; the city lists each one."""
    data = report_data(standing.yuxi, as_of=AS_OF)
    s = data.standing
    assert s.year == YEAR and s.grade_names == ["优秀", "良好", "合格"]
    rows = {row.code: row for row in s.areas}
    assert (rows["530423"].assessed, rows["530423"].average_score, rows["530423"].grades) == (1, Decimal("72.0"), {"合格": 1})
    assert rows["530423"].coverage_percent == next(a for a in data.areas if a.region.code == "530423").percent
    assert (s.total.assessed, s.total.average_score, s.total_grades) == (3, Decimal("84.0"), [1, 1, 1])
    assert [(o.name, o.total, o.grade) for o in s.organizations] == [
        ("红塔区侨联", Decimal("95.0"), "优秀"), ("通海县侨联", Decimal("72.0"), "合格"), ("峨山县侨联", Decimal("85.0"), "良好")]
    assert data.headline()["standing"]["total"]["funded"] == 4


def test_pdf_and_excel_show_standing_and_the_leadership_group_on_the_cover(standing):
    """Yuxi 四 as the seed writes it — "成立市委统战部主要领导任组长……领导小组下设办公室在市侨联，由市侨联党组书记、主席罗云川
    兼任办公室主任" — recorded on the city's plan, printed on the report's cover; section 九 and the Excel sheets give the
    assessment and funding figures."""
    spec = json.loads(YUXI_SEED.read_text(encoding="utf-8"))["leadership_group"]
    assert "罗云川兼任办公室主任" in spec["clause"]
    leadership_group_load(Plan.objects.get(title="玉溪市基层侨联组织建设实施方案"), spec)
    data = report_data(standing.yuxi, as_of=AS_OF)
    text = pdf_text(report_pdf(data))
    cover = text.split("\f")[0]
    assert "玉溪市侨联组织建设工作领导小组" in cover
    assert "组长：市委统战部主要领导" in cover and "办公室主任：罗云川（市侨联党组书记、主席）" in cover
    assert "领导小组办公室设在市侨联" in cover
    assert text.split("\f")[1].lstrip().startswith("一、总体情况")  # the cover keeps to one page with the group on it
    assert "十二、年度督查考核与经费保障" in text
    assert re.search(r"^\s*通海县\s+\S+\s+1\s+72\.0\s+0\s+0\s+1\s+0\s+1\s+0\.0%\s+0\.00\s*$", text, re.M), text[-2500:]
    workbook = load_workbook(io.BytesIO(report_xlsx(data)))
    funding = [list(r) for r in workbook["经费保障"].iter_rows(values_only=True)]
    assert funding[-1][2:] == [6, 4, 2, 0.667, 30]
    assert next(r[1] for r in workbook["领导小组"].iter_rows(min_row=2, values_only=True)) == "玉溪市侨联组织建设工作领导小组"
    assert workbook["督查考核"]["G1"].value == "优秀"


def test_the_dashboard_shows_funding_and_scores(standing, client_for, yuxi_leader):
    page = client_for(yuxi_leader).get(reverse("dashboard", kwargs={"code": "530400"})).content.decode()
    assert 'data-testid="standing"' in page
    assert re.search(r'data-testid="standing-funded">4<', page) and re.search(r'data-testid="standing-amount">30\.00<', page)
