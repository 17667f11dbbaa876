"""One API root: each app contributes its router's registrations here."""
from rest_framework.routers import DefaultRouter

from census.api.urls import router as census_router
from orgs.api.urls import router as orgs_router
from tasks.api.urls import router as tasks_router

router = DefaultRouter()
for app_router in (orgs_router, census_router, tasks_router):
    router.registry.extend(app_router.registry)

app_name = "api"
urlpatterns = router.urls
