"""The region page's 侨联组织 panel: the organizations serving the region, with status and 五有 standing.

Registered on import, by `OrgsConfig.ready()`."""
from __future__ import annotations

from orgs.organizations.selectors import organizations_of_region
from orgs.regions.panels import register_region_panel


def organizations_panel(region, user):
    """None when no visible organization serves the region."""
    organizations = organizations_of_region(user, region)
    if not organizations:
        return None
    return "orgs/includes/organizations_panel.html", {"panel_organizations": organizations}


register_region_panel(organizations_panel)
