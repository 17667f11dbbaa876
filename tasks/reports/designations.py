"""侨胞之家 designations in the report (issue 17 §4, Jiangxi 32–34): per area of the scope (the counties of a city), the
designations awarded by level (市级, 省级; earlier records without a level apart) and by kind, and the nominations
still open (with a superior, or returned to the home's side).

Set-based like the report's network figures: two aggregate queries over the scope's subtree grouped by the home's
organization's region, each region's figures added to the area whose MPTT range holds it (bisection), never a query
per area or per row."""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from django.db.models import Count

from orgs.homes.models import (
    DesignationKind,
    DesignationLevel,
    DesignationNomination,
    HomeDesignation,
    NominationStatus,
)

REGION_KEYS = ("home__organization__region__tree_id", "home__organization__region__lft")


@dataclass
class DesignationRow:
    """One area's designations: counts by (level, kind) and the open nominations by status."""

    code: str
    name: str
    awarded: dict[tuple[str, str], int] = field(default_factory=dict)
    open_nominations: dict[str, int] = field(default_factory=dict)

    def add_awarded(self, level: str, kind: str, n: int) -> None:
        self.awarded[(level, kind)] = self.awarded.get((level, kind), 0) + n

    def add_open(self, status: str, n: int) -> None:
        self.open_nominations[status] = self.open_nominations.get(status, 0) + n

    def level_total(self, level: str) -> int:
        return sum(n for (lv, _kind), n in self.awarded.items() if lv == level)

    @property
    def city(self) -> int:
        return self.level_total(DesignationLevel.CITY)

    @property
    def province(self) -> int:
        return self.level_total(DesignationLevel.PROVINCE)

    @property
    def unlevelled(self) -> int:
        return self.level_total("")

    @property
    def total(self) -> int:
        return sum(self.awarded.values())

    @property
    def by_kind(self) -> list[int]:
        """Designations of each kind (every level), in `DesignationKind` order."""
        return [sum(n for (_lv, kind), n in self.awarded.items() if kind == k) for k in DesignationKind.values]

    @property
    def pending(self) -> int:
        """Nominations with a superior (待市侨联审核, 待省侨联审核)."""
        return self.open_nominations.get(NominationStatus.NOMINATED, 0) + self.open_nominations.get(NominationStatus.RECOMMENDED, 0)

    @property
    def returned(self) -> int:
        return self.open_nominations.get(NominationStatus.RETURNED, 0)

    def level_kind(self, level: str) -> list[int]:
        return [self.awarded.get((level, k), 0) for k in DesignationKind.values]


@dataclass
class DesignationReport:
    """The scope's designations: one row per area (in the areas' order) and the scope's total (its own level too)."""

    areas: list[DesignationRow]
    total: DesignationRow

    @property
    def kind_labels(self) -> list[str]:
        return [str(label) for label in DesignationKind.labels]

    @property
    def level_rows(self) -> list[tuple[str, list[int], int]]:
        """The scope's total by level: (label, counts by kind, total), the levels without a record left out."""
        rows = [(str(DesignationLevel(level).label), self.total.level_kind(level), self.total.level_total(level))
                for level in DesignationLevel.values]
        if self.total.unlevelled:
            rows.append(("—", self.total.level_kind(""), self.total.unlevelled))
        return rows


def designations_by_area(region, areas: list[tuple[str, str]], ranges: list[tuple[int, int, int]]) -> DesignationReport:
    """`areas`: (code, name) of the report's areas; `ranges`: their (tree_id, lft, rght), sorted. `region` None: the
    whole country."""
    designations = HomeDesignation.objects.all() if region is None else HomeDesignation.objects.within(region)
    nominations = DesignationNomination.objects.exclude(status=NominationStatus.AWARDED)
    nominations = nominations if region is None else nominations.within(region)
    rows = [DesignationRow(code, name) for code, name in areas]
    total = DesignationRow(region.code if region is not None else "", region.name if region is not None else "")
    starts = [(tree, lft) for tree, lft, _rght in ranges]

    def area_of(tree: int, lft: int) -> DesignationRow | None:
        i = bisect_right(starts, (tree, lft)) - 1
        return rows[i] if i >= 0 and ranges[i][0] == tree and lft <= ranges[i][2] else None

    for row in designations.values(*REGION_KEYS, "level", "kind").annotate(n=Count("pk")).order_by():
        total.add_awarded(row["level"], row["kind"], row["n"])
        if (area := area_of(row[REGION_KEYS[0]], row[REGION_KEYS[1]])) is not None:
            area.add_awarded(row["level"], row["kind"], row["n"])
    for row in nominations.values(*REGION_KEYS, "status").annotate(n=Count("pk")).order_by():
        total.add_open(row["status"], row["n"])
        if (area := area_of(row[REGION_KEYS[0]], row[REGION_KEYS[1]])) is not None:
            area.add_open(row["status"], row["n"])
    return DesignationReport(rows, total)
