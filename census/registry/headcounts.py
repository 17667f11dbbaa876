"""Headcount snapshots: registered people per campaign × region (residence) × category, and per unit.

Two ways in, for two sizes of change. A person's edit recounts the places it touched
(`headcounts_refresh`: delete their rows, insert one aggregate query's result). An import adds its
own changes (`headcounts_add`: increments per place and category), so that its cost follows the rows
imported, not the people already registered where they land. Subtree totals are not stored: they are
summed over MPTT ranges when read (selectors)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count

from census.registry.models import Campaign, Headcount, Person
from orgs.common.bulk import chunks
from orgs.regions.models import Region
from orgs.units.models import Unit

CHUNK = 5000


@transaction.atomic
def headcounts_refresh(*, campaign: Campaign, region_ids: Iterable[int] = (), unit_ids: Iterable[int] = ()) -> int:
    """Recomputes the campaign's headcounts for these regions and units; returns rows written.
    A closed campaign is a frozen snapshot and is left as it is."""
    if not campaign.is_open:
        return 0
    people = Person.objects.within(campaign.region)
    rows: list[Headcount] = []
    # Only the campaign's own regions are counted; they are picked out once, so that the count itself
    # reads the people table alone (no join to the region tree per person).
    in_campaign = Region.objects.within(campaign.region).values_list("pk", flat=True)
    for chunk in chunks(sorted(region_ids), CHUNK):
        Headcount.objects.filter(campaign=campaign, unit__isnull=True, region_id__in=chunk).delete()
        counted = list(in_campaign.filter(pk__in=chunk))
        counts = Person.objects.filter(region_id__in=counted).values("region_id", "category").annotate(n=Count("pk")).order_by()
        rows += [Headcount(campaign=campaign, region_id=c["region_id"], category=c["category"], count=c["n"]) for c in counts]
    for chunk in chunks(sorted(unit_ids), CHUNK):
        Headcount.objects.filter(campaign=campaign, unit_id__in=chunk).delete()
        counts = (
            people.filter(unit_id__in=chunk)
            .values("unit_id", "unit__region_id", "category")
            .annotate(n=Count("pk"))
            .order_by()
        )
        rows += [
            Headcount(campaign=campaign, region_id=c["unit__region_id"], unit_id=c["unit_id"], category=c["category"], count=c["n"])
            for c in counts
        ]
    Headcount.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


@transaction.atomic
def headcounts_rebuild(*, campaign: Campaign) -> int:
    """Recomputes every headcount of an open campaign from the registry (after bulk generation)."""
    if not campaign.is_open:
        return 0
    Headcount.objects.filter(campaign=campaign).delete()
    people = Person.objects.within(campaign.region)
    rows = [
        Headcount(campaign=campaign, region_id=c["region_id"], category=c["category"], count=c["n"])
        for c in people.values("region_id", "category").annotate(n=Count("pk")).order_by()
    ]
    rows += [
        Headcount(campaign=campaign, region_id=c["unit__region_id"], unit_id=c["unit_id"], category=c["category"], count=c["n"])
        for c in people.filter(unit__isnull=False).values("unit_id", "unit__region_id", "category").annotate(n=Count("pk")).order_by()
    ]
    Headcount.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


# (residence region id, unit id or None, category) → people added (negative: removed)
HeadcountChange = tuple[int, int | None, str]


@transaction.atomic
def headcounts_add(*, campaign: Campaign, changes: Counter[HeadcountChange]) -> int:
    """Adds counted changes to the campaign's headcounts (people of the campaign's regions only); returns
    the rows touched. Increments are applied in the database, row by row under its lock, so concurrent
    imports add up; a place and category left with nobody loses its row. A closed campaign is frozen."""
    if not campaign.is_open or not changes:
        return 0
    in_campaign = set(
        Region.objects.within(campaign.region).filter(pk__in={region for region, _u, _c in changes}).values_list("pk", flat=True)
    )
    by_region: Counter = Counter()
    by_unit: Counter = Counter()
    for (region_id, unit_id, category), n in changes.items():
        if region_id in in_campaign:
            by_region[(region_id, category)] += n
            if unit_id:
                by_unit[(unit_id, category)] += n
    region_of_unit = dict(Unit.objects.filter(pk__in={u for u, _c in by_unit}).values_list("pk", "region_id"))
    rows = [(region, None, category, n) for (region, category), n in by_region.items() if n]
    rows += [(region_of_unit[unit], unit, category, n) for (unit, category), n in by_unit.items() if n]
    _add_counts(campaign.pk, [r for r in rows if r[3] > 0], [r for r in rows if r[3] < 0])
    return len(rows)


def _add_counts(campaign_id: int, gains: list[tuple], losses: list[tuple]) -> None:
    table = connection.ops.quote_name(Headcount._meta.db_table)
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    with connection.cursor() as cursor:
        for unit_rows, key, partial in ((False, "region_id", "unit_id IS NULL"), (True, "unit_id", "unit_id IS NOT NULL")):
            rows = [r for r in gains if (r[1] is not None) == unit_rows]
            for chunk in chunks(rows, 2000):
                cursor.execute(
                    f'INSERT INTO {table} (campaign_id, region_id, unit_id, category, "count") VALUES '
                    + ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
                    + f" ON CONFLICT (campaign_id, {key}, category) WHERE {partial}"
                    f' DO UPDATE SET "count" = {table}."count" + excluded."count"',
                    [value for region, unit, category, n in chunk for value in (campaign_id, region, unit, str(category), n)],
                )
            rows = [r for r in losses if (r[1] is not None) == unit_rows]
            for chunk in chunks(rows, 2000):
                # One statement per chunk: each row is decreased under its own lock (no lost update).
                cursor.execute(
                    f'UPDATE {table} SET "count" = {greatest}({table}."count" + v.n, 0) FROM '
                    "(SELECT column1 AS place, column2 AS category, column3 AS n FROM (VALUES "
                    + ", ".join(["(%s, %s, %s)"] * len(chunk))
                    + f") AS listed) AS v WHERE {table}.campaign_id = %s AND {table}.{key} = v.place"
                    f" AND {table}.category = v.category AND {table}.{partial}",
                    [*(value for region, unit, category, n in chunk for value in (unit if unit_rows else region, str(category), n)), campaign_id],
                )
        if losses:
            cursor.execute(f'DELETE FROM {table} WHERE campaign_id = %s AND "count" = 0', [campaign_id])
