"""The Celery app. Jobs live in the `jobs.py` of each concern package (`census/importing/jobs.py`,
`tasks/reports/jobs.py` …), so `tasks/tasks.py` never exists; `job_packages` lists where to look."""
import importlib
import os
import pkgutil

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qiaolian.settings")

PROJECT_APPS = ("orgs", "census", "tasks")


def job_packages() -> list[str]:
    """The project's apps and their concern packages: Celery imports `<package>.jobs` wherever it exists."""
    packages = []
    for app_name in PROJECT_APPS:
        package = importlib.import_module(app_name)
        packages.append(app_name)
        packages += [f"{app_name}.{info.name}" for info in pkgutil.iter_modules(package.__path__) if info.ispkg]
    return packages


# Every job checks its outbox key before it runs (orgs/jobs/runner.py): a message delivered twice runs once.
app = Celery("qiaolian", task_cls="orgs.jobs.runner:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(job_packages, related_name="jobs")
