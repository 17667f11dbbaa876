"""django-filter filtersets for regions (pages and API share them)."""
import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Region, RegionLevel


class RegionFilter(django_filters.FilterSet):
    """level, parent (a code), code, q (name contains, or code prefix), key areas."""

    level = django_filters.ChoiceFilter(choices=RegionLevel.choices, label=_("级别"))
    parent = django_filters.CharFilter(field_name="parent__code", label=_("上级区划代码"))
    code = django_filters.CharFilter(field_name="code", label=_("区划代码"))
    q = django_filters.CharFilter(method="filter_q", label=_("名称或代码"))
    is_key_area = django_filters.BooleanFilter(label=_("重点侨务地区"))

    class Meta:
        model = Region
        fields = ["level", "parent", "code", "q", "is_key_area"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(code__startswith=value))
