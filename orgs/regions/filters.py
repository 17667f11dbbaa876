"""django-filter filtersets for regions (pages and API share them), and the subtree filter other filtersets
use for a region given by code.

Filters narrow a queryset that the caller has already scoped (`.visible_to(user)`); they never widen it."""
from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.common.filters import yes_no_filter
from orgs.regions.models import Region, RegionLevel


class RegionFilter(django_filters.FilterSet):
    """level, parent (a code), code, q (name contains, or code prefix), key areas."""

    level = django_filters.ChoiceFilter(choices=RegionLevel.choices, label=_("级别"))
    parent = django_filters.CharFilter(field_name="parent__code", label=_("上级区划代码"))
    code = django_filters.CharFilter(field_name="code", label=_("区划代码"))
    q = django_filters.CharFilter(method="filter_q", label=_("名称或代码"))
    is_key_area = yes_no_filter(_("重点侨务地区"))

    class Meta:
        model = Region
        fields = ["level", "parent", "code", "q", "is_key_area"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(code__startswith=value))


class RegionSubtreeFilter(django_filters.CharFilter):
    """A region code; keeps the rows whose region lies in that region's subtree (MPTT range)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("区划代码（含下级）"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        code = (value or "").strip()
        if not code:
            return qs
        region = Region.objects.filter(code=code).only("pk", "tree_id", "lft", "rght").first()
        if region is None:
            return qs.none()
        return qs.within(region)
