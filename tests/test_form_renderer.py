"""templates/django/forms/widgets/select.html writes a select's options inline (FORM_RENDERER = TemplatesSetting):
its markup must stay what Django's own template writes, for single and multiple selects, option groups, the
selected options and options with attributes of their own."""
import re

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, TemplatesSetting, get_default_renderer


class _AttrSelect(forms.Select):
    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        option["attrs"]["data-code"] = f"c-{option['value']}"
        return option


CHOICES = [("", "---------"), ("a", "甲 <b>"), ("省级", [("b", "乙"), ("c", "丙 & 丁")]), (3, "三")]
WIDGETS = [
    (forms.Select(choices=CHOICES), "b"),
    (forms.Select(choices=CHOICES, attrs={"class": "x", "disabled": True}), None),
    (forms.SelectMultiple(choices=CHOICES), ["a", "c", "3"]),
    (_AttrSelect(choices=CHOICES), "3"),
]


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_the_project_renders_selects_with_its_own_template():
    renderer = get_default_renderer()
    assert isinstance(renderer, TemplatesSetting)
    origin = renderer.get_template("django/forms/widgets/select.html").template.origin.name
    assert origin == str(settings.BASE_DIR / "templates" / "django" / "forms" / "widgets" / "select.html")


@pytest.mark.parametrize(("widget", "value"), WIDGETS)
def test_select_markup_is_djangos(widget, value):
    ours = widget.render("field", value, attrs={"id": "id_field"}, renderer=get_default_renderer())
    djangos = widget.render("field", value, attrs={"id": "id_field"}, renderer=DjangoTemplates())
    assert _normal(ours) == _normal(djangos)
    assert "selected" in ours or value is None
