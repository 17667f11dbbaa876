"""Standing and incentives in the report (issue 17 §4): the yearly 督查考核 (average score and grade counts per area
row, and per organization in a bounded list for a city or below), budget funding (organizations with and without
funding in the budget, and the amounts, per area row and in total: Jiangxi 37, Yuxi 三(五)), and the leadership group
of the report region's plan(s) (Yuxi 四) for the cover. At most four queries: funding, assessments (the latest year
as a subquery), the bounded list (a city or below, reports only), the leadership groups.

Set-based like `tasks.reports.data._network`: one aggregate query per figure grouped by the organization's region,
each region's figures added to the area whose subtree holds it (bisection on the MPTT ranges), never a query per
area. Plain dataclasses: the dashboard caches them."""
from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Q, Subquery, Sum

from orgs.assessments.models import OrganizationAssessment
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from orgs.regions.models import Region, RegionLevel
from tasks.plans.models import PlanLeadershipMember

if TYPE_CHECKING:  # pragma: no cover
    from tasks.reports.data import AreaRow

# The per-organization list of a report: for a city or below, at most this many rows (the rest are counted).
ASSESSMENT_DETAIL_MAX = 300
DETAIL_LEVELS = (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
ZERO = Decimal(0)


def _percent(part: int, whole: int) -> float | None:
    return round(part * 100.0 / whole, 1) if whole else None


@dataclass
class StandingRow:
    """One area (or the whole scope): its coverage beside its yearly assessment and its funding.

    Funding counts the organizations founded (status 已成立, 涉侨社团 left out) with and without their funds in the
    budget (经费列入同级财政预算) and the yearly amounts of those funded (万元)."""

    code: str
    name: str
    coverage_percent: float | None = None
    assessed: int = 0
    score_sum: Decimal = ZERO
    grades: dict[str, int] = field(default_factory=dict)
    funded: int = 0
    unfunded: int = 0
    budget_amount: Decimal = ZERO

    @property
    def average_score(self) -> Decimal | None:
        return (self.score_sum / self.assessed).quantize(Decimal("0.1")) if self.assessed else None

    @property
    def organizations(self) -> int:
        return self.funded + self.unfunded

    @property
    def funded_percent(self) -> float | None:
        return _percent(self.funded, self.organizations)

    def grade_counts(self, names: Sequence[str]) -> list[int]:
        return [self.grades.get(name, 0) for name in names]

    def as_dict(self, names: Sequence[str]) -> dict:
        return {
            "code": self.code, "name": self.name, "coverage_percent": self.coverage_percent, "assessed": self.assessed,
            "average_score": str(self.average_score) if self.average_score is not None else None,
            "grades": {name: self.grades.get(name, 0) for name in names},
            "funded": self.funded, "unfunded": self.unfunded, "budget_amount": str(self.budget_amount),
        }


@dataclass
class AssessedOrganization:
    name: str
    kind: str
    region: str
    total: Decimal
    grade: str


@dataclass
class StandingReport:
    """The yearly assessment of `year` (the latest year up to the report date with any assessment in the scope,
    None when there is none) and the funding, per area and in total."""

    year: int | None
    grade_names: list[str]
    areas: list[StandingRow]
    total: StandingRow
    organizations: list[AssessedOrganization] = field(default_factory=list)
    organizations_more: int = 0  # assessed organizations left out of the bounded list

    @property
    def rows(self) -> list[tuple[StandingRow, list[int]]]:
        """Each area with its grade counts in the column order (templates cannot index by a variable)."""
        return [(row, row.grade_counts(self.grade_names)) for row in self.areas]

    @property
    def total_grades(self) -> list[int]:
        return self.total.grade_counts(self.grade_names)

    def as_dict(self) -> dict:
        return {"year": self.year, "grades": list(self.grade_names), "total": self.total.as_dict(self.grade_names),
                "areas": [row.as_dict(self.grade_names) for row in self.areas]}


@dataclass
class LeadershipMemberLine:
    role: str
    name: str
    post: str


@dataclass
class LeadershipGroup:
    """The leadership group of one plan of the report's region (Yuxi 四), for the cover."""

    plan: str
    name: str
    office: str
    members: list[LeadershipMemberLine]


def _within(queryset, region: Region | None):
    return queryset if region is None else queryset.within(region)


def _area_index(ranges: list[tuple[int, int, int]]):
    starts = [(tree, lft) for tree, lft, _rght in ranges]

    def index(tree: int, lft: int) -> int | None:
        i = bisect_right(starts, (tree, lft)) - 1
        if i >= 0 and ranges[i][0] == tree and lft <= ranges[i][2]:
            return i
        return None

    return index


def standing_report(region: Region | None, areas: list[AreaRow], ranges: list[tuple[int, int, int]], *, as_of: dt.date,
                    detail: bool = True) -> StandingReport:
    """The assessment and funding figures of `region`'s subtree per area (`areas` in the order of `ranges`, their
    MPTT coordinates) and in total. Three aggregate queries, and one bounded list for a city or below."""
    rows = [StandingRow(a.region.code, a.region.name, a.percent) for a in areas]
    total = StandingRow("", "")
    index = _area_index(ranges)

    # ---- funding: founded organizations with / without budget funding, and the amounts --------------------------
    founded = _within(Organization.objects.filter(status=OrganizationStatus.ACTIVE).exclude(kind=OrganizationKind.ASSOCIATION), region)
    for row in founded.values("region__tree_id", "region__lft").annotate(
        funded=Count("pk", filter=Q(budget_funded=True)),
        unfunded=Count("pk", filter=Q(budget_funded=False)),
        amount=Sum("budget_amount", filter=Q(budget_funded=True)),
    ).order_by():
        targets = [total]
        i = index(row["region__tree_id"], row["region__lft"])
        if i is not None:
            targets.append(rows[i])
        for target in targets:
            target.funded += row["funded"]
            target.unfunded += row["unfunded"]
            target.budget_amount += row["amount"] or ZERO

    # ---- the yearly assessment: the latest year assessed (a subquery), per area and grade -------------------------
    assessed = _within(OrganizationAssessment.objects.filter(year__lte=as_of.year), region)
    latest = Subquery(assessed.order_by("-year").values("year")[:1])
    year: int | None = None
    floors: dict[str, Decimal] = {}
    for row in assessed.filter(year=latest).values("year", "organization__region__tree_id", "organization__region__lft", "grade").annotate(
        n=Count("pk"), score=Sum("total"), floor=Max("grade_floor"),
    ).order_by():
        year = row["year"]
        floors[row["grade"]] = max(floors.get(row["grade"], row["floor"]), row["floor"])
        targets = [total]
        i = index(row["organization__region__tree_id"], row["organization__region__lft"])
        if i is not None:
            targets.append(rows[i])
        for target in targets:
            target.assessed += row["n"]
            target.score_sum += row["score"] or ZERO
            target.grades[row["grade"]] = target.grades.get(row["grade"], 0) + row["n"]
    organizations: list[AssessedOrganization] = []
    more = 0
    if year is not None and detail and region is not None and region.level in DETAIL_LEVELS:
        listed = (assessed.filter(year=year)
                  .order_by("organization__region__tree_id", "organization__region__lft", "organization__name")
                  .values_list("organization__name", "organization__kind", "organization__region__full_name",
                               "organization__region__name", "total", "grade")[:ASSESSMENT_DETAIL_MAX])
        organizations = [
            AssessedOrganization(name, str(OrganizationKind(kind).label) if kind in OrganizationKind.values else kind,
                                 full or short, score, grade)
            for name, kind, full, short, score, grade in listed
        ]
        more = max(total.assessed - len(organizations), 0)
    names = sorted(floors, key=lambda name: (-floors[name], name))
    return StandingReport(year, names, rows, total, organizations, more)


def plan_leadership_groups(region: Region | None) -> list[LeadershipGroup]:
    """The leadership groups recorded on the plans issued for exactly the report's region (a city's report: the
    city's plan), in one query over their members."""
    if region is None:
        return []
    groups: dict[int, LeadershipGroup] = {}
    members = (PlanLeadershipMember.objects.filter(plan__scope_region=region).select_related("plan")
               .order_by("-plan__issued_on", "plan_id", "order", "pk"))
    for member in members:
        plan = member.plan
        group = groups.setdefault(plan.pk, LeadershipGroup(plan.title, plan.leadership_group, plan.leadership_office, []))
        group.members.append(LeadershipMemberLine(str(member.get_role_display()), member.name, member.post))
    return list(groups.values())
