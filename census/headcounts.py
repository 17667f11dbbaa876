"""Headcount snapshots: registered people per campaign × region (residence) × category, and per unit.

Only the places a change touched are recomputed: delete their rows, insert one aggregate query's
result. Subtree totals are not stored: they are summed over MPTT ranges when read (selectors)."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count

from orgs.bulk import chunks

from .models import Campaign, Headcount, Person

CHUNK = 5000


@transaction.atomic
def headcounts_refresh(*, campaign: Campaign, region_ids: Iterable[int] = (), unit_ids: Iterable[int] = ()) -> int:
    """Recomputes the campaign's headcounts for these regions and units; returns rows written.
    A closed campaign is a frozen snapshot and is left as it is."""
    if not campaign.is_open:
        return 0
    people = Person.objects.within(campaign.region)
    rows: list[Headcount] = []
    for chunk in chunks(sorted(region_ids), CHUNK):
        Headcount.objects.filter(campaign=campaign, unit__isnull=True, region_id__in=chunk).delete()
        counts = people.filter(region_id__in=chunk).values("region_id", "category").annotate(n=Count("pk")).order_by()
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
