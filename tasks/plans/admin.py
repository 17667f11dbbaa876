"""Admin of plans, milestones and tasks.

Querysets go through the scoping primitive (ScopedAdminMixin), so a staff user given the tasks permissions sees
their own regions only; status changes belong to the task page (its service checks completion date and
evidence), so the admin shows them read-only."""

from django.contrib import admin

from census.registry.admin import ScopedChoicesMixin
from orgs.access.admin import (
    NotFoundBeforeForbiddenMixin,
    ScopedAdminMixin,
    region_path,
)
from orgs.access.scoping import user_scope
from tasks.plans.models import Milestone, Plan, Task, TaskUpdate


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
