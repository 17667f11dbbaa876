"""Scope-matrix cases of the dashboard and progress reports: the dashboard of a region (page and API),
the report list, the request form (reading: leadership may request), a job's page and download, and the
report API. A county official never reaches another county's dashboard or report."""
from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile

from orgs.regions.models import RegionLevel
from tasks.reports.models import ReportJob, ReportStatus
from tests.factories import RegionFactory
from tests.scope.registry import (
    API,
    WEB,
    Placed,
    Probe,
    RouteCase,
    admin_only_cases,
    register,
)

READ_METHODS = ("GET", "HEAD", "OPTIONS")


def _township(region, suffix: str, word: str):
    return RegionFactory(parent=region, level=RegionLevel.TOWNSHIP, code=f"{region.code}{suffix}", name=f"{region.name[:2]}{word}镇")


DASHBOARD = Placed(
    "dashboard",
    make=lambda region: _township(region, "197", "看板"),
    markers=lambda r: (r.name,),
    rows=lambda: list(ReportJob.objects.order_by("pk").values_list("pk", "region_id", "status")),
)


def _job(region):
    township = _township(region, "196", "报告")
    job = ReportJob(region=township, format="xlsx", as_of=dt.date(2026, 6, 30), status=ReportStatus.DONE)
    # The file holds the marker: the own download proves it is served, the foreign one that it is not.
    job.file.save(f"matrix-{region.code}.xlsx", ContentFile(f"PK {township.name}".encode()), save=False)
    job.save()
    return job


REPORT = Placed(
    "reportjob",
    make=_job,
    markers=lambda j: (j.region.name,),
    rows=lambda: list(ReportJob.objects.order_by("pk").values_list("pk", "region_id", "format", "status", "as_of")),
)


def _request_own(world, obj):
    return {"region": world.own_region.code, "format": "xlsx", "as_of": "2026-06-30"}


by_pk = lambda job: {"pk": job.pk}  # noqa: E731

register(
    RouteCase("dashboard", WEB, DASHBOARD, kwargs=lambda r: {"code": r.code}),
    RouteCase("api:dashboard-list", API, DASHBOARD, url=lambda r: f"/api/dashboard/?region={r.code}", methods=READ_METHODS),
    RouteCase("reports:list", WEB, REPORT),
    # Requesting a report is reading (leadership may): the form posts and lands on the list.
    RouteCase("reports:request", WEB, REPORT, methods=("POST",), follow=True, reads=(Probe("POST", data=_request_own),)),
    RouteCase("reports:detail", WEB, REPORT, kwargs=by_pk),
    RouteCase("reports:download", WEB, REPORT, kwargs=by_pk),
    RouteCase("api:report-list", API, REPORT, methods=(*READ_METHODS, "POST")),
    RouteCase("api:report-detail", API, REPORT, kwargs=by_pk, methods=READ_METHODS),
    RouteCase("api:report-download", API, REPORT, kwargs=by_pk, methods=READ_METHODS),
)

# The admin of report jobs: administrators only (the scoped and the leadership staff hold no permission on it).
register(*admin_only_cases(REPORT, "tasks.reportjob"))
