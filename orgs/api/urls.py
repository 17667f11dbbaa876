from rest_framework.routers import DefaultRouter

from .organization_views import OrganizationViewSet
from .views import RegionViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("organizations", OrganizationViewSet, basename="organization")
