"""Pages of trainings and volunteers (培训与志愿者). Namespace `training`."""
from django.urls import path

from orgs.training import views

app_name = "training"
urlpatterns = [
    path("", views.training_list, name="list"),
    path("new/", views.training_create_view, name="create"),
    path("<int:pk>/", views.training_detail, name="detail"),
    path("<int:pk>/edit/", views.training_edit, name="edit"),
    path("<int:pk>/remove/", views.training_remove_view, name="remove"),
    path("<int:pk>/attendance/", views.attendance_add_view, name="attendance-add"),
    path("attendance/<int:pk>/remove/", views.attendance_remove_view, name="attendance-remove"),
    path("organizations/<int:pk>/volunteers/", views.volunteer_add_view, name="volunteer-add"),
    path("volunteers/<int:pk>/edit/", views.volunteer_edit_view, name="volunteer-edit"),
    path("volunteers/<int:pk>/remove/", views.volunteer_remove_view, name="volunteer-remove"),
]
