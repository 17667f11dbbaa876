"""培训 in the report (Jiangxi 40 持续开展基层侨联专兼职干部、"侨胞之家"负责人和侨联志愿者的培训; Yuxi 三(五)):
per area row, the distinct cadres, home heads and volunteers who attended at least one training in the report year
(1 January to the report date), and the sessions held and their hours.

Set-based: two aggregate queries over the scope's subtree, grouped by region (attendees by their own organization's
region, sessions by the organiser's), each region's figures added to the area whose MPTT range holds it (bisection,
as `tasks.reports.data._network` does), never a query per area. A person is counted once per role: a record (a
leading-body member or a volunteer) by its id, a person without a record by name within their organization's
region; the areas' figures add up to the scope's because each record lies in one region."""
from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, Sum

from orgs.access.scoping import within_q
from orgs.training.models import AttendeeRole, Training, TrainingAttendance

if TYPE_CHECKING:  # pragma: no cover
    from orgs.regions.models import Region
    from tasks.reports.data import RegionInfo

ROLE_FIELD: dict[str, str] = {
    AttendeeRole.CADRE: "cadres", AttendeeRole.HOME_HEAD: "home_heads", AttendeeRole.VOLUNTEER: "volunteers",
}


@dataclass
class TrainingFigures:
    """One area's (or the scope's) training in the year."""

    sessions: int = 0
    hours: Decimal = Decimal("0")
    cadres: int = 0
    home_heads: int = 0
    volunteers: int = 0

    @property
    def trained(self) -> int:
        return self.cadres + self.home_heads + self.volunteers


@dataclass
class TrainingRow:
    region: RegionInfo
    figures: TrainingFigures = field(default_factory=TrainingFigures)


@dataclass
class TrainingReport:
    """训练 per area: `rows` follow the report's areas, `total` is the whole scope (its own level included)."""

    year: int
    rows: list[TrainingRow]
    total: TrainingFigures


def training_report(region: Region | None, areas: Sequence[tuple[RegionInfo, tuple[int, int, int]]], *,
                    as_of: dt.date) -> TrainingReport:
    """The year's training for `region`'s subtree (the country when None); `areas` are the report's area rows with
    their MPTT (tree_id, lft, rght), in tree order."""
    start = dt.date(as_of.year, 1, 1)
    attendances = TrainingAttendance.objects.filter(training__held_on__gte=start, training__held_on__lte=as_of)
    trainings = Training.objects.filter(held_on__gte=start, held_on__lte=as_of)
    if region is not None:
        attendances = attendances.filter(within_q(region, "organization__region"))
        trainings = trainings.filter(within_q(region, "organizer__region"))
    no_record = Q(leader__isnull=True, volunteer__isnull=True)
    attendee_rows = (
        attendances.values("organization__region__tree_id", "organization__region__lft", "role")
        .annotate(leaders=Count("leader", distinct=True), volunteers=Count("volunteer", distinct=True),
                  named=Count("name", distinct=True, filter=no_record))
        .order_by()
    )
    session_rows = (
        trainings.values("organizer__region__tree_id", "organizer__region__lft")
        .annotate(sessions=Count("pk"), hours=Sum("hours")).order_by()
    )
    rows = [TrainingRow(info) for info, _range in areas]
    ranges = [r for _info, r in areas]
    starts = [(tree, lft) for tree, lft, _rght in ranges]
    total = TrainingFigures()

    def targets(tree: int, lft: int) -> list[TrainingFigures]:
        i = bisect_right(starts, (tree, lft)) - 1
        inside = i >= 0 and ranges[i][0] == tree and lft <= ranges[i][2]
        return [total, rows[i].figures] if inside else [total]

    for attendee in attendee_rows:
        name = ROLE_FIELD.get(attendee["role"])
        if name is None:
            continue
        people = attendee["leaders"] + attendee["volunteers"] + attendee["named"]
        for figures in targets(attendee["organization__region__tree_id"], attendee["organization__region__lft"]):
            setattr(figures, name, getattr(figures, name) + people)
    for session in session_rows:
        for figures in targets(session["organizer__region__tree_id"], session["organizer__region__lft"]):
            figures.sessions += session["sessions"]
            figures.hours += Decimal(session["hours"] or 0)
    return TrainingReport(as_of.year, rows, total)
