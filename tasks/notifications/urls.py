"""The inbox page. Joined into the `tasks` namespace by `tasks/urls.py`."""
from django.urls import path

from tasks.notifications import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
]
