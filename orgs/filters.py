"""django-filter filtersets for regions (pages and API share them)."""
import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import HomeStanding, Organization, OrganizationKind, OrganizationStatus, Region, RegionLevel

# A yes/no filter's choices: django-filter's own widget calls the empty choice "未知" (unknown); here it
# means "either", as staff read it.
ANY_YES_NO = (("", _("不限")), ("true", _("是")), ("false", _("否")))


def yes_no_filter(label, **kwargs) -> django_filters.BooleanFilter:
    """A filter on a yes/no field (every filterset's yes/no filters are made here)."""
    return django_filters.BooleanFilter(label=label, widget=forms.Select(choices=ANY_YES_NO), **kwargs)


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


class OrganizationFilter(django_filters.FilterSet):
    """kind, status, region (a code: that region's subtree), home_standing, q (name contains)."""

    kind = django_filters.ChoiceFilter(choices=OrganizationKind.choices, label=_("类别"))
    status = django_filters.ChoiceFilter(choices=OrganizationStatus.choices, label=_("状态"))
    region = django_filters.CharFilter(method="filter_region", label=_("区划代码（含下级）"))
    home_standing = django_filters.ChoiceFilter(
        choices=HomeStanding.choices, method="filter_home_standing", label=_("侨胞之家五有情况")
    )
    q = django_filters.CharFilter(method="filter_q", label=_("名称"))

    class Meta:
        model = Organization
        fields = ["kind", "status", "region", "home_standing", "q"]

    def filter_region(self, queryset, name, value):
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            return queryset.none()
        return queryset.within(region)

    def filter_home_standing(self, queryset, name, value):
        if value == HomeStanding.NOT_ASSESSED:
            return queryset.filter(Q(home__isnull=True) | Q(home__standing=value))
        return queryset.filter(home__standing=value)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(name__contains=value) if value else queryset
