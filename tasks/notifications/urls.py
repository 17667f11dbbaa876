"""The inbox page and 消息发送 (the outbox, for the system administrator). Joined into the `tasks` namespace by `tasks/urls.py`."""
from django.urls import path

from tasks.notifications import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("messages/", views.outbox_list, name="outbox"),
]
