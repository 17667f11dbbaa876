"""Pages of organizations (侨联组织) and their founding procedure. Namespace `organizations`."""
from django.urls import path

from orgs.organizations import views

app_name = "organizations"
urlpatterns = [
    path("", views.organization_list, name="list"),
    path("new/", views.organization_create_view, name="create"),
    path("<int:pk>/", views.organization_detail, name="detail"),
    path("<int:pk>/edit/", views.organization_edit, name="edit"),
    path("<int:pk>/steps/", views.organization_step, name="step"),
    path("<int:pk>/activities/", views.activity_create_view, name="activity-create"),
    path("<int:pk>/leaders/", views.leader_create_view, name="leader-create"),
    path("<int:pk>/home/", views.home_save_view, name="home-save"),
    path("<int:pk>/home/assessments/", views.home_assess_view, name="home-assess"),
    path("<int:pk>/home/designations/", views.home_designate_view, name="home-designate"),
    path("steps/<int:pk>/document/", views.step_document, name="step-document"),
]
