"""The one report data selector: everything the dashboard, the PDF, the Excel file and `/api/dashboard/`
show for a scope region on a date, as plain dataclasses (picklable, so the dashboard can cache them).

Set-based: a fixed number of queries whatever the number of counties (about twenty). Coverage figures
come from the stored verdicts (`CoverageRollup`, `Requirement`) that `census.coverage.services.evaluate_coverage`
writes; nothing here re-applies the rules."""
from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext as _

from census.coverage.models import (
    CoverageRollup,
    FulfilmentChoice,
    PlaceLevel,
    Requirement,
    VerdictChoice,
)
from census.coverage.selectors import coverage_rollup
from census.coverage.services import policy_in_force
from census.importing.models import CensusImport
from census.registry.models import Campaign, Category, Headcount, Person
from census.rounds.selectors import ReportingRate, RoundBasis, round_basis, round_reporting
from orgs.access.scoping import OuterNode, SubtreeRange, ancestors_q, subtree_q
from orgs.homes.models import Home, HomeKind, HomeStanding
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import (
    AffiliatedAssociation,
    Organization,
    OrganizationKind,
    OverseasAssociation,
    WechatGroup,
    WechatGroupKind,
)
from orgs.organizations.network import TIER_OF_KIND
from orgs.regions.models import Region, RegionLevel
from tasks.plans.models import Milestone, Plan, Task, TaskStatus
from tasks.reports.designations import DesignationReport, designations_by_area
from tasks.reports.staffing import StaffingReport, staffing_report
from tasks.reports.standing import LeadershipGroup, StandingReport, plan_leadership_groups, standing_report
from tasks.reports.training import TrainingReport, training_report

if TYPE_CHECKING:  # pragma: no cover
    from django_stubs_ext import StrOrPromise

LEVELS = (PlaceLevel.COUNTY, PlaceLevel.TOWNSHIP, PlaceLevel.VILLAGE, PlaceLevel.UNIT)
COUNT_FIELDS = ("required", "satisfied", "under_way", "missing", "recommended")
# How many overdue tasks and imports the dashboard lists (the report lists every overdue task).
DASHBOARD_OVERDUE_SHOWN = 10
RECENT_IMPORTS_SHOWN = 6


def percent(part: int, whole: int) -> float | None:
    """part / whole in per cent, one decimal; None when nothing is required."""
    return round(part * 100.0 / whole, 1) if whole else None


@dataclass(frozen=True)
class RegionInfo:
    pk: int | None
    code: str
    name: str
    full_name: str
    level: str

    @property
    def level_label(self) -> StrOrPromise:
        return RegionLevel(self.level).label if self.level else ""


COUNTRY = RegionInfo(None, "", "全国", "全国", "")


@dataclass
class LevelCoverage:
    """已建 / 应建 of one level (县级、乡镇级、村级、单位) in the scope."""

    level: str
    required: int = 0
    satisfied: int = 0
    under_way: int = 0
    missing: int = 0
    recommended: int = 0

    @property
    def label(self) -> str:
        return str(PlaceLevel(self.level).label)

    @property
    def federation_label(self) -> str:
        return {
            PlaceLevel.COUNTY: _("县级侨联"),
            PlaceLevel.TOWNSHIP: _("乡镇(街道)侨联"),
            PlaceLevel.VILLAGE: _("村(社区)侨联"),
            PlaceLevel.UNIT: _("单位侨联"),
        }[PlaceLevel(self.level)]

    @property
    def percent(self) -> float | None:
        return percent(self.satisfied, self.required)


def _levels(rows) -> dict[str, LevelCoverage]:
    result: dict[str, LevelCoverage] = {level: LevelCoverage(level) for level in LEVELS}
    for row in rows:
        result[row["level"]] = LevelCoverage(row["level"], **{k: row[k] or 0 for k in COUNT_FIELDS})
    return result


