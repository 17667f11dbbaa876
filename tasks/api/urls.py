"""API routes of the tasks app: plans, milestones, tasks and notifications here; the dashboard and report
jobs from `report_urls`."""
from rest_framework.routers import DefaultRouter

from .report_urls import router as report_router
from .views import MilestoneViewSet, NotificationViewSet, PlanViewSet, TaskViewSet

router = DefaultRouter()
router.register("plans", PlanViewSet, basename="plan")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("tasks", TaskViewSet, basename="task")
router.register("notifications", NotificationViewSet, basename="notification")
router.registry.extend(report_router.registry)
