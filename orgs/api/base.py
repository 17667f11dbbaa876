"""The scoping primitive applied once for the whole API: every viewset that holds region-bound rows
derives from ScopedViewSetMixin (reads: `.visible_to`, writes: `.editable_by`, so an object outside the
scope is a 404 whatever the method)."""
from rest_framework import permissions

from ..scoping import user_scope

SAFE_METHODS = permissions.SAFE_METHODS


class ScopedViewSetMixin:
    """Set `queryset` to the model's base queryset; `get_queryset` narrows it to the caller's scope."""

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.method in SAFE_METHODS:
            return queryset.visible_to(self.request.user)
        return queryset.editable_by(self.request.user)


class WritesNeedWritingRole(permissions.BasePermission):
    """Leadership (read-only) and users without a writing membership may not create or change."""

    message = "只读角色不能修改数据 / read-only role"

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return user_scope(request.user).can_write