@dataclass
class NetworkRow:
    """The organizations' network in one area (or the whole scope): founded organizations (涉侨社团 themselves
    left out) with at least one 1+N association (Jiangxi 19) and with at least one 1+Y pairing (Jiangxi 24), the
    associations kept, the WeChat groups of the organizations not dissolved, and the organizations Jiangxi 14 asks
    groups of (county federations everywhere, township and village federations in 侨乡) with both kinds kept."""

    organizations: int = 0
    with_affiliated: int = 0
    with_overseas: int = 0
    affiliated: int = 0
    overseas: int = 0
    groups_overseas: int = 0
    groups_service: int = 0
    groups_required: int = 0
    groups_complete: int = 0

    @property
    def affiliated_percent(self) -> float | None:
        return percent(self.with_affiliated, self.organizations)

    @property
    def overseas_percent(self) -> float | None:
        return percent(self.with_overseas, self.organizations)

    @property
    def groups(self) -> int:
        return self.groups_overseas + self.groups_service

    @property
    def groups_lacking(self) -> int:
        return self.groups_required - self.groups_complete

    def add(self, figures: dict[str, int]) -> None:
        for name, value in figures.items():
            setattr(self, name, getattr(self, name) + (value or 0))


@dataclass
class AreaRow:
    """One county of the scope (or, for a county, one township): its coverage per level, and its network."""

    region: RegionInfo
    longitude: float | None
    latitude: float | None
    levels: dict[str, LevelCoverage]
    network: NetworkRow = field(default_factory=NetworkRow)

    def _sum(self, name: str) -> int:
        return sum(getattr(c, name) for c in self.levels.values())

    @property
    def required(self) -> int:
        return self._sum("required")

    @property
    def satisfied(self) -> int:
        return self._sum("satisfied")

    @property
    def under_way(self) -> int:
        return self._sum("under_way")

    @property
    def missing(self) -> int:
        return self._sum("missing")

    @property
    def percent(self) -> float | None:
        return percent(self.satisfied, self.required)

    @property
    def status(self) -> str:
        """Map colour: complete (all founded), partial, missing (none founded nor under way), none (nothing required)."""
        if not self.required:
            return "none"
        if self.satisfied == self.required:
            return "complete"
        if self.satisfied or self.under_way:
            return "partial"
        return "missing"


@dataclass
class MilestoneRow:
    pk: int
    name: str
    plan: str
    deadline: dt.date
    tasks_total: int
    tasks_done: int
    days_left: int  # negative: days late

    @property
    def percent(self) -> float | None:
        return percent(self.tasks_done, self.tasks_total)

    @property
    def days_late(self) -> int:
        return -self.days_left

    @property
    def is_late(self) -> bool:
        return self.days_left < 0 and self.tasks_done < self.tasks_total

    @property
    def is_done(self) -> bool:
        return bool(self.tasks_total) and self.tasks_done == self.tasks_total


@dataclass
class OverdueTask:
    pk: int
    title: str
    region: str
    milestone: str
    responsible_unit: str
    responsible_people: str
    deadline: dt.date
    days_late: int
    status: str


@dataclass
class GapRow:
    """One 应建未建 place: missing or under way, with the rules' reason."""

    pk: int
    level: str
    place: str
    region_code: str
    status: str
    headcount: int
    reason: str

    @property
    def level_label(self) -> str:
        return str(PlaceLevel(self.level).label)

    @property
    def status_label(self) -> str:
        return str(FulfilmentChoice(self.status).label)


@dataclass
class HomeRow:
    name: str
    organization: str
    region: str
    standing: str
    kind: str = HomeKind.STANDARD

    @property
    def standing_label(self) -> str:
        return str(HomeStanding(self.standing).label)

    @property
    def kind_label(self) -> str:
        return str(HomeKind(self.kind).label)


@dataclass
class CensusRound:
    year: int
    name: str
    by_category: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_category.values())


@dataclass
class RecentImport:
    pk: int
    name: str
    region: str
    user: str
    status: str
    status_label: str
    rows: int
    new: int
    updated: int
    invalid: int
    created_at: dt.datetime


