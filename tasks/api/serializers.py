"""Serializers of plans, milestones, tasks and the caller's notifications (read-only)."""
from __future__ import annotations

from rest_framework import serializers

from ..models import Milestone, Notification, Plan, Task


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
    responsible_users = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
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


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "created_at", "read_at"]
