"""Admin building blocks every concern's admin uses: querysets through the scoping primitive (an object outside
the scope is a 404), writes only inside the editable scope, read-only rows; and the membership admin."""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from orgs.access.models import Membership
from orgs.access.roles import ADMINISTRATOR_ROLES
from orgs.access.scoping import user_scope

if TYPE_CHECKING:  # pragma: no cover
    from django.db.models import Model
    from django.http import HttpRequest
    from django_stubs_ext import StrOrPromise

# Named by label: access stands below the regions package and never imports it.
REGION_MODEL = "orgs.Region"


class ScopedAdminMixin:
    """Admin querysets go through the scoping primitive; an object outside the scope is a 404.

    Forms refuse to place a row (a Region foreign key: a region's parent, a membership's region) outside
    the subtrees the user may change, so that nothing is added to or moved into another county."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and user_scope(request.user).can_write

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ScopedForm(form_class):
            def clean(self):
                cleaned_data = super().clean()
                for field_name, message in model_admin.scope_errors(request, self):
                    self.add_error(field_name, message)
                return cleaned_data

        ScopedForm.__name__ = form_class.__name__
        return ScopedForm

    def scope_errors(self, request, form) -> list[tuple[str | None, StrOrPromise]]:
        """(field, message) for every Region the form would place the row in that the user may not change."""
        scope = user_scope(request.user)
        if scope.is_admin:
            return []
        errors: list[tuple[str | None, StrOrPromise]] = []
        adding = form.instance._state.adding
        for name, field in form.fields.items():
            if not isinstance(field, forms.ModelChoiceField):
                continue
            assert field.queryset is not None  # a model form's choice field always has its queryset
            if field.queryset.model._meta.label != REGION_MODEL:
                continue
            if name not in form.cleaned_data or (not adding and name not in form.changed_data):
                continue
            region = form.cleaned_data[name]
            if isinstance(field, forms.ModelMultipleChoiceField):
                # Several regions (an organization's covered regions): each must be one the user may change.
                if any(not scope.edits_region(r) for r in region):
                    errors.append((name, _("只能选择您有权修改的辖区内的区划")))
                continue
            if region is None:
                errors.append((name, _("只有系统管理员可以不指定区划")))
            elif not scope.edits_region(region):
                errors.append((name, _("只能选择您有权修改的辖区内的区划")))
        return errors

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return user_scope(request.user).can_write
        return type(obj)._default_manager.filter(pk=obj.pk).editable_by(request.user).exists()

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return user_scope(request.user).can_write
        return type(obj)._default_manager.filter(pk=obj.pk).editable_by(request.user).exists()

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Scoped staff give roles in their subtree here. 三员分立: the three administrator roles are given by the security
    administrator on the account pages only, and the system administrator reads memberships here, never changes them."""

    list_display = ("user", "role", "region")
    list_filter = ("role",)
    search_fields = ("user__username", "region__name", "region__code")
    raw_id_fields = ("region",)
    autocomplete_fields = ("user",)

    def scope_errors(self, request, form):
        errors = super().scope_errors(request, form)
        if form.cleaned_data.get("role") in ADMINISTRATOR_ROLES:
            errors.append(("role", _("管理员角色只能由安全管理员在账号管理中授予")))
        user = form.cleaned_data.get("user")
        if user is not None and user.memberships.filter(role__in=ADMINISTRATOR_ROLES).exists():
            errors.append(("user", _("管理员账号不能兼任其他角色（三员分立）")))
        return errors

    def has_add_permission(self, request, *args):
        return not user_scope(request.user).is_admin and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return not user_scope(request.user).is_admin and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not user_scope(request.user).is_admin and super().has_delete_permission(request, obj)


class UserBoundResourcesMixin:
    """Resources get the admin user: imports look up and write only inside the user's scope."""

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}

    def has_import_permission(self, request):
        return super().has_import_permission(request) and self.has_add_permission(request)

    def has_export_permission(self, request):
        return super().has_export_permission(request) and self.has_view_permission(request)


class _ObjectLookup(Protocol):
    """What `NotFoundBeforeForbiddenMixin` needs of the ModelAdmin it is mixed into."""

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = ...) -> Model | None: ...


class NotFoundBeforeForbiddenMixin:
    """A row outside the scope is a 404 on every page, even where the user could not change or delete
    their own rows either (Django checks the permission before it looks for the row)."""

    def _visible_or_404(self: _ObjectLookup, request, object_id) -> None:
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._visible_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)


class ReadOnlyAdminMixin(NotFoundBeforeForbiddenMixin):
    """Rows written by the census itself (history, snapshots, imports): looked at, never changed here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.display(description=_("区划"), ordering="region__code")
def region_path(obj) -> str:
    return obj.region.full_name if obj.region_id else ""
