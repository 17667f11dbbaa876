"""Region pages: the browser that starts at the user's scope and drills down, and the subtree export."""
from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from orgs.access.scoping import get_visible_or_404
from orgs.common.audit import audit_export
from orgs.common.exports import escape_cell
from orgs.regions.models import LEVEL_RANK, Region, RegionLevel
from orgs.regions.panels import render_region_panels
from orgs.regions.selectors import (
    DESCENDANT_COUNT_LEVELS,
    breadcrumb_trail,
    children_with_counts,
    region_search,
    scope_roots_with_counts,
    subtree_counts,
)

EXPORT_COLUMNS = ("code", "name", "level", "parent_code", "longitude", "latitude", "kind", "is_key_area")
SEARCH_LIMIT = 50


def _count_columns(region: Region | None) -> list[dict]:
    """The per-level count columns worth showing under `region`: levels below its children's level."""
    child_rank = LEVEL_RANK[RegionLevel(region.level)] + 1 if region is not None else LEVEL_RANK[RegionLevel.PROVINCE]
    return [
        {"key": f"n_{level}", "label": RegionLevel(level).label}
        for level in DESCENDANT_COUNT_LEVELS
        if LEVEL_RANK[level] > child_rank
    ]


def _rows_with_counts(children, columns: list[dict]) -> list[dict]:
    """Table rows: each child with its counts in column order (templates cannot index by a variable key)."""
    return [{"region": child, "counts": [getattr(child, c["key"]) for c in columns]} for child in children]


@require_safe
@login_required
def region_browser(request):
    """Start of the browser: the user's scope regions (straight into it when there is one), or search results."""
    query = request.GET.get("q", "").strip()
    if query:
        results = list(region_search(request.user, query, limit=SEARCH_LIMIT))
        context = {"query": query, "results": results, "limit": SEARCH_LIMIT, "truncated": len(results) >= SEARCH_LIMIT}
        return render(request, "orgs/region_search.html", context)
    roots = list(scope_roots_with_counts(request.user))
    if len(roots) == 1:
        return redirect("orgs:region-detail", code=roots[0].code)
    columns = _count_columns(None)
    context = {
        "region": None,
        "trail": [],
        "children": roots,
        "count_columns": columns,
        "rows": _rows_with_counts(roots, columns),
        # Scope roots never nest, so their counts add up without double counting.
        "summary": [
            {"label": RegionLevel(level).label, "value": sum(getattr(root, f"n_{level}") for root in roots)}
            for level in DESCENDANT_COUNT_LEVELS
        ],
        "n_key_area": sum(root.n_key_area + root.is_key_area for root in roots),
    }
    return render(request, "orgs/region_detail.html", context)


@require_safe
@login_required
def region_detail(request, code: str):
    """One region: breadcrumbs, its facts, the panels other apps registered (orgs.regions.panels), its children
    with descendant counts per level."""
    region = get_visible_or_404(Region.objects, request.user, code=code)
    children = list(children_with_counts(region, request.user))
    columns = _count_columns(region)
    counts = subtree_counts(region, request.user)
    context = {
        "region": region,
        "trail": breadcrumb_trail(region, request.user),
        "children": children,
        "count_columns": columns,
        "rows": _rows_with_counts(children, columns),
        "summary": [
            {"label": RegionLevel(level).label, "value": counts[f"n_{level}"]}
            for level in DESCENDANT_COUNT_LEVELS
            if LEVEL_RANK[level] > LEVEL_RANK[RegionLevel(region.level)]
        ],
        "n_key_area": counts["n_key_area"],
        "panels": render_region_panels(request, region),
    }
    return render(request, "orgs/region_detail.html", context)


@require_safe
@login_required
def region_export(request, code: str):
    """The visible subtree of a region as CSV in the import format (round-trips through import_regions)."""
    region = get_visible_or_404(Region.objects, request.user, code=code)
    subtree = region.get_descendants(include_self=True).visible_to(request.user).select_related("parent")
    audit_export(user=request.user, queryset=subtree, file_format="csv", request=request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="regions-{region.code}-{stamp}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow(EXPORT_COLUMNS)
    for r in subtree.order_by("tree_id", "lft").iterator(chunk_size=2000):
        writer.writerow(
            escape_cell(v)
            for v in (
                r.code, r.name, r.level, r.parent.code if r.parent_id else "",
                r.longitude if r.longitude is not None else "", r.latitude if r.latitude is not None else "",
                r.kind, "1" if r.is_key_area else "0",
            )
        )
    return response
