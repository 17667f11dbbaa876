"""WSGI entry point (gunicorn qiaolian.wsgi)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qiaolian.settings")
application = get_wsgi_application()
