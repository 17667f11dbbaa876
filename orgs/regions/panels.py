"""Region page panels: how apps above `orgs` add a section to the region page.

Dependencies point one way (orgs ← census ← tasks), so the region page cannot import what the census
knows about a region. Instead an app registers a panel, usually in its `AppConfig.ready()`:

    from orgs.panels import register_region_panel

    def coverage_panel(region, user):
        return "census/includes/coverage_panel.html", {"rollup": ...}

    register_region_panel(coverage_panel)

A panel is a callable `(region, user) -> (template name, context) | None`: it returns None when it has
nothing to show. It is only called for a region the user may see (the view has checked), and it must
scope whatever else it reads itself. Panels are rendered in registration order, below the region's
facts; each template gets its own context plus `region` and `request`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

if TYPE_CHECKING:  # pragma: no cover
    from django.http import HttpRequest

    from orgs.regions.models import Region

RegionPanel = Callable[["Region", object], "tuple[str, dict] | None"]

REGION_PANELS: list[RegionPanel] = []


def register_region_panel(panel: RegionPanel) -> RegionPanel:
    """Adds a panel to the region page (once, however often `ready()` runs); usable as a decorator."""
    if panel not in REGION_PANELS:
        REGION_PANELS.append(panel)
    return panel


def render_region_panels(request: HttpRequest, region: Region) -> list[SafeString]:
    """The HTML of every registered panel that has something to show for `region` and the request's user."""
    rendered = []
    for panel in REGION_PANELS:
        result = panel(region, request.user)
        if result is None:
            continue
        template_name, context = result
        rendered.append(render_to_string(template_name, {**context, "region": region}, request=request))
    return rendered
