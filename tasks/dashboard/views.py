"""The dashboard pages: the home page (the user's own scope) and a region's dashboard."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from orgs.access.scoping import user_scope
from orgs.regions.selectors import visible_ancestors
from tasks.dashboard.selectors import dashboard_data, dashboard_links, dashboard_region
from tasks.reports.charts import report_charts
from tasks.reports.data import DASHBOARD_OVERDUE_SHOWN


def _dashboard(request, code: str | None):

    region = dashboard_region(request.user, code)
    data = dashboard_data(region, as_of=timezone.localdate())
    scope = user_scope(request.user)
    crumbs = [(r.code, r.name) for r in visible_ancestors(region, request.user)] if region is not None else []
    links = dashboard_links(data)
    charts = report_charts(data, links=links["areas"])
    return render(request, "dashboard/dashboard.html", {
        "data": data,
        "links": links,
        "levels": [(c, links["levels"][level]) for level, c in data.levels.items()],
        "areas": [(a, links["areas"][a.region.code]) for a in data.areas],
        "milestones": [(m, links["milestones"][m.pk]) for m in data.milestones],
        "overdue_tasks": [(t, links["task"][t.pk]) for t in data.overdue_tasks],
        "categories": [(data.category_labels[c], n, links["categories"][c]) for c, n in data.people_by_category.items()],
        "charts": charts,
        "crumbs": crumbs,
        "can_write": scope.edits_region(region) if region is not None else scope.is_admin,
        "overdue_shown": DASHBOARD_OVERDUE_SHOWN,
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
