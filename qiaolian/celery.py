"""The Celery app. Jobs live in each app's `jobs.py` (so `tasks/tasks.py` never exists)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qiaolian.settings")

app = Celery("qiaolian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")
