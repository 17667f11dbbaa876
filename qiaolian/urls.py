"""URL map. Every route except the public ones (login, health, static) is covered by the
cross-scope test matrix in tests/test_scope_matrix.py, which fails when a route is missing from it."""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from orgs.signon import views as signon_views
from qiaolian import views
from tasks.dashboard import views as dashboard_views

# Unhandled errors: the 500 page, or a 503 while the database is unavailable.
handler500 = views.server_error
handler404 = "qiaolian.views.not_found"

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("dashboard/<str:code>/", dashboard_views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    # 退出 ends a CAS sign-on's platform session too (orgs.signon); login and passwords: orgs.access
    path("accounts/logout/", signon_views.LogoutView.as_view(), name="logout"),
    path("accounts/signon/", include("orgs.signon.urls")),
    path("accounts/", include("orgs.access.urls")),
    path("accounts/2fa/", include("orgs.twofactor.urls")),
    path("accounts/", include("orgs.accounts.urls")),
    path("audit/", include("orgs.audit.urls")),
    path("jobs/", include("orgs.jobs.urls")),
    path("regions/", include("orgs.regions.urls")),
    path("census/", include("census.urls")),
    path("organizations/", include("orgs.organizations.urls")),
    path("organizations/", include("orgs.staffing.urls")),
    path("designations/", include("orgs.organizations.designation_urls")),
    path("training/", include("orgs.training.urls")),
    path("assessments/", include("orgs.assessments.urls")),
    path("tasks/", include("tasks.urls")),
    path("reports/", include("tasks.reports.urls")),
    path("api/", include("qiaolian.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
