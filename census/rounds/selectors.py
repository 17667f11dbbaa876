"""Reads of census rounds: who may take which step of a report, the reporting table and rate of a round, what changed
in a region since its last approval, the round that figures and verdicts are based on (依据), and the facts the daily
reminders need. Set-based: a fixed number of queries whatever the number of reporting regions or people."""
from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from census.registry.models import Campaign, CampaignReport, Category, Person, ReportStatus
from census.rounds.models import ApprovalSnapshot, CampaignReportStep, ReportStep
from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.access.scoping import user_scope
from orgs.regions.models import Region, RegionLevel
from orgs.units.models import Unit

MEMBERSHIPS_ATTR = "_qiaolian_round_memberships"
# How many people the approval page lists for each kind of change (the counts are complete).
LISTED = 20
# The levels a round may have report (县级 by default); a city's report is approved once all its counties are.
REPORTING_LEVELS = (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)
DEFAULT_REPORTING_LEVELS = (RegionLevel.COUNTY,)
SUBMITTING_ROLES = (Role.STAFF, Role.COUNTY_OFFICIAL)


# ---- who may act --------------------------------------------------------------------------------------------


def _memberships(user) -> list[tuple[str, int, int, int, int]]:
    """(role, region id, tree_id, lft, rght) of the user's regional memberships, read once per request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, MEMBERSHIPS_ATTR, None)
    if cached is None:
        cached = list(
            user.memberships.filter(region__isnull=False).values_list(
                "role", "region_id", "region__tree_id", "region__lft", "region__rght"
            )
        )
        setattr(user, MEMBERSHIPS_ATTR, cached)
    return cached


def can_open_rounds(user) -> bool:
    """Rounds are opened by federation staff and administrators (the service checks the region too)."""
    scope = user_scope(user)
    return scope.is_admin or Role.STAFF in scope.roles


def can_submit(user, report: CampaignReport) -> bool:
    """提交: the writers of the reporting region itself (its county officials and staff), or an administrator."""
    if user_scope(user).is_admin:
        return True
    return any(role in SUBMITTING_ROLES and region_id == report.region_id for role, region_id, *_rest in _memberships(user))


def can_decide(user, report: CampaignReport) -> bool:
    """审核通过, 退回, 退回修改: federation staff of a region above the reporting region, or an administrator. Never
    the region's own people: a county does not approve its own data (its staff included)."""
    if user_scope(user).is_admin:
        return True
    place = report.region
    return any(
        role == Role.STAFF and tree_id == place.tree_id and lft < place.lft and place.rght < rght
        for role, _pk, tree_id, lft, rght in _memberships(user)
    )


def child_reports(report: CampaignReport):
    """The reports of the same round lying below this one (a city's counties)."""
    return CampaignReport.objects.filter(campaign_id=report.campaign_id).within(report.region, strict=True)


def parent_report(report: CampaignReport) -> CampaignReport | None:
    """The nearest report of the same round above this one (a county's city), if the round has one."""
    return (
        CampaignReport.objects.filter(campaign_id=report.campaign_id).covering(report.region, strict=True)
        .select_related("region").order_by("-region__depth").first()
    )


def report_submitters(report: CampaignReport) -> list[int]:
    """The users who submit for the reporting region (its county officials and staff)."""
    return sorted(set(Membership.objects.filter(region_id=report.region_id, role__in=SUBMITTING_ROLES).values_list("user_id", flat=True)))


def report_superiors(reports: Iterable[CampaignReport]) -> dict[int, list[int]]:
    """Report id → the staff who decide on it: staff of regions above the reporting region and inside the round's
    region (玉溪市's staff for a county of the 玉溪市 round); when the round has none there, the nearest staff above.
    One query for any number of reports (`region` and `campaign__region` selected with them)."""
    reports = list(reports)
    if not reports:
        return {}
    staff = list(
        Membership.objects.filter(
            role=Role.STAFF, region__tree_id__in={r.region.tree_id for r in reports},
            region__level__in=(RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY),
        ).values_list("user_id", "region__tree_id", "region__lft", "region__rght")
    )
    found: dict[int, list[int]] = {}
    for report in reports:
        place, area = report.region, report.campaign.region
        above = [(lft, user_id, rght) for user_id, tree_id, lft, rght in staff
                 if tree_id == place.tree_id and lft < place.lft and place.rght < rght]
        inside = [user_id for lft, user_id, rght in above if area.lft <= lft and rght <= area.rght]
        if not inside and above:
            nearest = max(lft for lft, _u, _r in above)
            inside = [user_id for lft, user_id, _r in above if lft == nearest]
        found[report.pk] = sorted(set(inside))
    return found


