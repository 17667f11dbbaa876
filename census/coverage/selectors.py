"""Reads of coverage: a region's rollup of verdicts; the version of the stored verdicts, for what is cached of them."""
from __future__ import annotations

from django.db.models import Sum

from census.coverage.models import CoverageRollup, PlaceLevel
from orgs.common.versions import cache_version, cache_version_bump
from orgs.regions.models import Region


def coverage_rollup(region: Region | None) -> dict[str, dict[str, int]]:
    """Per level (county, township, village, unit): required / satisfied / under way / missing /
    recommended in the region's subtree, from the stored rollups (the whole country when None)."""

    empty = {"required": 0, "satisfied": 0, "under_way": 0, "missing": 0, "recommended": 0}
    result = {level: dict(empty) for level in PlaceLevel.values}
    if region is not None:
        rows = CoverageRollup.objects.filter(region=region).values("level", *empty)
    else:
        rows = (
            CoverageRollup.objects.filter(region__parent__isnull=True)
            .values("level")
            .annotate(**{k: Sum(k) for k in empty})
            .values("level", *empty)
        )
    for row in rows:
        result[row["level"]] = {k: row[k] or 0 for k in empty}
    return result


VERDICTS_VERSION_KEY = "coverage:verdicts-version"


def verdicts_version() -> int:
    """The version of the stored verdicts: it changes whenever an evaluation writes, deletes or changes one
    (`verdicts_changed`), so what is cached under it is never read after a change (orgs.common.versions)."""
    return cache_version(VERDICTS_VERSION_KEY)


def verdicts_changed() -> None:
    """A new version of the stored verdicts (the evaluation calls it at once and when its transaction commits)."""
    cache_version_bump(VERDICTS_VERSION_KEY)
