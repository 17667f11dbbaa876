"""Form helpers of every page: the date input, and putting a service's ValidationError back on the form's fields."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def apply_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's ValidationError on the form: on its field when the form has it, else for the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class ScopedFormMixin:
    """Gives the form's scoped pickers (fields with `checks_scope`: regions, units) the user they check against."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if getattr(field, "checks_scope", False):
                field.user = user
