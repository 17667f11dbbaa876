"""The unit picker of the pages: a unit typed by name, accepted only among those the user may edit."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orgs.units.models import Unit


class ScopedUnitField(forms.CharField):
    """A unit typed by name, accepted only among the units the user may edit."""

    checks_scope = True  # ScopedFormMixin hands it the user

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 128)
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.user = None

    def prepare_value(self, value):
        if isinstance(value, Unit):
            return value.name
        if isinstance(value, int):
            unit = Unit.objects.filter(pk=value).only("name").first()
            return unit.name if unit else value
        return value

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        units = list(Unit.objects.editable_by(self.user).filter(name=text)[:2])
        if not units:
            raise ValidationError(_("单位“%(value)s”不存在或不在您的管辖范围内"), params={"value": text})
        if len(units) > 1:
            raise ValidationError(_("有多个名为“%(value)s”的单位，请先在单位名录中区分"), params={"value": text})
        return units[0]
