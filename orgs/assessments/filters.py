"""The filters of the yearly assessment list: year, region subtree (a code), grade, organization kind, name."""
from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from orgs.assessments.models import OrganizationAssessment
from orgs.common.filters import YEAR_RANGE
from orgs.organizations.choices import OrganizationKind
from orgs.regions.models import Region


class AssessmentFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="year", label=_("考核年度"), **YEAR_RANGE)
    region = django_filters.CharFilter(method="filter_region", label=_("区划代码（含下级）"))
    grade = django_filters.CharFilter(field_name="grade", label=_("等次"))
    kind = django_filters.ChoiceFilter(field_name="organization__kind", choices=OrganizationKind.choices, label=_("类别"))
    q = django_filters.CharFilter(field_name="organization__name", lookup_expr="contains", label=_("组织名称"))

    class Meta:
        model = OrganizationAssessment
        fields = ["year", "region", "grade", "kind", "q"]

    def filter_region(self, queryset, name, value):
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            return queryset.none()
        return queryset.within(region)
