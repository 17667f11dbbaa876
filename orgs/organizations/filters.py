"""django-filter filterset of organizations (pages and API share it)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.homes.models import HomeStanding
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from orgs.organizations.selectors import lacks_responsible_q
from orgs.regions.models import Region


class OrganizationFilter(django_filters.FilterSet):
    """kind, status, region (a code: that region's subtree), home_standing, q (name contains), responsible (缺负责人)."""

    kind = django_filters.ChoiceFilter(choices=OrganizationKind.choices, label=_("类别"))
    status = django_filters.ChoiceFilter(choices=OrganizationStatus.choices, label=_("状态"))
    region = django_filters.CharFilter(method="filter_region", label=_("区划代码（含下级）"))
    home_standing = django_filters.ChoiceFilter(
        choices=HomeStanding.choices, method="filter_home_standing", label=_("侨胞之家五有情况")
    )
    q = django_filters.CharFilter(method="filter_q", label=_("名称"))
    responsible = django_filters.ChoiceFilter(
        choices=(("missing", _("缺负责人")),), method="filter_responsible", label=_("负责人（乡镇、村）"),
    )

    class Meta:
        model = Organization
        fields = ["kind", "status", "region", "home_standing", "q", "responsible"]

    def filter_region(self, queryset, name, value):
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            return queryset.none()
        return queryset.within(region)

    def filter_home_standing(self, queryset, name, value):
        if value == HomeStanding.NOT_ASSESSED:
            return queryset.filter(Q(home__isnull=True) | Q(home__standing=value))
        return queryset.filter(home__standing=value)

    def filter_responsible(self, queryset, name, value):
        """缺负责人: founded township and village federations naming no responsible leader or daily cadre (Yuxi 三(三))."""
        return queryset.filter(lacks_responsible_q()) if value == "missing" else queryset

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(name__contains=value) if value else queryset
