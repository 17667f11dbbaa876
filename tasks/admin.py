"""Admin of plans, milestones, tasks and notifications; report jobs are registered in `report_admin`.

Querysets go through the scoping primitive (ScopedAdminMixin), so a staff user given the tasks permissions sees
their own regions only; status changes belong to the task page (its service checks completion date and
evidence), so the admin shows them read-only."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from census.admin import NotFoundBeforeForbiddenMixin, ScopedChoicesMixin, region_path
from orgs.admin import ScopedAdminMixin
from orgs.scoping import user_scope

from . import report_admin  # noqa: F401
from .models import Digest, Milestone, Notification, OutboxMessage, OutboxStatus, Plan, Task, TaskUpdate


class ScopeRegionWriteMixin:
    """Plans of a region above the user's scope are visible (they cover it) but only changed by their owners."""

    def _scope_region(self, obj):
        return obj.scope_region if isinstance(obj, Plan) else obj.plan.scope_region

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or user_scope(request.user).edits_region(self._scope_region(obj)))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or user_scope(request.user).edits_region(self._scope_region(obj)))


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ("key", "name", "deadline", "gap_levels", "key_areas_only", "other_areas_only", "task_level", "recurrence")


@admin.register(Plan)
class PlanAdmin(ScopedAdminMixin, NotFoundBeforeForbiddenMixin, ScopeRegionWriteMixin, ScopedChoicesMixin, admin.ModelAdmin):
    list_display = ("title", "issuing_body", "document_number", "issued_on", "scope_region", "is_open")
    list_filter = ("is_open",)
    search_fields = ("title", "document_number")
    raw_id_fields = ("scope_region",)
    inlines = [MilestoneInline]


@admin.register(Milestone)
class MilestoneAdmin(ScopedAdminMixin, NotFoundBeforeForbiddenMixin, ScopeRegionWriteMixin, admin.ModelAdmin):
    list_display = ("name", "plan", "deadline", "recurrence")
    list_select_related = ("plan",)
    search_fields = ("name", "plan__title")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "plan":
            kwargs["queryset"] = Plan.objects.editable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TaskUpdateInline(admin.TabularInline):
    model = TaskUpdate
    extra = 0
    fields = ("at", "kind", "author", "old_status", "new_status", "note", "attachment")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Task)
class TaskAdmin(ScopedAdminMixin, NotFoundBeforeForbiddenMixin, ScopedChoicesMixin, admin.ModelAdmin):
    list_display = ("title", region_path, "milestone", "responsible_unit", "deadline", "status")
    list_filter = ("status", ("milestone", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("region", "milestone")
    search_fields = ("title", "region__name", "responsible_unit")
    raw_id_fields = ("region", "target_unit", "target_organization", "target_requirement", "responsible_users")
    readonly_fields = ("status", "completed_on", "evidence", "evidence_file", "place_key", "created_at", "updated_at")
    date_hierarchy = "deadline"
    inlines = [TaskUpdateInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "plan":
            kwargs["queryset"] = Plan.objects.visible_to(request.user)
        elif db_field.name == "milestone":
            kwargs["queryset"] = Milestone.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Inboxes are personal: administrators only (no model permission is given to scoped staff)."""

    list_display = ("title", "user", "created_at", "read_at")
    list_select_related = ("user",)
    search_fields = ("title", "user__username")
    raw_id_fields = ("user", "digest")


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ("user", "day", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    date_hierarchy = "day"
    raw_id_fields = ("user",)
    readonly_fields = ("run_id",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("subject", "to_address", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("subject", "to_address", "key")
    raw_id_fields = ("recipient",)
    actions = ["retry"]

    @admin.action(description=_("重新发送（置为待发送）"))
    def retry(self, request, queryset):
        """Failed (or pending) messages go back to the queue; a message already sent is never sent again."""
        queryset.exclude(status=OutboxStatus.SENT).update(status=OutboxStatus.PENDING, attempts=0)
