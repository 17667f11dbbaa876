"""Region pages: the browser that starts at the user's scope and drills down, and the subtree export."""
from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from .audit import audit_export
from .exports import escape_cell
from .models import Region
from .scoping import get_visible_or_404
from .selectors import children_with_counts, region_search, scope_roots_with_counts, visible_ancestors

EXPORT_COLUMNS = ("code", "name", "level", "parent_code", "longitude", "latitude", "kind", "is_key_area")


@login_required
def region_browser(request):
    """Start of the browser: the user's scope regions (straight into it when there is one), or search results."""
    query = request.GET.get("q", "").strip()
    if query:
        return render(request, "orgs/region_search.html", {"query": query, "results": region_search(request.user, query)})
    roots = scope_roots_with_counts(request.user)
    if len(roots) == 1:
        return redirect("orgs:region-detail", code=roots[0].code)
    return render(request, "orgs/region_detail.html", {"region": None, "ancestors": [], "children": roots})


@login_required
def region_detail(request, code: str):
    """One region: breadcrumbs, its facts, its children with descendant counts per level."""
    region = get_visible_or_404(Region.objects, request.user, code=code)
    context = {
        "region": region,
        "ancestors": visible_ancestors(region, request.user),
        "children": children_with_counts(region, request.user),
    }
    return render(request, "orgs/region_detail.html", context)


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
