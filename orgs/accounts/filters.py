"""django-filter filterset of the account list (page and API share it)."""
from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.accounts.services import locked_usernames
from orgs.common.filters import yes_no_filter
from orgs.regions.models import Region


class AccountFilter(django_filters.FilterSet):
    """q (user name or name contains), role, region (a code: accounts with a role in that subtree), is_active,
    locked (django-axes)."""

    q = django_filters.CharFilter(method="filter_q", label=_("用户名或姓名"))
    role = django_filters.ChoiceFilter(choices=Role.choices, method="filter_role", label=_("角色"))
    region = django_filters.CharFilter(method="filter_region", label=_("区划代码（含下级）"))
    is_active = yes_no_filter(_("已启用"))
    locked = yes_no_filter(_("已锁定"), method="filter_locked")

    class Meta:
        model = get_user_model()
        fields = ["q", "role", "region", "is_active", "locked"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(first_name__contains=value))

    def filter_role(self, queryset, name, value):
        return queryset.filter(pk__in=Membership.objects.filter(role=value).values("user_id"))

    def filter_region(self, queryset, name, value):
        region = Region.objects.filter(code=value.strip()).only("pk", "tree_id", "lft", "rght").first()
        if region is None:
            return queryset.none()
        return queryset.filter(pk__in=Membership.objects.within(region).values("user_id"))

    def filter_locked(self, queryset, name, value):
        if value is None:
            return queryset
        matching = Q(username__in=locked_usernames())
        return queryset.filter(matching) if value else queryset.exclude(matching)