@dataclass
class ReportData:
    """Everything one report (or the dashboard) shows for a scope region on a date."""

    region: RegionInfo
    as_of: dt.date
    issuer: str
    levels: dict[str, LevelCoverage]
    areas: list[AreaRow]
    area_level: str  # what `areas` are: "county", "township", "province" …
    map_points: list[AreaRow]
    milestones: list[MilestoneRow]
    overdue_count: int
    overdue_tasks: list[OverdueTask]
    gaps: list[GapRow]
    home_standing: dict[str, int]
    homes: list[HomeRow]
    people_by_category: dict[str, int]
    census_rounds: list[CensusRound]
    recent_imports: list[RecentImport]
    network: NetworkRow = field(default_factory=NetworkRow)
    detail: bool = True
    # False: no policy (建会门槛) applies to the region, so nothing was evaluated: pages say so instead of zeros
    policy_in_force: bool = True
    # 依据: the census round the figures and verdicts are based on, and whether it is approved in the region
    basis: RoundBasis | None = None
    # 上报率: the open round's reporting regions in the scope and how far their submissions are
    reporting: ReportingRate | None = None
    # 机构与人员配备 (Yuxi 三(二)、三(三)): responsible people, posts, offices per area (tasks.reports.staffing)
    staffing: StaffingReport | None = None
    # 侨胞之家 designations per area by level and kind, and the nominations still open (issue 17 §4)
    designations: DesignationReport | None = None
    # 培训 (Jiangxi 40; Yuxi 三(五)): per area, distinct trained cadres, home heads and volunteers in the year
    training: TrainingReport | None = None
    # 督查考核 and budget funding per area (tasks.reports.standing), and the report region's plan leadership groups
    standing: StandingReport | None = None
    leadership_groups: list[LeadershipGroup] = field(default_factory=list)

    @property
    def map_unplotted(self) -> int:
        """Areas the map cannot show (no coordinates: most townships and villages)."""
        return sum(1 for a in self.areas if a.longitude is None or a.latitude is None)

    @property
    def gaps_missing(self) -> int:
        return sum(c.missing for c in self.levels.values())

    @property
    def gaps_under_way(self) -> int:
        return sum(c.under_way for c in self.levels.values())

    @property
    def people_total(self) -> int:
        return sum(self.people_by_category.values())

    @property
    def homes_total(self) -> int:
        return sum(self.home_standing.values())

    @property
    def category_labels(self) -> dict[str, str]:
        return {c: str(Category(c).label) for c in Category.values}

    def headline(self) -> dict:
        """The dashboard's headline figures as plain JSON-able data (the API answers with this)."""
        return {
            "region": {"code": self.region.code, "name": self.region.name, "full_name": self.region.full_name},
            "as_of": self.as_of.isoformat(),
            "coverage": {
                level: {
                    "label": c.label, "required": c.required, "founded": c.satisfied, "under_way": c.under_way,
                    "missing": c.missing, "recommended": c.recommended, "percent": c.percent,
                }
                for level, c in self.levels.items()
            },
            "gaps": {"missing": self.gaps_missing, "under_way": self.gaps_under_way},
            "tasks_overdue": self.overdue_count,
            "people": {"total": self.people_total, "by_category": dict(self.people_by_category)},
            "census_rounds": [{"year": r.year, "name": r.name, "total": r.total, "by_category": r.by_category} for r in self.census_rounds],
            "homes": {"total": self.homes_total, "by_standing": dict(self.home_standing)},
            "basis": self.basis.as_dict() if self.basis else None,
            "reporting": self.reporting.as_dict() if self.reporting else None,
            "standing": self.standing.as_dict() if self.standing else None,
            "milestones": [
                {"name": m.name, "deadline": m.deadline.isoformat(), "tasks_total": m.tasks_total, "tasks_done": m.tasks_done,
                 "days_left": m.days_left, "percent": m.percent}
                for m in self.milestones
            ],
            "areas": [
                {"code": a.region.code, "name": a.region.name, "required": a.required, "founded": a.satisfied,
                 "under_way": a.under_way, "missing": a.missing, "percent": a.percent}
                for a in self.areas
            ],
        }


def _info(region: Region | None) -> RegionInfo:
    if region is None:
        return COUNTRY
    return RegionInfo(region.pk, region.code, region.name, region.full_name or region.name, region.level)


def _within(queryset, region: Region | None):
    return queryset if region is None else queryset.within(region)


def _range(region: Region) -> tuple[SubtreeRange, ...]:
    return (SubtreeRange(region.pk, region.tree_id, region.lft, region.rght),)


def _in_or_above_q(region: Region, prefix: str) -> Q:
    """Rows whose region (reached through `prefix`) lies in `region`'s subtree or above it."""
    below, above = subtree_q(_range(region), prefix), ancestors_q(_range(region), prefix)
    assert below is not None and above is not None  # one range: never empty
    return below | above