# ---- the reporting table and rate ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """One reporting region of a round as the round page, the dashboard and the reports show it."""

    pk: int
    campaign_id: int
    region_code: str
    region_name: str
    region_full_name: str
    status: str
    first_submitted_at: dt.datetime | None
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    decided_by: str
    reason: str
    deadline: dt.date | None
    as_of: dt.date

    @property
    def status_label(self) -> str:
        return str(ReportStatus(self.status).label)

    @property
    def is_reported(self) -> bool:
        """Submitted and not sent back: awaiting approval, or approved."""
        return self.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED)

    @property
    def on_time(self) -> bool | None:
        """Whether the first submission came by the deadline (None: never submitted yet)."""
        if self.first_submitted_at is None:
            return None
        return self.deadline is None or timezone.localdate(self.first_submitted_at) <= self.deadline

    @property
    def days_overdue(self) -> int:
        """Days past the deadline without a standing submission (never submitted, or returned and not yet again)."""
        if self.is_reported or self.deadline is None or self.as_of <= self.deadline:
            return 0
        return (self.as_of - self.deadline).days

    @property
    def is_late(self) -> bool:
        return self.days_overdue > 0 or self.on_time is False

    @property
    def days_left(self) -> int | None:
        if self.deadline is None or self.is_reported:
            return None
        return (self.deadline - self.as_of).days


def percent(part: int, whole: int) -> float | None:
    return round(part * 100.0 / whole, 1) if whole else None


@dataclass(frozen=True)
class ReportingRate:
    """上报率: the reporting regions of a round (those the reader may see, or those in a scope region) and how far
    their submissions are, on a date."""

    campaign_id: int
    campaign_name: str
    year: int
    deadline: dt.date | None
    is_open: bool
    as_of: dt.date
    rows: tuple[ReportRow, ...] = field(default_factory=tuple)

    def _count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def submitted(self) -> int:
        """Awaiting approval."""
        return self._count(ReportStatus.SUBMITTED)

    @property
    def approved(self) -> int:
        return self._count(ReportStatus.APPROVED)

    @property
    def returned(self) -> int:
        return self._count(ReportStatus.RETURNED)

    @property
    def not_submitted(self) -> int:
        return self._count(ReportStatus.NOT_SUBMITTED)

    @property
    def reported(self) -> int:
        return self.submitted + self.approved

    @property
    def not_yet(self) -> int:
        return self.total - self.reported

    @property
    def reported_percent(self) -> float | None:
        return percent(self.reported, self.total)

    @property
    def approved_percent(self) -> float | None:
        return percent(self.approved, self.total)

    @property
    def on_time(self) -> int:
        return sum(1 for r in self.rows if r.on_time)

    @property
    def late(self) -> list[ReportRow]:
        """Overdue first (most days first), then those that submitted after the deadline."""
        return sorted((r for r in self.rows if r.is_late), key=lambda r: (-r.days_overdue, r.region_code))

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.days_overdue)

    def as_dict(self) -> dict:
        return {
            "campaign": {"id": self.campaign_id, "name": self.campaign_name, "year": self.year,
                         "deadline": self.deadline.isoformat() if self.deadline else None, "is_open": self.is_open},
            "as_of": self.as_of.isoformat(),
            "total": self.total, "submitted": self.submitted, "approved": self.approved, "returned": self.returned,
            "not_submitted": self.not_submitted, "reported": self.reported, "reported_percent": self.reported_percent,
            "approved_percent": self.approved_percent, "on_time": self.on_time, "overdue": self.overdue,
            "late": [r.region_code for r in self.late],
        }


