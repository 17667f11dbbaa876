"""机构与人员配备 in the report (Yuxi plan 三(二)、三(三); Jiangxi 6), built once for the PDF, the Excel file and the
dashboard data: per area (and for the whole scope) the founded township and village federations, how many name no
responsible leader (分管或联系侨联工作的班子成员) or no daily-affairs cadre (负责日常事务的干部) and how many of those named
are 归侨侨眷, the posts by 专职 / 兼职 and by funding, the offices approved or registered and the credit codes assigned;
and a bounded list of the organizations with a gap.

Set-based like the network figures (`tasks.reports.data._network`): three aggregate queries grouped by the
organization's region, each region's figures added to the area whose MPTT range holds it (bisection), and one bounded
query for the list; never a query per area or per organization."""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from django.db.models import Count, Q

from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Employment, Organization, OrganizationKind
from orgs.organizations.selectors import lacks_responsible_q, responsible_obliged_q
from orgs.regions.models import Region
from orgs.staffing.models import CreditCodeStatus, Establishment, OfficeStatus, PostFunding, StaffPost

# The PDF and the Excel file list at most this many organizations with a gap (the figures count them all).
GAPS_LISTED = 200


@dataclass
class StaffingRow:
    """The figures of one area (or of the scope)."""

    organizations: int = 0  # founded township and village federations: those asked to name both people
    missing_leader: int = 0
    missing_cadre: int = 0
    with_gaps: int = 0  # missing either
    leader_returned: int = 0  # responsible leaders named who are 归侨侨眷
    cadre_returned: int = 0
    posts_full_time: int = 0
    posts_part_time: int = 0
    posts_establishment: int = 0  # 编制
    posts_purchased: int = 0  # 政府购买服务
    posts_public_welfare: int = 0  # 公益性岗位
    posts_returned: int = 0
    offices: int = 0  # 办事机构 approved by the 编制部门 (registered or not)
    registered: int = 0  # registered as 群众团体
    credit_codes: int = 0  # 统一社会信用代码 assigned

    @property
    def posts(self) -> int:
        return self.posts_full_time + self.posts_part_time

    def add(self, figures: dict[str, int]) -> None:
        for name, value in figures.items():
            setattr(self, name, getattr(self, name) + (value or 0))


@dataclass
class StaffingArea:
    code: str
    name: str
    figures: StaffingRow = field(default_factory=StaffingRow)


@dataclass
class StaffingGap:
    """A founded township or village federation that names no responsible leader or no daily-affairs cadre."""

    pk: int
    name: str
    region: str
    kind_label: str
    missing_leader: bool
    missing_cadre: bool


@dataclass
class StaffingReport:
    areas: list[StaffingArea]
    total: StaffingRow
    gaps: list[StaffingGap]  # the first GAPS_LISTED, in tree order

    @property
    def gaps_unlisted(self) -> int:
        return self.total.with_gaps - len(self.gaps)


def _within(queryset, region: Region | None):
    return queryset if region is None else queryset.within(region)


def staffing_report(region: Region | None, areas: list[tuple[str, str]], ranges: list[tuple[int, int, int]]) -> StaffingReport:
    """The staffing figures of `region`'s subtree (the country when None), per area: `areas` are (code, name) and
    `ranges` their (tree_id, lft, rght), in tree order, as `report_data` lists them. Three queries, and a fourth for
    the bounded list of organizations with a gap. Built for the PDF and Excel reports only (not the dashboard)."""
    lacks = lacks_responsible_q()
    by_region = ("region__tree_id", "region__lft")
    by_organization_region = ("organization__region__tree_id", "organization__region__lft")
    alive = ~Q(organization__status=OrganizationStatus.DISSOLVED)
    queries = (
        (_within(Organization.objects.filter(responsible_obliged_q()), region).values(*by_region).annotate(
            organizations=Count("pk"),
            missing_leader=Count("pk", filter=Q(responsible_leader="")),
            missing_cadre=Count("pk", filter=Q(daily_affairs_cadre="")),
            with_gaps=Count("pk", filter=lacks),
            leader_returned=Count("pk", filter=Q(responsible_leader_is_returned=True) & ~Q(responsible_leader="")),
            cadre_returned=Count("pk", filter=Q(daily_affairs_cadre_is_returned=True) & ~Q(daily_affairs_cadre="")),
        ), by_region),
        (_within(StaffPost.objects.filter(alive), region).values(*by_organization_region).annotate(
            posts_full_time=Count("pk", filter=Q(employment=Employment.FULL_TIME)),
            posts_part_time=Count("pk", filter=Q(employment=Employment.PART_TIME)),
            posts_establishment=Count("pk", filter=Q(funding=PostFunding.ESTABLISHMENT)),
            posts_purchased=Count("pk", filter=Q(funding=PostFunding.PURCHASED)),
            posts_public_welfare=Count("pk", filter=Q(funding=PostFunding.PUBLIC_WELFARE)),
            posts_returned=Count("pk", filter=Q(is_returned_or_relative=True)),
        ), by_organization_region),
        (_within(Establishment.objects.filter(alive), region).values(*by_organization_region).annotate(
            offices=Count("pk", filter=Q(office_status__in=(OfficeStatus.APPROVED, OfficeStatus.REGISTERED))),
            registered=Count("pk", filter=Q(office_status=OfficeStatus.REGISTERED)),
            credit_codes=Count("pk", filter=Q(credit_code_status=CreditCodeStatus.ASSIGNED)),
        ), by_organization_region),
    )
    rows = [StaffingArea(code, name) for code, name in areas]
    starts = [(tree, lft) for tree, lft, _rght in ranges]
    total = StaffingRow()
    for queryset, (tree_key, lft_key) in queries:
        for row in queryset.order_by():
            tree, lft = row.pop(tree_key), row.pop(lft_key)
            total.add(row)
            i = bisect_right(starts, (tree, lft)) - 1
            if i >= 0 and ranges[i][0] == tree and lft <= ranges[i][2]:
                rows[i].figures.add(row)
    kinds = dict(OrganizationKind.choices)
    gaps = [
        StaffingGap(pk, name, full or short, str(kinds.get(kind, kind)), not leader, not cadre)
        for pk, name, full, short, kind, leader, cadre in _within(Organization.objects.filter(lacks), region)
        .order_by("region__tree_id", "region__lft", "name", "pk")
        .values_list("pk", "name", "region__full_name", "region__name", "kind", "responsible_leader", "daily_affairs_cadre")[:GAPS_LISTED]
    ]
    return StaffingReport(rows, total, gaps)
