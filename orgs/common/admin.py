"""Exports from the admin: formula-escaped (one escaper) and audited."""

from django.core.exceptions import ValidationError
from import_export import resources

from orgs.common.audit import audit_export
from orgs.common.exports import escape_cell
from orgs.common.inputs import bad_input_message
from orgs.common.text import has_control_characters, visible_name


class EscapingExportMixin:
    """Exports from the admin: scoped (the admin queryset), formula-escaped, audited with their format."""

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        audit_export(user=request.user, queryset=queryset, file_format=file_format.get_title(), request=request)
        return data


class EscapingResource(resources.ModelResource):
    """Every exported text cell passes through the project's one escaper; an imported row with a control
    character (NUL …) in any cell is an invalid row naming the column, as a form would refuse it."""

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():
            if isinstance(value, str) and has_control_characters(value):
                raise ValidationError(bad_input_message(visible_name(str(column))))
        super().before_import_row(row, **kwargs)

    def export_field(self, field, instance, **kwargs):
        return escape_cell(super().export_field(field, instance, **kwargs))
