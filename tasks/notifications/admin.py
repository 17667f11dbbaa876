"""Admin of notifications, digests and the outbox (read by system administrators)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tasks.notifications.models import Digest, Notification, OutboxMessage, OutboxStatus


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
    list_display = ("subject", "channel", "to_address", "status", "error_code", "attempts", "created_at", "sent_at")
    list_filter = ("channel", "status")
    search_fields = ("subject", "to_address", "key", "source")
    raw_id_fields = ("recipient",)
    actions = ["retry"]

    @admin.action(description=_("重新发送（置为待发送）"))
    def retry(self, request, queryset):
        """Failed (or pending, or fallen back) messages go back to the queue; a message already sent, being sent or
        perhaps sent (unknown after an interrupted send) is never sent again."""
        queryset.exclude(status__in=(OutboxStatus.SENT, OutboxStatus.SENDING, OutboxStatus.UNKNOWN)).update(
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=None)
