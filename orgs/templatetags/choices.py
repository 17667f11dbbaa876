"""`{{ obj|choice_label:"field" }}`: a field's choice label, as `obj.get_field_display` gives it, for list pages.

Django's `get_FOO_display` builds a dict of the field's choices on every call, hashing each lazy label (which
translates it): on a list of 50 rows with four such fields that is over a thousand translations a page. Here the
labels of a field are built once per language and process."""
from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=256)
def _labels(model_label: str, field_name: str, language: str | None) -> dict:
    from django.apps import apps

    field = apps.get_model(model_label)._meta.get_field(field_name)
    return {value: str(label) for value, label in field.flatchoices}


@register.filter
def choice_label(obj, field_name: str) -> str:
    value = getattr(obj, field_name)
    labels = _labels(obj._meta.label, field_name, get_language())
    return labels.get(value, value)
