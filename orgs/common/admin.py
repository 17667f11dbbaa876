"""Exports from the admin: formula-escaped (one escaper) and audited."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import resources

from orgs.common.audit import audit_export
from orgs.common.exports import escape_cell
from orgs.common.text import cell_control_problem, fold_cell_breaks, visible_control_characters


class EscapingExportMixin:
    """Exports from the admin: scoped (the admin queryset), formula-escaped, audited with their format."""

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        audit_export(user=request.user, queryset=queryset, file_format=file_format.get_title(), request=request)
        return data


class EscapingResource(resources.ModelResource):
    """Every exported text cell passes through the project's one escaper. An imported cell follows the rule of every
    import (orgs.common.text): a line break or tab is one space, any other control character (NUL …) makes the row
    invalid, naming the column and the value with the character written out."""

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():
            problem = cell_control_problem(value)
            if problem is not None:
                shown, reason = problem
                raise ValidationError(
                    _("【%(column)s】“%(value)s”：%(reason)s")
                    % {"column": visible_control_characters(str(column)), "value": shown, "reason": reason}
                )
            if isinstance(value, str):
                row[column] = fold_cell_breaks(value)
        super().before_import_row(row, **kwargs)

    def export_field(self, field, instance, **kwargs):
        return escape_cell(super().export_field(field, instance, **kwargs))
