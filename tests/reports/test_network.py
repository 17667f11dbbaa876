"""The network figures of the report (issue 16 §3): 1+N and 1+Y coverage and WeChat groups per area, from data made
here, checked against a plain per-organization count (the pure Jiangxi 14 rule, one organization at a time) and
shown alike in the PDF and the Excel file."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from orgs.organizations import network
from orgs.organizations.founding import OrganizationStatus as S
from orgs.organizations.models import (
    AffiliatedAssociation,
    Organization,
    OrganizationKind,
    OverseasAssociation,
    WechatGroup,
)
from tasks.reports.data import NetworkRow, report_data
from tasks.reports.pdf import report_pdf
from tasks.reports.xlsx import report_xlsx
from tests.factories import region
from tests.reports.factories import AS_OF
from tests.reports.test_consistency import pdf_text

pytestmark = pytest.mark.django_db
FIELDS = ("organizations", "with_affiliated", "with_overseas", "affiliated", "overseas", "groups_overseas",
          "groups_service", "groups_required", "groups_complete")


@pytest.fixture
def networks(world):
    """通海县: its county federation (1+N, 1+Y, a service group only), 河西镇侨联 made active in 侨乡 (both kinds of
    group, two associations), a 涉侨社团 with an association of its own (not counted), the drafting 报表镇侨联 with a
    group. 华宁县: a bare county federation, a dissolved township federation with a group (not counted)."""
    tonghai = Organization.objects.create(name="通海县侨联", kind=OrganizationKind.COUNTY, region=world.tonghai, status=S.ACTIVE)
    AffiliatedAssociation.objects.create(organization=tonghai, kind="experts", name="通海特聘专家委员会")
    OverseasAssociation.objects.create(organization=tonghai, country="泰国", name="泰国通海同乡会")
    WechatGroup.objects.create(organization=tonghai, kind="service", name="通海侨界服务群")
    hexi = Organization.objects.get(name="河西镇侨联")
    Organization.objects.filter(pk=hexi.pk).update(status=S.ACTIVE)
    for kind in ("overseas", "service"):
        WechatGroup.objects.create(organization=hexi, kind=kind, name=f"河西{kind}群")
    for name in ("河西侨商会", "河西侨创联盟"):
        AffiliatedAssociation.objects.create(organization=hexi, kind="chamber", name=name)
    association = Organization.objects.create(name="通海归侨联谊会", kind=OrganizationKind.ASSOCIATION, region=world.tonghai,
                                              status=S.ACTIVE)
    AffiliatedAssociation.objects.create(organization=association, kind="other", name="联谊会下属社团")
    WechatGroup.objects.create(organization=Organization.objects.get(name="报表镇侨联"), kind="service", name="报表镇群")
    Organization.objects.create(name="华宁县侨联", kind=OrganizationKind.COUNTY, region=world.huaning, status=S.ACTIVE)
    gone = Organization.objects.create(name="华宁报表镇侨联", kind=OrganizationKind.TOWNSHIP, region=world.foreign_township,
                                       status=S.DISSOLVED)
    WechatGroup.objects.create(organization=gone, kind="overseas", name="撤销组织的群")
    return world


def plain_count(root) -> dict[str, int]:
    """The figures of `root`'s subtree counted one organization at a time."""
    row = dict.fromkeys(FIELDS, 0)
    for o in Organization.objects.within(root).select_related("region"):
        if o.status != S.DISSOLVED:
            row["groups_overseas"] += o.wechat_groups.filter(kind="overseas").count()
            row["groups_service"] += o.wechat_groups.filter(kind="service").count()
        if o.status != S.ACTIVE or o.kind == OrganizationKind.ASSOCIATION:
            continue
        row["organizations"] += 1
        row["affiliated"] += o.affiliated_associations.count()
        row["overseas"] += o.overseas_associations.count()
        row["with_affiliated"] += o.affiliated_associations.exists()
        row["with_overseas"] += o.overseas_associations.exists()
        rule = network.organization_wechat_rule(o)
        row["groups_required"] += rule.required
        row["groups_complete"] += rule.required and not rule.missing
    return row


def figures(n: NetworkRow) -> dict[str, int]:
    return {name: getattr(n, name) for name in FIELDS}


def test_the_figures_per_county_and_for_the_city(networks):
    data = report_data(networks.yuxi, as_of=AS_OF)
    areas = {a.region.code: a for a in data.areas}
    tonghai, huaning = areas["530423"].network, areas["530424"].network
    assert figures(tonghai) == {
        "organizations": 2, "with_affiliated": 2, "with_overseas": 1, "affiliated": 3, "overseas": 1,
        "groups_overseas": 1, "groups_service": 3, "groups_required": 2, "groups_complete": 1,
    }
    assert (tonghai.affiliated_percent, tonghai.overseas_percent, tonghai.groups, tonghai.groups_lacking) == (100.0, 50.0, 4, 1)
    assert figures(huaning) == {**dict.fromkeys(FIELDS, 0), "organizations": 1, "groups_required": 1}
    assert huaning.affiliated_percent == 0.0
    for area in data.areas:
        assert figures(area.network) == plain_count(region(area.region.code)), area.region.name
    assert figures(data.network) == plain_count(networks.yuxi)
    # five county federations, 双江街道 and 澧江街道 (key areas, both kinds of group each) and 河西镇
    assert (data.network.organizations, data.network.groups_required, data.network.groups_complete) == (8, 8, 3)


def test_a_county_report_lists_its_townships_and_counts_the_county_itself_in_the_total(networks):
    data = report_data(networks.tonghai, as_of=AS_OF)
    townships = {a.region.name: a.network for a in data.areas}
    assert townships["河西镇"].groups_complete == 1 and townships["河西镇"].organizations == 1
    assert townships["报表镇"].groups_service == 1 and townships["报表镇"].organizations == 0
    assert figures(data.network) == plain_count(networks.tonghai)
    assert data.network.organizations == 2  # the county federation sits in the county itself, above every township


def test_pdf_and_excel_show_the_same_network_figures(networks):
    data = report_data(networks.yuxi, as_of=AS_OF)
    text = pdf_text(report_pdf(data))
    assert "八、联系网络（1+N、1+Y、地缘性微信群）" in text
    n = data.network
    assert f"已成立的侨联组织（不含涉侨社团）{n.organizations} 个，其中 {n.with_affiliated} 个建立“1+N”联系" in text.replace("\n", "")
    tonghai = next(a for a in data.areas if a.region.code == "530423").network
    assert re.search(r"^\s*通海县\s+2\s+2\s+100\.0%\s+3\s+1\s+50\.0%\s+1\s+1\s+3\s+4\s+2\s+1\s*$", text, re.M), text[-3000:]
    assert re.search(rf"^\s*合计（含本级）\s+{n.organizations}\s+{n.with_affiliated}\s", text, re.M)

    sheet = load_workbook(io.BytesIO(report_xlsx(data)))["联系网络"]
    header = [c.value for c in sheet[1]]
    rows = {row[0]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["530423"]["已成立组织"] == tonghai.organizations == 2
    assert rows["530423"]["1+N覆盖率"] == 1.0 and rows["530423"]["1+Y覆盖率"] == 0.5
    assert (rows["530423"]["微信群合计"], rows["530423"]["应建群组织"], rows["530423"]["两类群齐全"]) == (4, 2, 1)
    total = rows["530400"]
    assert total["区划"] == "合计（含本级）" and total["已成立组织"] == n.organizations and total["两类群齐全"] == 3
    assert sheet["E2"].number_format == "0.0%"
