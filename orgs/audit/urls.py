"""审计日志 pages (namespace `audit`, under /audit/): the audit administrator's only."""
from django.urls import path

from orgs.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_search, name="search"),
    path("export.csv", views.audit_export, name="export"),
]
