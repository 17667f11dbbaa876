"""The models module Django looks for. Each concern keeps its models in its own package; importing them
here registers them with the `tasks` app. Code imports a model from its concern package
(`from tasks.plans.models import Task`), never from here."""
import tasks.notifications.models
import tasks.plans.models
import tasks.reports.models  # noqa: F401
