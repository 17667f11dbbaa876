"""Admin of report jobs: for system administrators (users see their reports on the report page); the rows
are written by the report service, so they are looked at and deleted here, never added or changed."""
from django.contrib import admin

from orgs.access.admin import ScopedAdminMixin
from tasks.reports.models import ReportJob


@admin.register(ReportJob)
class ReportJobAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("region", "format", "as_of", "status", "requested_by", "created_at", "finished_at", "expires_at")
    list_filter = ("status", "format")
    list_select_related = ("region", "requested_by")
    search_fields = ("region__name", "region__code", "error")
    readonly_fields = [f.name for f in ReportJob._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