def _area_regions(region: Region | None):
    """The regions the per-area table lists: the provinces of the country, the counties of a province or
    city, the children of a county or township."""
    if region is None:
        return Region.objects.filter(parent__isnull=True), RegionLevel.PROVINCE
    if region.level in (RegionLevel.PROVINCE, RegionLevel.CITY):
        return Region.objects.within(region).filter(level=RegionLevel.COUNTY), RegionLevel.COUNTY
    children: dict[str, RegionLevel] = {RegionLevel.COUNTY: RegionLevel.TOWNSHIP, RegionLevel.TOWNSHIP: RegionLevel.VILLAGE}
    child_level = children.get(region.level, RegionLevel.VILLAGE)
    return Region.objects.filter(parent=region), child_level


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _groups_required_q() -> Q:
    """Jiangxi 14 as a filter on organizations, as `orgs.organizations.network.wechat_tier` and `tier_required` decide
    it for one: county federations everywhere, township and village federations when their place is 侨乡 (a key area
    at or above it); a 跨区域联合侨联 by the level of its region."""
    joint = OrganizationKind.JOINT
    county_tier = Q(kind=OrganizationKind.COUNTY) | Q(kind=joint, region__level=RegionLevel.COUNTY)
    lower = (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
    lower_tier = Q(kind__in=[k for k, level in TIER_OF_KIND.items() if level in lower]) | Q(kind=joint, region__level__in=lower)
    in_qiaoxiang = Exists(Region.objects.covering(OuterNode("region")).filter(is_key_area=True))
    return county_tier | (lower_tier & Q(in_qiaoxiang))


def _network(region: Region | None, areas: list[AreaRow], ranges: list[tuple[int, int, int]]) -> NetworkRow:
    """The scope's network figures, each area's filled in on the way: four aggregate queries grouped by the
    organization's region (organizations with their 1+N / 1+Y / WeChat standing, the two kinds of association, the
    groups), each region's figures added to the area whose subtree holds it (found by bisection on the MPTT
    ranges), never a query per area."""
    founded = _within(
        Organization.objects.filter(status=OrganizationStatus.ACTIVE).exclude(kind=OrganizationKind.ASSOCIATION), region
    )
    required = _groups_required_q()

    def has(model, **where):
        return Q(Exists(model.objects.filter(organization=OuterRef("pk"), **where)))

    by_region = ("region__tree_id", "region__lft")
    by_organization_region = ("organization__region__tree_id", "organization__region__lft")
    counted = {"organization__status": OrganizationStatus.ACTIVE}
    queries = (
        (founded.values(*by_region).annotate(
            organizations=Count("pk"),
            with_affiliated=Count("pk", filter=has(AffiliatedAssociation)),
            with_overseas=Count("pk", filter=has(OverseasAssociation)),
            groups_required=Count("pk", filter=required),
            groups_complete=Count("pk", filter=required & has(WechatGroup, kind=WechatGroupKind.OVERSEAS)
                                  & has(WechatGroup, kind=WechatGroupKind.SERVICE)),
        ), by_region),
        (_within(AffiliatedAssociation.objects.filter(**counted), region).exclude(organization__kind=OrganizationKind.ASSOCIATION)
         .values(*by_organization_region).annotate(affiliated=Count("pk")), by_organization_region),
        (_within(OverseasAssociation.objects.filter(**counted), region).exclude(organization__kind=OrganizationKind.ASSOCIATION)
         .values(*by_organization_region).annotate(overseas=Count("pk")), by_organization_region),
        (_within(WechatGroup.objects.exclude(organization__status=OrganizationStatus.DISSOLVED), region)
         .values(*by_organization_region).annotate(
             groups_overseas=Count("pk", filter=Q(kind=WechatGroupKind.OVERSEAS)),
             groups_service=Count("pk", filter=Q(kind=WechatGroupKind.SERVICE)),
         ), by_organization_region),
    )
    starts = [(tree, lft) for tree, lft, _rght in ranges]
    total = NetworkRow()
    for rows, (tree_key, lft_key) in queries:
        for row in rows.order_by():
            tree, lft = row.pop(tree_key), row.pop(lft_key)
            total.add(row)
            i = bisect_right(starts, (tree, lft)) - 1
            if i >= 0 and ranges[i][0] == tree and lft <= ranges[i][2]:
                areas[i].network.add(row)
    return total


def report_data(region: Region | None, *, as_of: dt.date, detail: bool = True) -> ReportData:
    """The report for `region`'s subtree (the whole country when None) on `as_of`. With `detail=False`
    (the dashboard) the gap and home lists are left out and only the first overdue tasks are listed.
    The caller checks that the user sees `region`."""
    # ---- coverage per level and per area --------------------------------------------------------------
    rollup = coverage_rollup(region)
    levels: dict[str, LevelCoverage] = {level: LevelCoverage(level, **{k: rollup[level][k] for k in COUNT_FIELDS}) for level in LEVELS}

    area_qs, area_level = _area_regions(region)
    area_regions = list(
        area_qs.order_by("tree_id", "lft").values_list(
            "pk", "code", "name", "full_name", "level", "longitude", "latitude", "tree_id", "lft", "rght"
        )
    )
    rollups: dict[int, list[dict]] = defaultdict(list)
    for row in CoverageRollup.objects.filter(region__in=area_qs.values("pk")).values("region_id", "level", *COUNT_FIELDS):
        rollups[row["region_id"]].append(row)
    areas = [
        AreaRow(RegionInfo(pk, code, name, full_name or name, level), _float(lon), _float(lat), _levels(rollups.get(pk, ())))
        for pk, code, name, full_name, level, lon, lat, *_tree in area_regions
    ]
    area_ranges = [(tree, lft, rght) for *_info, tree, lft, rght in area_regions]
    # The network and staffing figures appear in the reports only: the dashboard (detail=False) skips their queries,
    # whose rows (one per region holding an organization) cost it most of its time at a province's scale.
    network = _network(region, areas, area_ranges) if detail else NetworkRow()
    # the report's training section (two aggregate queries); the dashboard (detail=False) shows none
    training = training_report(
        region, [(a.region, (row[-3], row[-2], row[-1])) for a, row in zip(areas, area_regions, strict=True)], as_of=as_of,
    ) if detail else None
    map_points = [a for a in areas if a.longitude is not None and a.latitude is not None]
    if region is not None and region.level not in (RegionLevel.PROVINCE, RegionLevel.CITY) and region.longitude is not None:
        map_points.insert(0, AreaRow(_info(region), _float(region.longitude), _float(region.latitude), levels))

    # ---- milestones and tasks ----------------------------------------------------------------------------
    if region is None:
        plans = Plan.objects.all()
    else:
        plans = Plan.objects.filter(_in_or_above_q(region, "scope_region"))
    milestone_rows = list(
        Milestone.objects.filter(plan__in=plans.values("pk")).order_by("deadline", "pk").values_list("pk", "name", "plan__title", "deadline")
    )
    task_counts: dict[int, dict[str, int]] = defaultdict(lambda: {"total": 0, "done": 0})
    for row in (
        _within(Task.objects.filter(milestone__isnull=False), region)
        .exclude(status=TaskStatus.CANCELLED)
        .values("milestone_id").annotate(total=Count("pk"), done=Count("pk", filter=Q(status=TaskStatus.DONE))).order_by()
    ):
        task_counts[row["milestone_id"]] = {"total": row["total"], "done": row["done"]}
    milestones = [
        MilestoneRow(pk, name, plan, deadline, task_counts[pk]["total"], task_counts[pk]["done"], (deadline - as_of).days)
        for pk, name, plan, deadline in milestone_rows
    ]

    overdue = _within(Task.objects.all(), region).overdue(as_of)
    overdue_list = overdue.select_related("region", "milestone").prefetch_related("responsible_users").order_by("deadline", "pk")
    if not detail:
        overdue_count = overdue.count()
        overdue_list = overdue_list[:DASHBOARD_OVERDUE_SHOWN]
    overdue_tasks = [
        OverdueTask(
            t.pk, t.title, t.region.full_name or t.region.name, t.milestone.name if t.milestone_id else "",
            t.responsible_unit, "、".join(u.get_full_name() or u.get_username() for u in t.responsible_users.all()),
            t.deadline, (as_of - t.deadline).days, t.get_status_display(),
        )
        for t in overdue_list
    ]
    if detail:
        overdue_count = len(overdue_tasks)

    # ---- gaps (应建未建) and homes (侨胞之家) --------------------------------------------------------------
    gaps: list[GapRow] = []
    homes: list[HomeRow] = []
    if detail:
        level_order: dict[str, int] = {level: i for i, level in enumerate(LEVELS)}
        rows = (
            _within(Requirement.objects.all(), region)
            .filter(verdict=VerdictChoice.REQUIRED, status__in=(FulfilmentChoice.MISSING, FulfilmentChoice.UNDER_WAY))
            .order_by("region__tree_id", "region__lft", "unit__name")
            .values_list("pk", "level", "region__full_name", "region__name", "region__code", "unit__name", "status", "headcount", "reason")
        )
        gaps = [
            GapRow(pk, level, f"{full or name}{'·' + unit if unit else ''}", code, status, headcount, reason)
            for pk, level, full, name, code, unit, status, headcount, reason in rows
        ]
        gaps.sort(key=lambda g: (level_order.get(g.level, 9), g.status != FulfilmentChoice.MISSING))
        homes = [
            HomeRow(*row)
            for row in _within(Home.objects.all(), region)
            .order_by("organization__region__tree_id", "organization__region__lft", "name")
            .values_list("name", "organization__name", "organization__region__full_name", "standing", "kind")
        ]
    home_standing = dict.fromkeys(HomeStanding.values, 0)
    for row in _within(Home.objects.all(), region).values("standing").annotate(n=Count("pk")).order_by():
        home_standing[row["standing"]] = row["n"]

    # ---- people by category and census rounds ---------------------------------------------------------------
    campaigns = Campaign.objects.all() if region is None else Campaign.objects.filter(_in_or_above_q(region, "region"))
    # One round per year: the most specific campaign covering the scope (its snapshot counts each person once).
    chosen: dict[int, tuple[int, str]] = {}
    exact_scope: set[int] = set()
    live_campaign = None
    for pk, year, name, is_open, covers, campaign_region in campaigns.order_by("year", "-region__depth", "pk").values_list(
        "pk", "year", "name", "is_open", "region__lft", "region_id"
    ):
        chosen.setdefault(year, (pk, name))
        if region is not None and campaign_region == region.pk:
            exact_scope.add(pk)
        # An open campaign over the whole scope keeps its headcounts current with every census write.
        if region is not None and is_open and covers <= region.lft and chosen[year][0] == pk:
            live_campaign = pk
    per_campaign: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(Category.values, 0))
    # A campaign over exactly the scope needs no region filter (its rows all lie in the scope): at province
    # scale that spares joining half a million headcount rows to the region table.
    exact = [pk for pk, _name in chosen.values() if pk in exact_scope]
    others = [pk for pk, _name in chosen.values() if pk not in exact_scope]
    for ids, scoped in ((exact, False), (others, True)):
        if not ids:
            continue
        rows = Headcount.objects.filter(campaign_id__in=ids, unit__isnull=True)
        rows = _within(rows, region) if scoped else rows
        for row in rows.values("campaign_id", "category").annotate(n=Sum("count")).order_by():
            per_campaign[row["campaign_id"]][row["category"]] = row["n"]
    rounds = [CensusRound(year, name, dict(per_campaign[pk])) for year, (pk, name) in sorted(chosen.items())]
    if live_campaign is not None:
        people = dict(per_campaign[live_campaign])
    else:
        people = dict.fromkeys(Category.values, 0)
        for row in _within(Person.objects.all(), region).values("category").annotate(n=Count("pk")).order_by():
            people[row["category"]] = row["n"]

    imports = [
        RecentImport(i.pk, i.original_name, i.region.name, i.user.get_full_name() or i.user.get_username(), i.status,
                     i.get_status_display(), i.rows, i.new, i.updated, i.invalid, i.created_at)
        for i in _within(CensusImport.objects.all(), region).select_related("region", "user").order_by("-created_at")[:RECENT_IMPORTS_SHOWN]
    ]

    # ---- the census round the figures are based on (依据) and its reporting (上报率) ------------------------------------
    reporting = round_reporting(region, as_of=as_of)
    basis = round_basis(region, reporting=reporting) if reporting is not None else RoundBasis(None, "")

    info = _info(region)
    return ReportData(
        region=info,
        as_of=as_of,
        issuer=_("%(name)s侨联") % {"name": info.name} if region is not None else _("中国侨联"),
        levels=levels,
        areas=areas,
        area_level=str(area_level),
        map_points=map_points,
        milestones=milestones,
        overdue_count=overdue_count,
        overdue_tasks=overdue_tasks,
        gaps=gaps,
        home_standing=home_standing,
        homes=homes,
        people_by_category=people,
        census_rounds=rounds,
        recent_imports=imports,
        network=network,
        detail=detail,
        policy_in_force=policy_in_force(region, as_of),
        basis=basis,
        reporting=reporting,
        staffing=staffing_report(region, [(a.region.code, a.region.name) for a in areas],
                                 [(t, lft, r) for *_i, t, lft, r in area_regions]) if detail else None,
        designations=designations_by_area(region, [(a.region.code, a.region.name) for a in areas],
                                          [(tree, lft, rght) for *_info, tree, lft, rght in area_regions]) if detail else None,
        training=training,
        standing=standing_report(region, areas, area_ranges, as_of=as_of, detail=detail),
        leadership_groups=plan_leadership_groups(region) if detail else [],
    )
