"""The admin module Django's autodiscovery imports: it loads each concern's `admin` (which registers its models)."""
import tasks.notifications.admin
import tasks.plans.admin
import tasks.reports.admin  # noqa: F401
