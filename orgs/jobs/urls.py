"""后台任务 (namespace `jobs`, under /jobs/): the system administrator's page of the job outbox."""
from django.urls import path

from orgs.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<int:pk>/resend/", views.job_resend_view, name="resend"),
]
