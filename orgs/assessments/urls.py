"""Pages of 督查考核. Namespace `assessments`."""
from django.urls import path

from orgs.assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("sheets/", views.sheet_list, name="sheet-list"),
    path("sheets/new/", views.sheet_create_view, name="sheet-create"),
    path("sheets/<int:pk>/", views.sheet_detail, name="sheet-detail"),
    path("sheets/<int:pk>/edit/", views.sheet_edit, name="sheet-edit"),
    path("sheets/<int:pk>/copy/", views.sheet_copy_view, name="sheet-copy"),
    path("organizations/<int:pk>/", views.organization_assess, name="organization"),
]
