"""One API root, one table of routes: each concern's `api` module holds its viewsets, registered here."""
from rest_framework.routers import DefaultRouter

from census.coverage.api import CoverageViewSet, PolicyViewSet, RequirementViewSet
from census.registry.api.views import (
    HeadcountViewSet,
    PersonViewSet,
    UnitViewSet,
)
from census.rounds.api import CampaignRoundViewSet
from orgs.accounts.api import AccountViewSet
from orgs.assessments.api import AssessmentViewSet, ScoringSheetViewSet
from orgs.organizations.api.designations import DesignationNominationViewSet
from orgs.organizations.api.views import OrganizationViewSet
from orgs.regions.api import RegionViewSet
from orgs.staffing.api import EstablishmentViewSet, StaffPostViewSet
from orgs.training.api import TrainingViewSet, VolunteerViewSet
from tasks.dashboard.api import DashboardViewSet
from tasks.notifications.api import NotificationViewSet
from tasks.plans.api import MilestoneViewSet, PlanViewSet, TaskViewSet
from tasks.plans.leadership_api import PlanLeadershipViewSet
from tasks.reports.api import ReportJobViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("accounts", AccountViewSet, basename="account")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("designation-nominations", DesignationNominationViewSet, basename="designation-nomination")
router.register("trainings", TrainingViewSet, basename="training")
router.register("volunteers", VolunteerViewSet, basename="volunteer")
router.register("units", UnitViewSet, basename="unit")
router.register(r"organizations/(?P<organization_pk>[0-9]+)/establishment", EstablishmentViewSet, basename="organization-establishment")
router.register(r"organizations/(?P<organization_pk>[0-9]+)/staff-posts", StaffPostViewSet, basename="organization-staff-post")
router.register("scoring-sheets", ScoringSheetViewSet, basename="scoring-sheet")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("campaigns", CampaignRoundViewSet, basename="campaign")
router.register("persons", PersonViewSet, basename="person")
router.register("headcounts", HeadcountViewSet, basename="headcount")
router.register("requirements", RequirementViewSet, basename="requirement")
router.register("coverage", CoverageViewSet, basename="coverage")
router.register("policies", PolicyViewSet, basename="policy")
router.register("plans", PlanViewSet, basename="plan")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("plan-leadership", PlanLeadershipViewSet, basename="plan-leadership")
router.register("tasks", TaskViewSet, basename="task")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("dashboard", DashboardViewSet, basename="dashboard")
router.register("reports", ReportJobViewSet, basename="report")

app_name = "api"
urlpatterns = router.urls
