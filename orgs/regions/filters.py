"""django-filter filtersets for regions (pages and API share them), and the subtree filter other filtersets
use for a region given by code.

Filters narrow a queryset that the caller has already scoped (`.visible_to(user)`); they never widen it. A region
code outside the caller's scope (or unknown) is a 404 when the filterset knows the request."""
from __future__ import annotations

import django_filters
from django.db.models import Q
from django.http import Http404
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
        regions = Region.objects.filter(code=code).only("pk", "tree_id", "lft", "rght")
        request = getattr(self.parent, "request", None)
        if request is not None and getattr(request, "user", None) is not None:
            # A region the caller may not see is as missing as one that does not exist: 404, not an empty
            # page with zeros that reads as "nothing to do there" (pages and API alike).
            region = regions.visible_to(request.user).first()
            if region is None:
                raise Http404(_("区划不存在或不在您的范围内"))
            return qs.within(region)
        region = regions.first()
        if region is None:
            return qs.none()
        return qs.within(region)
