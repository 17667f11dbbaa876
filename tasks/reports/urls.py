"""Pages of progress reports (report jobs). Namespace `reports`."""
from django.urls import path

from tasks.reports import views as report_views

app_name = "reports"
urlpatterns = [
    path("", report_views.report_list, name="list"),
    path("request/", report_views.report_request, name="request"),
    path("<int:pk>/", report_views.report_detail, name="detail"),
    path("<int:pk>/download/", report_views.report_download, name="download"),
]
