from rest_framework.routers import DefaultRouter

from .views import (
    CampaignViewSet,
    CoverageViewSet,
    HeadcountViewSet,
    PersonViewSet,
    RequirementViewSet,
    UnitViewSet,
)

router = DefaultRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("persons", PersonViewSet, basename="person")
router.register("headcounts", HeadcountViewSet, basename="headcount")
router.register("requirements", RequirementViewSet, basename="requirement")
router.register("coverage", CoverageViewSet, basename="coverage")
