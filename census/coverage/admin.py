"""Admin of policies (thresholds; saving one re-evaluates) and of the verdicts and rollups (read-only)."""
from __future__ import annotations

from django.contrib import admin

from census.coverage.models import CoverageRollup, Policy, Requirement
from census.coverage.policies import POLICY_REEVALUATION_JOB
from orgs.access.admin import (
    NotFoundBeforeForbiddenMixin,
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    region_path,
)
from orgs.access.scoping import user_scope
from orgs.jobs.services import job_enqueue

# Coverage (应建) -----------------------------------------------------------------------------------


@admin.register(Policy)
class PolicyAdmin(ScopedAdminMixin, NotFoundBeforeForbiddenMixin, admin.ModelAdmin):
    """Policies are read by everyone whose region they govern and changed here by administrators only (the policy
    pages, 建会门槛, are where staff keep them, with the comparison first); a change re-evaluates coverage where the
    policy applies."""

    list_display = ("name", "short_name", "jurisdiction", "effective_from", "effective_to",
                    "township_threshold", "village_threshold", "unit_threshold")
    list_select_related = ("jurisdiction",)
    raw_id_fields = ("jurisdiction",)

    def _admin_only(self, request) -> bool:
        return user_scope(request.user).is_admin

    def has_add_permission(self, request):
        return self._admin_only(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._admin_only(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._admin_only(request) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # the same job as a save on the policy pages (census.coverage.policies.policy_save)
        job_enqueue(POLICY_REEVALUATION_JOB, obj.jurisdiction_id)


@admin.register(Requirement)
class RequirementAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("reason", "level", "verdict", "status", "headcount", "policy", "evaluated_at")
    list_filter = ("level", "verdict", "status", ("policy", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("policy", "region", "unit")
    search_fields = ("region__name", "region__code", "unit__name")


@admin.register(CoverageRollup)
class CoverageRollupAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (region_path, "level", "required", "satisfied", "under_way", "missing", "recommended")
    list_filter = ("level",)
    list_select_related = ("region",)
    search_fields = ("region__name", "region__code")
