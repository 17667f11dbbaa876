"""API of plans, milestones and tasks (read-only, scoped: ScopedViewSetMixin)."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from orgs.access.api import ScopedViewSetMixin
from tasks.plans.filters import MilestoneFilter, TaskFilter
from tasks.plans.models import Milestone, Plan, Task


class PlanSerializer(serializers.ModelSerializer):
    scope_region_code = serializers.CharField(source="scope_region.code", read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "key", "title", "issuing_body", "document_number", "issued_on", "scope_region", "scope_region_code", "is_open"]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "plan", "key", "name", "deadline", "description", "gap_levels", "recurrence"]


class TaskSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    responsible_users: serializers.ManyRelatedField = serializers.PrimaryKeyRelatedField(many=True, read_only=True)  # type: ignore[assignment]  # many=True: DRF's __new__ returns a ManyRelatedField
    overdue = serializers.SerializerMethodField()
    days_left = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "plan", "milestone", "title", "region", "region_code", "region_name", "target_unit",
                  "target_organization", "responsible_unit", "responsible_users", "responsible_contacts", "deadline",
                  "status", "completed_on", "evidence", "recurrence", "overdue", "days_left"]

    def get_overdue(self, task: Task) -> bool:
        return task.is_overdue(self.context.get("today"))

    def get_days_left(self, task: Task) -> int:
        return task.days_left(self.context.get("today"))


@extend_schema(tags=["tasks"])
class PlanViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """实施方案 covering the caller's regions (plans of a higher region that cover them included)."""

    queryset = Plan.objects.select_related("scope_region").order_by("-issued_on", "pk")
    serializer_class = PlanSerializer


@extend_schema(tags=["tasks"])
class MilestoneViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """时间节点 of the plans the caller sees; filter `plan`."""

    queryset = Milestone.objects.order_by("deadline", "pk")
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter


@extend_schema(tags=["tasks"])
class TaskViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """任务 in the caller's regions. Filters: status, overdue, milestone, plan, region (subtree by code),
    responsible (user id), responsible_unit, q."""

    queryset = Task.objects.select_related("region").prefetch_related(
        Prefetch("responsible_users", queryset=get_user_model().objects.only("pk"))
    ).order_by("deadline", "pk")
    serializer_class = TaskSerializer
    filterset_class = TaskFilter

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}