def report_rows(reports, *, deadline: dt.date | None, as_of: dt.date) -> list[ReportRow]:
    """The rows of these reports (a queryset of one round), in region code order: one query."""
    rows = reports.order_by("region__code").values_list(
        "pk", "campaign_id", "region__code", "region__name", "region__full_name", "status", "first_submitted_at",
        "submitted_at", "decided_at", "decided_by__first_name", "decided_by__username", "reason",
    )
    return [
        ReportRow(pk, campaign_id, code, name, full or name, status, first, submitted, decided, first_name or username or "",
                  reason, deadline, as_of)
        for pk, campaign_id, code, name, full, status, first, submitted, decided, first_name, username, reason in rows
    ]


def reporting_rate(campaign: Campaign, *, as_of: dt.date, user=None, within: Region | None = None) -> ReportingRate:
    """The round's reporting regions that `user` may see (all when None), inside `within` when given."""
    reports = CampaignReport.objects.filter(campaign=campaign)
    if user is not None:
        reports = reports.visible_to(user)
    if within is not None:
        reports = reports.within(within)
    rows = report_rows(reports, deadline=campaign.deadline, as_of=as_of)
    return ReportingRate(campaign.pk, campaign.name, campaign.year, campaign.deadline, campaign.is_open, as_of, tuple(rows))


def round_for_region(region: Region | None) -> Campaign | None:
    """The open round a scope region's figures are based on: the most specific open round over the region (or above
    it); else the latest open round inside it (a province whose cities opened their own)."""
    open_rounds = Campaign.objects.filter(is_open=True).select_related("region")
    if region is None:
        return open_rounds.order_by("-year", "region__depth", "-pk").first()
    covering = open_rounds.covering(region).order_by("-region__depth", "-year", "-pk").first()
    if covering is not None:
        return covering
    return open_rounds.within(region, strict=True).order_by("-year", "region__depth", "-pk").first()


def round_reporting(region: Region | None, *, as_of: dt.date) -> ReportingRate | None:
    """The reporting rate of the open round of a scope region (its reporting regions inside the region)."""
    campaign = round_for_region(region)
    if campaign is None:
        return None
    return reporting_rate(campaign, as_of=as_of, within=region if region is not None else None)


# ---- what the figures are based on (依据) -------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundBasis:
    """The round that a scope region's figures and verdicts are based on, and how far it is approved there."""

    campaign_id: int | None
    campaign_name: str
    units_total: int = 0
    units_approved: int = 0
    unit_name: str = ""  # the one reporting region, when there is one
    unit_status: str = ""

    @property
    def approved(self) -> bool:
        return bool(self.units_total) and self.units_approved == self.units_total

    @property
    def state(self) -> str:
        """The approval state in words: "通海县已审核", "通海县已提交，待审核", "9 个填报单位中 3 个已审核"."""
        if self.campaign_id is None or not self.units_total:
            return ""
        if self.units_total == 1:
            return {
                ReportStatus.APPROVED: _("%(unit)s已审核"),
                ReportStatus.SUBMITTED: _("%(unit)s已提交，待审核"),
                ReportStatus.RETURNED: _("%(unit)s已退回，待重新提交"),
                ReportStatus.NOT_SUBMITTED: _("%(unit)s未提交"),
            }[ReportStatus(self.unit_status)] % {"unit": self.unit_name}
        if self.approved:
            return _("%(n)d 个填报单位均已审核") % {"n": self.units_total}
        return _("%(total)d 个填报单位中 %(n)d 个已审核") % {"total": self.units_total, "n": self.units_approved}

    @property
    def description(self) -> str:
        """"2026年度玉溪市侨情调查（通海县已审核）"."""
        if self.campaign_id is None:
            return _("登记库实时数据（无进行中的侨情调查）")
        if not self.state:
            return self.campaign_name
        return _("%(campaign)s（%(state)s）") % {"campaign": self.campaign_name, "state": self.state}

    @property
    def text(self) -> str:
        """"依据：2026年度玉溪市侨情调查（通海县已审核）"."""
        return _("依据：%(basis)s") % {"basis": self.description}

    def as_dict(self) -> dict:
        return {"campaign": self.campaign_id, "campaign_name": self.campaign_name, "approved": self.approved,
                "units_total": self.units_total, "units_approved": self.units_approved, "text": self.text}


