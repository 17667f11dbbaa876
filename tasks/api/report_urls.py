"""API routes of the dashboard and report jobs (merged into tasks/api/urls.py)."""
from rest_framework.routers import DefaultRouter

from .reports import DashboardViewSet, ReportJobViewSet

router = DefaultRouter()
router.register("dashboard", DashboardViewSet, basename="dashboard")
router.register("reports", ReportJobViewSet, basename="report")
