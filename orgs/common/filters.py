"""Filter helpers every filterset uses: yes/no filters offer 不限/是/否."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

# A yes/no filter's choices: django-filter's own widget calls the empty choice "未知" (unknown); here it
# means "either", as staff read it.
ANY_YES_NO = (("", _("不限")), ("true", _("是")), ("false", _("否")))


def yes_no_filter(label, **kwargs) -> django_filters.BooleanFilter:
    """A filter on a yes/no field (every filterset's yes/no filters are made here)."""
    return django_filters.BooleanFilter(label=label, widget=forms.Select(choices=ANY_YES_NO), **kwargs)
