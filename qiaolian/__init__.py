"""qiaolian project package: settings, urls, the Celery app and the pages that compose the apps."""
from qiaolian.celery import app as celery_app

__all__ = ("celery_app",)
