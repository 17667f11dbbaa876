"""Pages of coverage (应建 verdicts): gaps, what-if, comparison of rounds; and the policies (建会门槛). Joined into
the `census` namespace by `census/urls.py`."""
from django.urls import path

from census.coverage import views

urlpatterns = [
    path("coverage/gaps/", views.coverage_gaps, name="coverage-gaps"),
    path("coverage/what-if/", views.coverage_what_if_view, name="coverage-what-if"),
    path("coverage/compare/", views.coverage_compare, name="coverage-compare"),
    path("policies/", views.policy_list, name="policy-list"),
    path("policies/new/", views.policy_create, name="policy-create"),
    path("policies/<int:pk>/", views.policy_detail, name="policy-detail"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy-edit"),
]
