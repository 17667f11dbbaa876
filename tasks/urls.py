"""Pages of plans, tasks and the inbox under one namespace, `tasks`."""
from tasks.notifications.urls import urlpatterns as notification_urls
from tasks.plans.urls import urlpatterns as plan_urls

app_name = "tasks"
urlpatterns = [*plan_urls, *notification_urls]
