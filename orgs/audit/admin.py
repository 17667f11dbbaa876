"""The audit log in Django's admin: closed. Nobody adds, changes or deletes entries there (no bulk delete either),
and nobody reads them there: the audit administrator reads and exports them on /audit/ (三员分立), which the
system administrator may not."""
from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin


class ClosedLogEntryAdmin(LogEntryAdmin):
    actions = None

    def has_view_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(LogEntry)
admin.site.register(LogEntry, ClosedLogEntryAdmin)
