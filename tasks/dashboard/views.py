"""The dashboard pages: the home page (the user's own scope) and a region's dashboard."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from orgs.access.scoping import user_scope
from orgs.regions.models import Region
from orgs.regions.selectors import visible_ancestors
from tasks.dashboard.selectors import (
    CACHE_SECONDS,
    dashboard_cache_key,
    dashboard_data,
    dashboard_links,
    dashboard_region,
    link_or_none,
)
from tasks.reports.charts import report_charts
from tasks.reports.data import DASHBOARD_OVERDUE_SHOWN, ReportData


def _dashboard_body(data: ReportData, region: Region | None) -> str:
    """The dashboard below its head, as HTML: the same for everyone who may see `region`, so rendered once per
    version of the figures, region, date and language (`dashboard_cache_key`) and then read from the cache. At
    province scale its 129 area rows, charts and links cost 40 ms of CPU per view, the whole page's most."""
    key = dashboard_cache_key("body", region, data.as_of, get_language())
    html = cache.get(key)
    if html is None:
        links = dashboard_links(data)
        html = render_to_string("dashboard/includes/body.html", {
            "data": data,
            "links": links,
            "levels": [(c, links["levels"][level]) for level, c in data.levels.items()],
            "areas": [(a, links["areas"][a.region.code]) for a in data.areas],
            "milestones": [(m, links["milestones"][m.pk]) for m in data.milestones],
            "overdue_tasks": [(t, links["task"][t.pk]) for t in data.overdue_tasks],
            "categories": [(data.category_labels[c], n, links["categories"][c]) for c, n in data.people_by_category.items()],
            "charts": report_charts(data, links=links["areas"]),
            "overdue_shown": DASHBOARD_OVERDUE_SHOWN,
            "region": region,
        })
        cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html)  # rendered by our own template, autoescaped


def _dashboard(request, code: str | None):
    region = dashboard_region(request.user, code)
    data = dashboard_data(region, as_of=timezone.localdate())
    scope = user_scope(request.user)
    crumbs = [(r.code, r.name) for r in visible_ancestors(region, request.user)] if region is not None else []
    return render(request, "dashboard/dashboard.html", {
        "data": data,
        "links": {"reports": link_or_none("reports:list"), "imports": link_or_none("census:import-list")},
        "body": _dashboard_body(data, region),
        "crumbs": crumbs,
        "can_write": scope.edits_region(region) if region is not None else scope.is_admin,
        "region": region,
    })


@require_safe
@login_required
def home(request):
    """首页: the dashboard of the user's scope region (or of `?region=CODE` inside the scope)."""
    return _dashboard(request, request.GET.get("region") or None)


@require_safe
@login_required
def dashboard(request, code: str):
    """The dashboard of one region of the user's scope (drill-down from a county row or dot)."""
    return _dashboard(request, code)
