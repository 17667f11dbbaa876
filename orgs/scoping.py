"""Region scoping: the one primitive every entry point uses.

A user holds (role, region) memberships. What a user may see is the union of the MPTT subtrees of
the regions of all their memberships; what they may change is the same for the roles that write
(federation staff, county officials). Administrators (and superusers) see and change everything;
leadership reads only.

Every region-bound queryset exposes `.visible_to(user)` and `.editable_by(user)` through
`ScopedQuerySet`; a model names the path from itself to its `Region` in `region_field`. Views,
viewsets, admin pages, exports, imports and report builders call these and never build their own
scope filter.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.http import Http404

if TYPE_CHECKING:  # pragma: no cover
    from django.contrib.auth.models import AbstractBaseUser

    from .models import Region

SCOPE_CACHE_ATTR = "_qiaolian_scope"


@dataclass(frozen=True)
class SubtreeRange:
    """One region's subtree as MPTT coordinates: everything with this tree_id and lft..rght inside."""

    region_id: int
    tree_id: int
    lft: int
    rght: int

    def contains(self, tree_id: int, lft: int, rght: int) -> bool:
        return tree_id == self.tree_id and self.lft <= lft and rght <= self.rght


@dataclass(frozen=True)
class UserScope:
    """What one user may see and change, computed once per request."""

    is_admin: bool = False
    visible: tuple[SubtreeRange, ...] = field(default_factory=tuple)
    editable: tuple[SubtreeRange, ...] = field(default_factory=tuple)
    region_ids: tuple[int, ...] = field(default_factory=tuple)
    roles: frozenset[str] = frozenset()

    @property
    def can_write(self) -> bool:
        return self.is_admin or bool(self.editable)

    def sees_region(self, region: "Region") -> bool:
        return self.is_admin or any(r.contains(region.tree_id, region.lft, region.rght) for r in self.visible)

    def edits_region(self, region: "Region") -> bool:
        return self.is_admin or any(r.contains(region.tree_id, region.lft, region.rght) for r in self.editable)


def _collapse(ranges: list[SubtreeRange]) -> tuple[SubtreeRange, ...]:
    """Drops ranges nested in another, so the SQL filter stays as short as the scope really is."""
    kept: list[SubtreeRange] = []
    for candidate in sorted(ranges, key=lambda r: (r.tree_id, r.lft, -r.rght)):
        if kept and kept[-1].contains(candidate.tree_id, candidate.lft, candidate.rght):
            continue
        kept.append(candidate)
    return tuple(kept)


def user_scope(user: "AbstractBaseUser | None") -> UserScope:
    """The user's scope, cached on the user object for the life of the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return UserScope()
    cached = getattr(user, SCOPE_CACHE_ATTR, None)
    if cached is not None:
        return cached
    from .models import Membership, Role

    memberships = list(
        Membership.objects.filter(user=user).values_list(
            "role", "region_id", "region__tree_id", "region__lft", "region__rght"
        )
    )
    roles = frozenset(m[0] for m in memberships)
    is_admin = user.is_superuser or Role.ADMIN in roles
    visible, editable = [], []
    for role, region_id, tree_id, lft, rght in memberships:
        if region_id is None:
            continue
        subtree = SubtreeRange(region_id, tree_id, lft, rght)
        visible.append(subtree)
        if role in Role.WRITING_ROLES:
            editable.append(subtree)
    scope = UserScope(
        is_admin=is_admin,
        visible=_collapse(visible),
        editable=_collapse(editable),
        region_ids=tuple(m[1] for m in memberships if m[1] is not None),
        roles=roles,
    )
    setattr(user, SCOPE_CACHE_ATTR, scope)
    return scope


def forget_scope(user) -> None:
    """Call after changing a user's memberships within the same request or test."""
    if hasattr(user, SCOPE_CACHE_ATTR):
        delattr(user, SCOPE_CACHE_ATTR)


def subtree_q(ranges: tuple[SubtreeRange, ...], prefix: str) -> Q | None:
    """A Q matching rows whose region (reached through `prefix`) lies in any of the ranges."""
    if not ranges:
        return None
    p = f"{prefix}__" if prefix else ""
    return reduce(
        or_,
        (Q(**{f"{p}tree_id": r.tree_id, f"{p}lft__gte": r.lft, f"{p}rght__lte": r.rght}) for r in ranges),
    )


def ancestors_q(ranges: tuple[SubtreeRange, ...], prefix: str) -> Q | None:
    """A Q matching rows whose region (through `prefix`) is an ancestor of any of the ranges' regions."""
    if not ranges:
        return None
    p = f"{prefix}__" if prefix else ""
    return reduce(
        or_,
        (Q(**{f"{p}tree_id": r.tree_id, f"{p}lft__lt": r.lft, f"{p}rght__gt": r.rght}) for r in ranges),
    )


class ScopedQuerySet(models.QuerySet):
    """Mixin for querysets of region-bound rows. Subclasses set `region_field` ("" for Region itself).

    `visible_includes_ancestors`: rows bound to a region above the user's scope are visible too
    (a province-wide census campaign is visible to a county official); editing never reaches up.
    """

    region_field: str = "region"
    visible_includes_ancestors: bool = False

    def _scoped(self, ranges: tuple[SubtreeRange, ...], is_admin: bool, *, upwards: bool = False):
        if is_admin:
            return self
        q = subtree_q(ranges, self.region_field)
        if q is not None and upwards:
            q |= ancestors_q(ranges, self.region_field)
        return self.filter(q) if q is not None else self.none()

    def visible_to(self, user):
        """Rows the user may read: inside the subtrees of their memberships."""
        scope = user_scope(user)
        return self._scoped(scope.visible, scope.is_admin, upwards=self.visible_includes_ancestors)

    def editable_by(self, user):
        """Rows the user may change: inside the subtrees of their writing memberships."""
        scope = user_scope(user)
        return self._scoped(scope.editable, scope.is_admin)

    def within(self, region: "Region"):
        """Rows whose region lies in the subtree of `region` (not a permission check)."""
        return self.filter(subtree_q((SubtreeRange(region.pk, region.tree_id, region.lft, region.rght),), self.region_field))


def get_visible_or_404(queryset: ScopedQuerySet, user, **lookup):
    """Fetches one row the user may see; a row outside the scope is as missing as one that does not exist."""
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def get_editable_or_404(queryset: ScopedQuerySet, user, **lookup):
    """Fetches one row the user may change; otherwise 404, never 403."""
    try:
        return queryset.editable_by(user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
