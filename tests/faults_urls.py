"""The project's URLs and two views that fail as a lost database connection does (tests/test_faults.py)."""
from django.db import InterfaceError, OperationalError
from django.urls import path

from qiaolian.urls import handler500
from qiaolian.urls import urlpatterns as project_urlpatterns

__all__ = ["handler500", "urlpatterns"]


def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


def connection_closed(request):
    raise InterfaceError("connection already closed")


def plain_bug(request):
    raise ZeroDivisionError("a bug")


urlpatterns = [
    path("faults/database-gone/", database_gone),
    path("faults/connection-closed/", connection_closed),
    path("faults/bug/", plain_bug),
    path("api/faults/database-gone/", database_gone),
    *project_urlpatterns,
]
