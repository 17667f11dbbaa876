"""Reads of regions and memberships used by several views, the API and the admin."""
from __future__ import annotations

from django.db.models import Count, IntegerField, Q, Subquery
from django.db.models.functions import Coalesce

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.access.scoping import OuterNode, user_scope
from orgs.regions.models import Region, RegionLevel


def scope_regions_for(user) -> list[Region]:
    """The top regions of the user's scope (their membership regions, nested ones dropped)."""
    scope = user_scope(user)
    if scope.is_admin:
        return list(Region.objects.filter(parent__isnull=True).order_by("code"))
    ids = [r.region_id for r in scope.visible]
    return list(Region.objects.filter(pk__in=ids).order_by("tree_id", "lft"))


def own_region_code(user) -> str:
    """The code a form's region picker starts with: the top region of the user's scope (blank for an administrator,
    whose scope is every province)."""
    if user_scope(user).is_admin:
        return ""
    regions = scope_regions_for(user)
    return regions[0].code if regions else ""


def region_by_code(code: str) -> Region | None:
    """A region by its official code (unique index), or None."""
    return Region.objects.filter(code=code).first()


DESCENDANT_COUNT_LEVELS = (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)


def _descendant_count(**filters):
    """A correlated subquery: how many descendants of the outer region match `filters`."""
    descendants = (
        Region.objects.within(OuterNode(), strict=True).filter(**filters)
        .order_by()
        .values("tree_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(descendants, output_field=IntegerField()), 0)


def with_descendant_counts(regions):
    """Annotates each region with its number of descendants per level (`n_city`, `n_county`,
    `n_township`, `n_village`) and of key-area descendants (`n_key_area`, 重点侨务地区) from MPTT
    ranges: still one query, whatever the number of rows."""
    annotations = {f"n_{level}": _descendant_count(level=level) for level in DESCENDANT_COUNT_LEVELS}
    annotations["n_key_area"] = _descendant_count(is_key_area=True)
    return regions.annotate(**annotations).order_by("tree_id", "lft")


def children_with_counts(region: Region, user):
    """The visible children of `region`, with descendant counts per level."""
    return with_descendant_counts(Region.objects.visible_to(user).filter(parent=region))


def scope_roots_with_counts(user):
    """The user's scope regions (provinces for an administrator), with descendant counts per level."""
    return with_descendant_counts(Region.objects.filter(pk__in=[r.pk for r in scope_regions_for(user)]))


def region_search(user, query: str, *, limit: int = 50):
    """Visible regions whose name contains `query` or whose code starts with it."""
    query = query.strip()
    if not query:
        return Region.objects.none()
    return (
        Region.objects.visible_to(user)
        .filter(Q(name__contains=query) | Q(code__startswith=query))
        .order_by("tree_id", "lft")[:limit]
    )


def subtree_counts(region: Region, user) -> dict[str, int]:
    """Descendants of `region` the user may see, per level (`n_city` … `n_village`) and key areas
    (`n_key_area`): one aggregate query."""
    counts = {f"n_{level}": Count("pk", filter=Q(level=level)) for level in DESCENDANT_COUNT_LEVELS}
    counts["n_key_area"] = Count("pk", filter=Q(is_key_area=True))
    return (
        Region.objects.visible_to(user)
        .within(region)
        .exclude(pk=region.pk)
        .order_by()
        .aggregate(**counts)
    )


def breadcrumb_trail(region: Region, user) -> list[Region]:
    """All ancestors of `region`, top down, each marked `is_visible` (may the user open it?).

    Ancestor names are no secret (they are in `region.path`); only the visible ones become links.
    One query; visibility is decided in memory from the user's scope."""
    if not region.parent_id:
        return []
    scope = user_scope(user)
    ancestors = list(region.get_ancestors())
    for ancestor in ancestors:
        ancestor.is_visible = scope.sees_region(ancestor)
    return ancestors


def visible_ancestors(region: Region, user) -> list[Region]:
    """The breadcrumb: ancestors of `region` that the user may see, top down."""
    return list(region.get_ancestors().visible_to(user)) if region.parent_id else []


def staff_of(region: Region, roles=(Role.STAFF,)):
    """Users holding one of `roles` exactly at `region`."""
    return Membership.objects.filter(region=region, role__in=roles).select_related("user")


def county_by_region(region_ids) -> dict[int, Region]:
    """The county each region lies in (itself for a county; for a region above counties, itself), by region id.
    Two queries whatever the number of regions: the regions' tree positions, then the counties of their trees."""
    places = list(Region.objects.filter(pk__in=set(region_ids)).only("id", "tree_id", "lft", "rght", "level", "full_name", "code"))
    if not places:
        return {}
    counties = list(
        Region.objects.filter(level=RegionLevel.COUNTY, tree_id__in={p.tree_id for p in places})
        .only("id", "tree_id", "lft", "rght", "level", "full_name", "code")
    )
    found: dict[int, Region] = {}
    for place in places:
        if place.level in (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY):
            found[place.pk] = place
            continue
        found[place.pk] = next((c for c in counties if c.tree_id == place.tree_id and c.lft <= place.lft and place.rght <= c.rght), place)
    return found