def round_basis(region: Region | None, *, reporting: ReportingRate | None = None) -> RoundBasis:
    """依据: the open round the region's figures come from and its approval there: the reporting regions inside the
    region, or, for a place below them (a township), the one it lies in. From the round's reporting rate in the region
    when the caller has it (one query more at most), else three queries at most."""
    if reporting is None:
        campaign = round_for_region(region)
        if campaign is None:
            return RoundBasis(None, "")
        reporting = reporting_rate(campaign, as_of=timezone.localdate(), within=region)
    rows = reporting.rows
    if len(rows) > 1:
        return RoundBasis(reporting.campaign_id, reporting.campaign_name, len(rows), reporting.approved)
    if rows:
        name, status = rows[0].region_name, rows[0].status
    else:
        covering = CampaignReport.objects.filter(campaign_id=reporting.campaign_id)
        found = covering.covering(region).order_by("-region__depth").values_list("region__name", "status").first() if region else None
        if found is None:
            return RoundBasis(reporting.campaign_id, reporting.campaign_name)
        name, status = found
    return RoundBasis(reporting.campaign_id, reporting.campaign_name, 1, int(status == ReportStatus.APPROVED), name, status)


# ---- what changed since the last approval -------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """The approval a report is compared with: the latest approval of the same region, in this round or before."""

    report_id: int
    campaign_name: str
    approved_at: dt.datetime
    approved_by: str


def approval_baseline(report: CampaignReport) -> Baseline | None:
    step = (
        CampaignReportStep.objects.filter(step=ReportStep.APPROVE, report__region_id=report.region_id)
        .select_related("report__campaign", "actor").order_by("-at", "-pk").first()
    )
    if step is None:
        return None
    actor = step.actor.get_full_name() or step.actor.get_username() if step.actor else ""
    return Baseline(step.report_id, step.report.campaign.name, step.at, actor)


@dataclass
class CategoryChanges:
    category: str
    before: int = 0
    now: int = 0
    added: int = 0
    removed: int = 0
    moved: int = 0
    recategorized: int = 0

    @property
    def label(self) -> str:
        return str(Category(self.category).label)

    def as_dict(self) -> dict:
        return {"before": self.before, "now": self.now, "added": self.added, "removed": self.removed,
                "moved": self.moved, "recategorized": self.recategorized}


@dataclass(frozen=True)
class ChangedPerson:
    """One person of a change list: name (when the reader may see them), category and place before → now."""

    person_id: int
    name: str
    url: str
    before: str
    after: str


@dataclass
class ChangesSinceApproval:
    baseline: Baseline | None
    categories: list[CategoryChanges]
    added: list[ChangedPerson] = field(default_factory=list)
    removed: list[ChangedPerson] = field(default_factory=list)
    moved: list[ChangedPerson] = field(default_factory=list)
    recategorized: list[ChangedPerson] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(c, name) for c in self.categories)

    @property
    def totals(self) -> dict[str, int]:
        return {name: self.total(name) for name in ("before", "now", "added", "removed", "moved", "recategorized")}

    @property
    def unchanged(self) -> bool:
        t = self.totals
        return self.baseline is not None and not (t["added"] or t["removed"] or t["moved"] or t["recategorized"])

    def counts(self) -> dict[str, dict[str, int]]:
        """By category, as an approval step stores them."""
        return {c.category: c.as_dict() for c in self.categories}


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {"person": quote(Person._meta.db_table), "snapshot": quote(ApprovalSnapshot._meta.db_table),
            "region": quote(Region._meta.db_table)}


def people_by_category(region: Region) -> dict[str, int]:
    """The region's registered people by category, now (one aggregate)."""
    counts = dict.fromkeys(Category.values, 0)
    for category, n in Person.objects.within(region).values_list("category").annotate(n=Count("pk")).order_by():
        counts[category] = n
    return counts


