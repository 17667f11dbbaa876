"""API of plans, milestones and tasks (scoped: ScopedViewSetMixin) and of the caller's own notifications."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets

from orgs.api.base import ScopedViewSetMixin

from ..filters import MilestoneFilter, TaskFilter
from ..models import Milestone, Notification, Plan, Task
from .serializers import MilestoneSerializer, NotificationSerializer, PlanSerializer, TaskSerializer


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


@extend_schema(tags=["tasks"])
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own inbox (站内信)."""

    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return Notification.objects.for_user(self.request.user)
