"""Exports from the admin: formula-escaped (one escaper) and audited."""

from import_export import resources

from orgs.common.audit import audit_export
from orgs.common.exports import escape_cell


class EscapingExportMixin:
    """Exports from the admin: scoped (the admin queryset), formula-escaped, audited with their format."""

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        audit_export(user=request.user, queryset=queryset, file_format=file_format.get_title(), request=request)
        return data


class EscapingResource(resources.ModelResource):
    """Every exported text cell passes through the project's one escaper."""

    def export_field(self, field, instance, **kwargs):
        return escape_cell(super().export_field(field, instance, **kwargs))
