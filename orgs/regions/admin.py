"""Admin of regions: scoped, with import and export in the columns of `import_regions` (django-import-export)."""

from django.contrib import admin
from import_export import fields, widgets
from import_export.admin import ImportExportModelAdmin
from mptt.admin import MPTTModelAdmin

from orgs.access.admin import ScopedAdminMixin
from orgs.access.scoping import user_scope
from orgs.common.admin import EscapingExportMixin, EscapingResource
from orgs.regions.models import Region


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

    def has_import_permission(self, request):
        # The import writes by code wherever the rows say: region data is the administrators' (see the
        # scope test matrix); everyone else changes regions one by one, inside their scope.
        return super().has_import_permission(request) and user_scope(request.user).is_admin
