"""Pages of census rounds (侨情调查): the rounds, opening one, a round's reporting table, one region's report (the
approval page) and its steps. Joined into the `census` namespace by `census/urls.py`."""
from django.urls import path

from census.rounds import views

urlpatterns = [
    path("rounds/", views.campaign_list, name="campaign-list"),
    path("rounds/new/", views.campaign_create_view, name="campaign-create"),
    path("rounds/<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("rounds/<int:pk>/reports/<str:code>/", views.campaign_report, name="campaign-report"),
    path("rounds/<int:pk>/reports/<str:code>/submit/", views.report_submit_view, name="campaign-submit"),
    path("rounds/<int:pk>/reports/<str:code>/approve/", views.report_approve_view, name="campaign-approve"),
    path("rounds/<int:pk>/reports/<str:code>/return/", views.report_return_view, name="campaign-return"),
    path("rounds/<int:pk>/reports/<str:code>/reopen/", views.report_reopen_view, name="campaign-reopen"),
]
