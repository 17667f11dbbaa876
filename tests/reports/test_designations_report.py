"""侨胞之家 designations in the report (issue 17 §4, Jiangxi 32–34): per county of 玉溪市 the designations awarded by
level and kind and the nominations still open, built set-based, shown alike in the PDF and the Excel file; the home
table shows each home's type (Yuxi 三(四): 驿站式、网上侨胞之家)."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from orgs.homes.models import DesignationNomination, Home, HomeDesignation, HomeStanding, NominationStatus
from orgs.homes.nominations import reviewing_regions
from orgs.organizations.models import Organization, OrganizationKind
from tasks.reports.data import report_data
from tasks.reports.designations import designations_by_area
from tasks.reports.pdf import report_pdf
from tasks.reports.xlsx import report_xlsx
from tests.reports.factories import AS_OF
from tests.reports.test_consistency import pdf_text

pytestmark = pytest.mark.django_db


def _home(region, name: str, kind: str = "standard") -> Home:
    organization = Organization.objects.create(name=f"{name}侨联", kind=OrganizationKind.BRANCH, region=region, status="active")
    return Home.objects.create(organization=organization, name=f"{name}侨胞之家", kind=kind, standing=HomeStanding.FULL,
                               online_address="https://example.org" if kind == "online" else "")


@pytest.fixture
def designations(world):
    """通海县: a 市级 示范单位 and a 省级 学习型 (one home), an earlier record without a level, a nomination with the city;
    华宁县: a nomination with the province and one returned."""
    tonghai, huaning = world.tonghai, world.huaning
    first = _home(tonghai, "通海甲", "station")
    HomeDesignation.objects.create(home=first, kind="demonstration", level="city", awarded_on=AS_OF, awarded_by="玉溪市侨联")
    HomeDesignation.objects.create(home=first, kind="learning", level="province", awarded_on=AS_OF, awarded_by="云南省侨联")
    HomeDesignation.objects.create(home=_home(tonghai, "通海乙", "online"), kind="harmonious", awarded_on=AS_OF)
    city, province = reviewing_regions(tonghai)
    for home, status in ((first, NominationStatus.NOMINATED), (_home(huaning, "华宁甲"), NominationStatus.RECOMMENDED),
                         (_home(huaning, "华宁乙"), NominationStatus.RETURNED), (_home(huaning, "华宁丙"), NominationStatus.AWARDED)):
        DesignationNomination.objects.create(home=home, kind="service", status=status, city=city, province=province)
    return world


def test_designations_per_county_by_level_and_kind(designations, django_assert_num_queries):
    """Jiangxi 32: "将“侨胞之家”示范创建等基层侨联建设成效作为地方侨联工作督查考核的重要内容": the city's report counts, per
    county, the designations by the level of the body that awarded them and by kind, and the nominations pending, in
    two aggregate queries whatever the number of counties."""
    data = report_data(designations.yuxi, as_of=AS_OF)
    rows = {r.code: r for r in data.designations.areas}
    tonghai, huaning = rows["530423"], rows["530424"]
    assert (tonghai.city, tonghai.province, tonghai.unlevelled, tonghai.total) == (1, 1, 1, 3)
    assert tonghai.by_kind == [1, 1, 0, 0, 0, 1] and (tonghai.pending, tonghai.returned) == (1, 0)
    assert (huaning.total, huaning.pending, huaning.returned) == (0, 1, 1)
    total = data.designations.total  # the world's demo holds another county's 市级 示范单位 (峨山县)
    assert total.total == sum(r.total for r in rows.values()) >= 3 and total.pending == 2
    assert total.city == sum(r.city for r in rows.values())
    ranges = [(r.tree_id, r.lft, r.rght) for r in sorted([designations.tonghai, designations.huaning], key=lambda r: r.lft)]
    with django_assert_num_queries(2):
        designations_by_area(designations.yuxi, [("530423", "通海县"), ("530424", "华宁县")], ranges)
    kinds = {h.name: h.kind_label for h in data.homes}
    assert kinds["通海甲侨胞之家"] == "驿站式侨胞之家" and kinds["通海乙侨胞之家"] == "网上侨胞之家"


def test_pdf_and_excel_show_the_designations(designations):
    data = report_data(designations.yuxi, as_of=AS_OF)
    text = pdf_text(report_pdf(data))
    assert "十、侨胞之家示范与升级称号" in text
    t = data.designations.total
    assert (f"侨胞之家获得称号 {t.total} 个（市级 {t.city} 个、省级 {t.province} 个）；待上级审核的推荐 2 件，已退回待补充 1 件。"
            in text.replace("\n", ""))
    assert re.search(r"^\s*通海县\s+1\s+1\s+1\s+1\s+0\s+0\s+0\s+1\s+1\s+0\s*$", text, re.M), text[-2500:]
    assert "驿站式侨胞之家" in text
    book = load_workbook(io.BytesIO(report_xlsx(data)))
    sheet = book["侨胞之家称号"]
    header = [c.value for c in sheet[1]]
    rows = {row[0]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert (rows["530423"]["市级称号"], rows["530423"]["省级称号"], rows["530423"]["示范单位"]) == (1, 1, 1)
    assert (rows["530424"]["待审推荐"], rows["530424"]["已退回"]) == (1, 1)
    assert rows["530400"]["区划"] == "合计（含本级）" and rows["530400"]["待审推荐"] == 2
    assert "类型" in [c.value for c in book["侨胞之家"][1]]
