"""Admin: every model registered, every queryset scoped; regions import and export (django-import-export)."""
from django.contrib import admin
from django.http import Http404
from import_export import fields, resources, widgets
from import_export.admin import ImportExportModelAdmin
from mptt.admin import MPTTModelAdmin

from .audit import audit_export
from .exports import escape_cell
from .models import Membership, Region
from .scoping import user_scope


class ScopedAdminMixin:
    """Admin querysets go through the scoping primitive; an object outside the scope is a 404."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

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


class EscapingExportMixin:
    """Exports from the admin: scoped (the admin queryset), formula-escaped, audited."""

    def get_data_for_export(self, request, queryset, **kwargs):
        audit_export(user=request.user, queryset=queryset, file_format="admin", request=request)
        return super().get_data_for_export(request, queryset, **kwargs)


class EscapingResource(resources.ModelResource):
    """Every exported text cell passes through the project's one escaper."""

    def export_field(self, field, instance, **kwargs):
        return escape_cell(super().export_field(field, instance, **kwargs))


class RegionResource(EscapingResource):
    """Regions in the same columns as `import_regions` (parent by code)."""

    parent_code = fields.Field(
        attribute="parent", column_name="parent_code", widget=widgets.ForeignKeyWidget(Region, field="code")
    )

    class Meta:
        model = Region
        import_id_fields = ("code",)
        fields = ("code", "name", "level", "parent_code", "longitude", "latitude", "kind", "is_key_area")
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


@admin.register(Region)
class RegionAdmin(ScopedAdminMixin, EscapingExportMixin, ImportExportModelAdmin, MPTTModelAdmin):
    resource_classes = [RegionResource]
    list_display = ("name", "code", "level", "kind", "is_key_area", "full_name")
    list_filter = ("level", "is_key_area", "kind")
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)
    readonly_fields = ("full_name",)
    mptt_level_indent = 16
    list_per_page = 100


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "role", "region")
    list_filter = ("role",)
    search_fields = ("user__username", "region__name", "region__code")
    raw_id_fields = ("region",)
    autocomplete_fields = ("user",)
