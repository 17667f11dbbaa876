"""django-filter filtersets of tasks, shared by the board and the API. They narrow an already scoped queryset."""
from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.access.models import Membership
from orgs.common.filters import KEY_RANGE
from orgs.regions.filters import RegionSubtreeFilter
from orgs.regions.models import Region, RegionLevel
from tasks.plans.models import OPEN_TASK_STATUSES, Milestone, Task, TaskStatus


class TaskFilter(django_filters.FilterSet):
    """status, overdue, milestone, plan, region (subtree by code; `county` is the same on the board),
    responsible (user id), responsible_unit (contains), q (title contains)."""

    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices, label=_("状态"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("逾期"))
    milestone = django_filters.NumberFilter(field_name="milestone_id", label=_("时间节点"), **KEY_RANGE)
    plan = django_filters.NumberFilter(field_name="plan_id", label=_("实施方案"), **KEY_RANGE)
    region = RegionSubtreeFilter()
    county = RegionSubtreeFilter(label=_("县（市、区）"))
    responsible = django_filters.NumberFilter(method="filter_responsible", label=_("责任人"), **KEY_RANGE)
    responsible_unit = django_filters.CharFilter(field_name="responsible_unit", lookup_expr="contains", label=_("责任单位"))
    q = django_filters.CharFilter(field_name="title", lookup_expr="contains", label=_("任务"))

    class Meta:
        model = Task
        fields = ["status", "overdue", "milestone", "plan", "region", "county", "responsible", "responsible_unit", "q"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        today = timezone.localdate()
        if value:
            return queryset.filter(status__in=OPEN_TASK_STATUSES, deadline__lt=today)
        return queryset.exclude(status__in=OPEN_TASK_STATUSES, deadline__lt=today)

    def filter_responsible(self, queryset, name, value):
        return queryset.filter(responsible_users=value) if value else queryset


class TaskBoardFilter(TaskFilter):
    """The board's form: county, milestone and person as choices drawn from the user's scope."""

    county = django_filters.ChoiceFilter(method="filter_county", label=_("县（市、区）"))
    milestone = django_filters.ModelChoiceFilter(queryset=Milestone.objects.none(), label=_("时间节点"))
    responsible = django_filters.ModelChoiceFilter(queryset=get_user_model().objects.none(), method="filter_responsible",
                                                   label=_("责任人"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("逾期"), widget=forms.Select(
        choices=[("", _("全部")), ("true", _("仅逾期")), ("false", _("未逾期"))]))

    class Meta(TaskFilter.Meta):
        fields = ["county", "milestone", "responsible", "responsible_unit", "status", "overdue", "q"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["milestone"].queryset = Milestone.objects.visible_to(user).select_related("plan").order_by("deadline", "pk")
        self.filters["responsible"].queryset = get_user_model().objects.filter(
            memberships__in=Membership.objects.visible_to(user)).distinct().order_by("username")
        self.filters["responsible"].field.label_from_instance = lambda person: person.get_full_name() or person.username
        counties = Region.objects.visible_to(user).filter(level=RegionLevel.COUNTY).order_by("code").values_list("code", "name")
        self.filters["county"].extra["choices"] = lambda: list(counties)
        del self.filters["plan"], self.filters["region"]

    def filter_county(self, queryset, name, value):
        return RegionSubtreeFilter().filter(queryset, value)


class MilestoneFilter(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id", label=_("实施方案"), **KEY_RANGE)

    class Meta:
        model = Milestone
        fields = ["plan"]
