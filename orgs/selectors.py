"""Reads of regions and memberships used by several views, the API and the admin."""
from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from .models import Membership, Region, RegionLevel, Role
from .scoping import user_scope


def scope_regions_for(user) -> list[Region]:
    """The top regions of the user's scope (their membership regions, nested ones dropped)."""
    scope = user_scope(user)
    if scope.is_admin:
        return list(Region.objects.filter(parent__isnull=True).order_by("code"))
    ids = [r.region_id for r in scope.visible]
    return list(Region.objects.filter(pk__in=ids).order_by("tree_id", "lft"))


def region_by_code(code: str) -> Region | None:
    """A region by its official code (unique index), or None."""
    return Region.objects.filter(code=code).first()


def with_descendant_counts(regions):
    """Annotates each region with its number of descendants per level (`n_city`, `n_county`,
    `n_township`, `n_village`) from MPTT ranges: still one query, whatever the number of rows."""
    annotations = {}
    for level in (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        descendants = (
            Region.objects.filter(
                tree_id=OuterRef("tree_id"), lft__gt=OuterRef("lft"), rght__lt=OuterRef("rght"), level=level
            )
            .order_by()
            .values("tree_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        annotations[f"n_{level}"] = Coalesce(Subquery(descendants, output_field=IntegerField()), 0)
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


def visible_ancestors(region: Region, user) -> list[Region]:
    """The breadcrumb: ancestors of `region` that the user may see, top down."""
    return list(region.get_ancestors().visible_to(user)) if region.parent_id else []


def staff_of(region: Region, roles=(Role.STAFF,)):
    """Users holding one of `roles` exactly at `region`."""
    return Membership.objects.filter(region=region, role__in=roles).select_related("user")
