"""The list pages' `choice_label` filter gives what `get_FOO_display` gives, in the active language, built once."""
from __future__ import annotations

from django.utils import translation

from orgs.templatetags.choices import _labels, choice_label
from orgs.units.models import Unit, UnitKind


def test_choice_label_is_the_display_of_every_choice_in_each_language():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for kind in UnitKind.values:
                unit = Unit(kind=kind)
                assert choice_label(unit, "kind") == unit.get_kind_display()
    with translation.override("en"):
        assert choice_label(Unit(kind="school"), "kind") == "School"
    assert choice_label(Unit(kind="unknown"), "kind") == "unknown"  # a value outside the choices: shown as stored
    assert _labels.cache_info().hits > 0
