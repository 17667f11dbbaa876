"""The dashboard (首页): the headline part of the report data for the user's scope region, cached per
(region, date) under a version number that every change of the underlying data bumps, and the links
from each figure to the list behind it."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.core.cache import cache
from django.urls import NoReverseMatch, reverse

from census.coverage.models import FulfilmentChoice
from census.registry.models import Category
from orgs.access.scoping import get_visible_or_404, user_scope
from orgs.common.versions import cache_version, cache_version_bump
from orgs.regions.models import Region
from orgs.regions.selectors import scope_regions_for
from tasks.reports.data import ReportData, report_data

VERSION_KEY = "dashboard:version"
# The version key makes stale figures unreachable at once; the timeout only frees memory.
CACHE_SECONDS = 60 * 60
# Part of every key: bump when ReportData's shape changes, so a deploy never unpickles an older shape.
DATA_SHAPE = 3


def dashboard_version() -> int:
    """The current version of the dashboard's cached figures (orgs.common.versions)."""
    return cache_version(VERSION_KEY)


def dashboard_invalidate(**_kwargs) -> None:
    """Bumps the version: every cached dashboard figure is recomputed on its next view."""
    cache_version_bump(VERSION_KEY)


def dashboard_cache_key(kind: str, region: Region | None, as_of: dt.date, *parts: str) -> str:
    """The cache key of something of the dashboard (`kind`: its figures, its rendered body) of `region` on `as_of`
    under the current version: a change of the data makes every such key unreachable at once."""
    return ":".join(("dashboard", kind, str(DATA_SHAPE), str(dashboard_version()), str(region.pk if region else 0),
                     as_of.isoformat(), *parts))


def dashboard_data(region: Region | None, *, as_of: dt.date) -> ReportData:
    """The dashboard's figures for `region` on `as_of` (cached; the caller checks the scope)."""
    key = dashboard_cache_key("data", region, as_of)
    data = cache.get(key)
    if data is None:
        data = report_data(region, as_of=as_of, detail=False)
        cache.set(key, data, CACHE_SECONDS)
    return data


def dashboard_region(user, code: str | None) -> Region | None:
    """The region a dashboard shows: the one asked for (404 outside the scope), else the user's first scope
    region; None (the whole country) for an administrator who asked for none."""
    if code:
        return get_visible_or_404(Region.objects.all(), user, code=code)
    if user_scope(user).is_admin:
        return None
    regions = scope_regions_for(user)
    if not regions:
        from django.http import Http404

        raise Http404
    return regions[0]


def link_or_none(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def _with(url: str | None, **params) -> str | None:
    if url is None:
        return None
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")}, doseq=True)
    return f"{url}?{query}" if query else url


def dashboard_links(data: ReportData) -> dict:
    """URL of the list behind each figure (None where that list does not exist)."""
    code = data.region.code or None
    gaps = link_or_none("census:coverage-gaps")
    people = link_or_none("census:person-list")
    tasks = link_or_none("tasks:board")
    return {
        "levels": {
            level: {
                "required": _with(gaps, region=code, level=level),
                "founded": _with(gaps, region=code, level=level, status=FulfilmentChoice.SATISFIED),
                "under_way": _with(gaps, region=code, level=level, status=FulfilmentChoice.UNDER_WAY),
                "missing": _with(gaps, region=code, level=level, status=FulfilmentChoice.MISSING),
            }
            for level in data.levels
        },
        "gaps_missing": _with(gaps, region=code, status=FulfilmentChoice.MISSING),
        "gaps_under_way": _with(gaps, region=code, status=FulfilmentChoice.UNDER_WAY),
        "overdue": _with(tasks, region=code, overdue="true"),
        "milestones": {m.pk: _with(tasks, region=code, milestone=m.pk) for m in data.milestones},
        "task": {t.pk: link_or_none("tasks:detail", pk=t.pk) for t in data.overdue_tasks},
        "tasks": _with(tasks, region=code),
        "people": _with(people, region=code),
        "categories": {c: _with(people, region=code, category=c) for c in Category.values},
        "imports": link_or_none("census:import-list"),
        "round": link_or_none("census:campaign-detail", pk=data.reporting.campaign_id) if data.reporting else None,
        "reports": link_or_none("reports:list"),
        "areas": {a.region.code: reverse("dashboard", kwargs={"code": a.region.code}) for a in data.areas},
    }
