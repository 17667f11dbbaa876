"""The scoping primitive applied once for the whole API: every viewset that holds region-bound rows
derives from ScopedViewSetMixin (reads: `.visible_to`, writes: `.editable_by`, so an object outside the
scope is a 404 whatever the method)."""
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import permissions, serializers

from orgs.access.scoping import user_scope

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


def as_drf_error(error: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError as a 400 with field messages ("__all__" becomes non_field_errors)."""
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(
            {("non_field_errors" if field == "__all__" else field): messages for field, messages in error.message_dict.items()}
        )
    return serializers.ValidationError({"non_field_errors": error.messages})


class ScopedRelatedMixin:
    """A related field whose choices are the caller's editable (or visible) rows: a row outside the
    scope is refused exactly like one that does not exist."""

    scope = "editable"

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return queryset.editable_by(user) if self.scope == "editable" else queryset.visible_to(user)