# person id → (category, residence region id, unit id)
Placing = dict[int, tuple[str, int, int | None]]


def region_placings(region: Region, baseline_report_id: int) -> tuple[Placing, Placing]:
    """The region's people now and in the baseline snapshot, as two plain scans (the region's people by their
    regions' ids, the snapshot by its report): compared in memory, whatever the planner would make of a join of a
    snapshot it has no statistics for yet. About 0.15 s for 50,000 people on each side."""
    t = _tables()
    ids = list(Region.objects.within(region).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, category, region_id, unit_id FROM {t['person']} WHERE region_id IN ({', '.join(['%s'] * len(ids))})", ids
        )
        now = {pk: (category, region_id, unit_id) for pk, category, region_id, unit_id in cursor.fetchall()}
        cursor.execute(f"SELECT person_id, category, region_id, unit_id FROM {t['snapshot']} WHERE report_id = %s", [baseline_report_id])
        before = {pk: (category, region_id, unit_id) for pk, category, region_id, unit_id in cursor.fetchall()}
    return now, before


def count_changes(now: Placing, before: Placing) -> list[CategoryChanges]:
    """Per category: before, now, added, removed, moved inside the region, of another category now."""
    by_category = {c: CategoryChanges(c) for c in Category.values}

    def entry(category: str) -> CategoryChanges:
        return by_category.setdefault(category, CategoryChanges(category))

    for pk, (category, region_id, unit_id) in now.items():
        counted = entry(category)
        counted.now += 1
        old = before.get(pk)
        if old is None:
            counted.added += 1
            continue
        if old[1] != region_id or old[2] != unit_id:
            counted.moved += 1
        if old[0] != category:
            counted.recategorized += 1
    for pk, (category, _region_id, _unit_id) in before.items():
        counted = entry(category)
        counted.before += 1
        if pk not in now:
            counted.removed += 1
    return list(by_category.values())


def change_counts(region: Region, baseline_report_id: int | None) -> list[CategoryChanges]:
    """Per category, the region's people now against the baseline snapshot: how many before and now, added (new or
    moved in), removed (moved out or merged away), moved inside the region (residence or unit) and of another
    category now. Without a baseline (never approved), everyone counts as added."""
    if baseline_report_id is None:
        by_category = {c: CategoryChanges(c) for c in Category.values}
        for category, n in people_by_category(region).items():
            by_category.setdefault(category, CategoryChanges(category))
            by_category[category].now = by_category[category].added = n
        return list(by_category.values())
    return count_changes(*region_placings(region, baseline_report_id))


def _listed(now: Placing, before: Placing, user, limit: int) -> dict[str, list[ChangedPerson]]:
    """The first `limit` people of each kind of change (newest records first), named where the reader sees them.
    Four small queries: the people's names, which of them the reader sees, the regions' and the units' names."""
    picked = {
        "added": heapq.nlargest(limit, (pk for pk in now if pk not in before)),
        "removed": heapq.nlargest(limit, (pk for pk in before if pk not in now)),
        "moved": heapq.nlargest(limit, (pk for pk, (_c, region_id, unit_id) in now.items()
                                        if pk in before and before[pk][1:] != (region_id, unit_id))),
        "recategorized": heapq.nlargest(limit, (pk for pk, (category, _r, _u) in now.items()
                                                if pk in before and before[pk][0] != category)),
    }
    person_ids = {pk for listed in picked.values() for pk in listed}
    people = {pk: (name, region_id) for pk, name, region_id in Person.objects.filter(pk__in=person_ids).values_list("pk", "name", "region_id")}
    visible = set(Person.objects.visible_to(user).filter(pk__in=person_ids).values_list("pk", flat=True)) if user is not None else set(people)
    placings = [p for pk in person_ids for p in (now.get(pk), before.get(pk)) if p]
    region_ids = {p[1] for p in placings} | {region_id for _name, region_id in people.values()}
    regions = dict(Region.objects.filter(pk__in=region_ids).values_list("pk", "name"))
    units = dict(Unit.objects.filter(pk__in={p[2] for p in placings if p[2]}).values_list("pk", "name"))
    labels = dict(Category.choices)

    def place(placing) -> str:
        if placing is None:
            return ""
        category, region_id, unit_id = placing
        unit = f"·{units.get(unit_id, '')}" if unit_id else ""
        return f"{labels.get(category, category)} · {regions.get(region_id, '')}{unit}"

    found: dict[str, list[ChangedPerson]] = {}
    for kind, listed in picked.items():
        found[kind] = []
        for pk in listed:
            name, now_region = people.get(pk, ("", None))
            seen = pk in visible
            if pk not in people:
                name, after = _("（记录已删除）"), _("已合并到另一条登记或删除")
            elif not seen:
                name, after = _("（不在您的管辖范围内）"), _("已迁出")
            elif kind == "removed":
                after = _("现居 %(place)s") % {"place": regions.get(now_region, "")}
            else:
                after = place(now.get(pk))
            url = reverse("census:person-detail", args=[pk]) if seen else ""
            found[kind].append(ChangedPerson(pk, name, url, place(before.get(pk)), after))
    return found


