"""Filter helpers every filterset uses: yes/no filters offer 不限/是/否."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

# A yes/no filter's choices: django-filter's own widget calls the empty choice "未知" (unknown); here it
# means "either", as staff read it.
# The keys and years a number filter takes: beyond them a value is refused (the API's 400; a page ignores the field)
# instead of reaching the database, where a number past 64 bits is SQLite's OverflowError or PostgreSQL's "out of
# range", a server error (found by the API fuzz: /api/tasks/?plan=-1e213).
KEY_RANGE = {"min_value": 1, "max_value": 2**63 - 1}
YEAR_RANGE = {"min_value": 1, "max_value": 9999}

ANY_YES_NO = (("", _("不限")), ("true", _("是")), ("false", _("否")))


def yes_no_filter(label, **kwargs) -> django_filters.BooleanFilter:
    """A filter on a yes/no field (every filterset's yes/no filters are made here)."""
    return django_filters.BooleanFilter(label=label, widget=forms.Select(choices=ANY_YES_NO), **kwargs)


class OneOfSelect(forms.Select):
    """A multiple-choice filter shown as one drop-down (all, or one choice): a page picks one, while a link or the
    API's query string may still give several (?kind=a&kind=b), which are all kept."""

    def __init__(self, *args, empty_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_label = empty_label

    def get_context(self, name, value, attrs):
        self.choices = [("", self.empty_label), *(choice for choice in self.choices if choice[0] != "")]
        return super().get_context(name, value, attrs)

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        if values is None:
            return []
        return [value for value in (values if isinstance(values, list | tuple) else [values]) if value]
