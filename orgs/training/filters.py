"""django-filter filterset of trainings (the page and the API share it)."""
from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from orgs.common.filters import KEY_RANGE, YEAR_RANGE
from orgs.regions.models import Region
from orgs.training.models import Training


class TrainingFilter(django_filters.FilterSet):
    """year (of the date), region (a code: organisers in that region's subtree), topic (contains), organizer (id)."""

    # bounded as dates are (1–9999): a larger year is a 400, not an OverflowError
    year = django_filters.NumberFilter(field_name="held_on", lookup_expr="year", label=_("年度"), **YEAR_RANGE)
    region = django_filters.CharFilter(method="filter_region", label=_("主办组织区划代码（含下级）"))
    topic = django_filters.CharFilter(field_name="topic", lookup_expr="contains", label=_("培训主题"))
    organizer = django_filters.NumberFilter(field_name="organizer_id", label=_("主办组织"), **KEY_RANGE)

    class Meta:
        model = Training
        fields = ["year", "region", "topic", "organizer"]

    def filter_region(self, queryset, name, value):
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            return queryset.none()
        return queryset.within(region)