def changes_since_approval(report: CampaignReport, *, user=None, limit: int = LISTED) -> ChangesSinceApproval:
    """What changed in the report's region since its last approval (in this round, or the round before): counts by
    category and the first `limit` people of each kind, for the reviewer to see what they approve. A region never
    approved yet is compared with nothing: everyone counts as added."""
    baseline = approval_baseline(report)
    if baseline is None:
        return ChangesSinceApproval(None, change_counts(report.region, None))
    now, before = region_placings(report.region, baseline.report_id)
    changes = ChangesSinceApproval(baseline, count_changes(now, before))
    if limit:
        listed = _listed(now, before, user, limit)
        changes.added, changes.removed = listed["added"], listed["removed"]
        changes.moved, changes.recategorized = listed["moved"], listed["recategorized"]
    return changes


# ---- history ------------------------------------------------------------------------------------------------------


def report_steps(report: CampaignReport) -> list[CampaignReportStep]:
    return list(CampaignReportStep.objects.filter(report=report).select_related("actor").order_by("-at", "-pk"))


# ---- what the daily reminders need ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportReminder:
    """A report of an open round that may call for a reminder today: not submitted (with the round's deadline), or
    submitted and waiting for its superior; with who submits for it and who decides on it."""

    report_id: int
    campaign_id: int
    campaign_name: str
    region_name: str
    deadline: dt.date | None
    status: str
    submitted_on: dt.date | None
    submitters: tuple[int, ...]
    superiors: tuple[int, ...]


def reports_for_reminders(*, today: dt.date, days_ahead: int) -> list[ReportReminder]:
    """Reports of open rounds not submitted whose deadline is at most `days_ahead` away (or past), and reports
    waiting for approval. Three queries whatever their number."""
    due = Q(status__in=(ReportStatus.NOT_SUBMITTED, ReportStatus.RETURNED), campaign__deadline__lte=today + dt.timedelta(days=days_ahead))
    reports = list(
        CampaignReport.objects.filter(campaign__is_open=True).filter(due | Q(status=ReportStatus.SUBMITTED))
        .select_related("campaign__region", "region").order_by("campaign_id", "region__code")
    )
    if not reports:
        return []
    writers: dict[int, set[int]] = defaultdict(set)
    for region_id, user_id in Membership.objects.filter(
        region_id__in={r.region_id for r in reports}, role__in=SUBMITTING_ROLES
    ).values_list("region_id", "user_id"):
        writers[region_id].add(user_id)
    superiors = report_superiors(reports)
    return [
        ReportReminder(
            r.pk, r.campaign_id, r.campaign.name, r.region.name, r.campaign.deadline, r.status,
            timezone.localdate(r.submitted_at) if r.submitted_at else None,
            tuple(sorted(writers.get(r.region_id, ()))), tuple(superiors.get(r.pk, ())),
        )
        for r in reports
    ]
