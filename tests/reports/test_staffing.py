"""机构与人员配备 in the report (issue 17 §2) for 玉溪市: the township and village federations without a responsible
leader or daily-affairs cadre per county, the posts, offices and codes; checked against a per-organization count and
shown alike in the PDF and the Excel file."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from orgs.organizations.founding import OrganizationStatus as S
from orgs.organizations.models import Organization, OrganizationKind
from orgs.staffing.models import Establishment, StaffPost
from tasks.reports.data import report_data
from tasks.reports.pdf import report_pdf
from tasks.reports.staffing import GAPS_LISTED
from tasks.reports.xlsx import report_xlsx
from tests.factories import RegionFactory, region
from tests.reports.factories import AS_OF
from tests.reports.test_consistency import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def staffed(world):
    """通海县: 河西镇侨联 founded with only a leader (a gap), 报表镇侨联 still drafting (not counted), a founded village
    federation with both people (the cadre 归侨侨眷), the county federation with an approved office, a code and two posts.
    华宁县: a founded township federation naming nobody, and a dissolved one (not counted)."""
    hexi = Organization.objects.get(name="河西镇侨联")
    Organization.objects.filter(pk=hexi.pk).update(status=S.ACTIVE, responsible_leader="河西镇副书记", daily_affairs_cadre="")
    Organization.objects.create(name="报表村侨联", kind=OrganizationKind.VILLAGE, region=world.village, status=S.ACTIVE,
                                responsible_leader="村支书", daily_affairs_cadre="村文书", daily_affairs_cadre_is_returned=True)
    county = Organization.objects.create(name="通海县侨联", kind=OrganizationKind.COUNTY, region=world.tonghai, status=S.ACTIVE)
    Establishment.objects.create(organization=county, office_status="approved", credit_code_status="assigned",
                                 credit_code="91350100M000100Y43")
    StaffPost.objects.create(organization=county, title="专职副主席", employment="full_time", funding="establishment")
    StaffPost.objects.create(organization=county, title="兼职秘书长", employment="part_time", funding="purchased",
                             is_returned_or_relative=True)
    Organization.objects.create(name="华宁报表镇侨联", kind=OrganizationKind.TOWNSHIP, region=world.foreign_township, status=S.ACTIVE)
    gone = RegionFactory(parent=region("530424"), name="撤销镇")
    Organization.objects.create(name="撤销镇侨联", kind=OrganizationKind.TOWNSHIP, region=gone, status=S.DISSOLVED)
    return world


def plain_gaps(root) -> int:
    """Founded township and village federations of `root`'s subtree without both people, one at a time."""
    return sum(
        1 for o in Organization.objects.within(root)
        if o.kind in ("township", "village") and o.status == S.ACTIVE and not (o.responsible_leader and o.daily_affairs_cadre)
    )


def test_staffing_gaps_per_county_of_yuxi(staffed):
    """Yuxi 三(三): "成立侨联组织的乡镇(街道)、村(社区)要明确一名班子成员负责分管或联系侨联工作，指定一名干部具体负责侨联组织
    日常事务" — the report counts per county the founded ones that do not; "可采用专、兼职结合的方式" — the posts by kind."""
    staffing = report_data(region("530400"), as_of=AS_OF).staffing
    areas = {a.code: a.figures for a in staffing.areas}
    tonghai, huaning = areas["530423"], areas["530424"]
    assert (tonghai.organizations, tonghai.missing_leader, tonghai.missing_cadre, tonghai.with_gaps) == (2, 0, 1, 1)
    assert (tonghai.cadre_returned, tonghai.leader_returned) == (1, 0)
    assert (tonghai.posts_full_time, tonghai.posts_part_time, tonghai.posts_establishment, tonghai.posts_purchased) == (1, 1, 1, 1)
    assert (tonghai.offices, tonghai.registered, tonghai.credit_codes, tonghai.posts_returned) == (1, 0, 1, 1)
    assert (huaning.organizations, huaning.missing_leader, huaning.missing_cadre, huaning.with_gaps) == (1, 1, 1, 1)
    for code, figures in areas.items():
        assert figures.with_gaps == plain_gaps(region(code)), code
    assert staffing.total.with_gaps == plain_gaps(region("530400"))
    listed = {g.name: g for g in staffing.gaps}
    assert set(listed) >= {"河西镇侨联", "华宁报表镇侨联"} and "撤销镇侨联" not in listed and "报表村侨联" not in listed
    assert listed["河西镇侨联"].missing_cadre and not listed["河西镇侨联"].missing_leader
    assert len(staffing.gaps) <= GAPS_LISTED and staffing.gaps_unlisted == staffing.total.with_gaps - len(staffing.gaps)


def test_pdf_and_excel_show_the_staffing_gaps(staffed):
    data = report_data(region("530400"), as_of=AS_OF)
    text = pdf_text(report_pdf(data)).replace("\n", "")
    assert "九、机构与人员配备" in text and "未明确负责人的乡镇、村侨联" in text
    assert "河西镇侨联" in text and "华宁报表镇侨联" in text
    total = data.staffing.total
    assert f"其中 {total.with_gaps} 个未按玉溪方案三(三)明确负责人" in text
    sheet = load_workbook(io.BytesIO(report_xlsx(data)))["人员配备"]
    header = [c.value for c in sheet[1]]
    rows = {row[0]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    assert rows["530423"]["负责人有缺口"] == 1 and rows["530423"]["专职岗位"] == 1 and rows["530423"]["兼职岗位"] == 1
    assert rows["530400"]["区划"] == "合计（含本级）" and rows["530400"]["负责人有缺口"] == total.with_gaps
    assert "河西镇侨联" in rows
