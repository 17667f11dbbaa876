from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("计划与任务")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Receivers connect on import: tasks for places that became required or organizations that became
        # active (plans), the dashboard cache's invalidation (dashboard), and the messages of census-round steps
        # (notifications).
        from auditlog.registry import auditlog

        import tasks.dashboard.receivers
        import tasks.notifications.receivers
        import tasks.plans.receivers  # noqa: F401
        from orgs.common.channels import channel_test_register
        from tasks.notifications.relay import platform_get
        from tasks.plans.models import Milestone, Plan, PlanLeadershipMember

        # the account pages (orgs) offer 企业微信 / 钉钉 only when configured: they ask the platforms through this
        channel_test_register(lambda channel: platform_get(channel) is not None)

        # plans and milestones written in the product: every change in the audit trail (who, before → after)
        auditlog.register(Plan, exclude_fields=["source_text"])
        auditlog.register(Milestone, m2m_fields={"target_regions", "target_units"})
        auditlog.register(PlanLeadershipMember)
