"""Pages of 机构登记与人员配备, under /organizations/. Namespace `staffing`."""
from django.urls import path

from orgs.staffing import views

app_name = "staffing"
urlpatterns = [
    path("<int:pk>/establishment/steps/", views.step_create, name="step-create"),
    path("<int:pk>/establishment/section/", views.section_save, name="section-save"),
    path("<int:pk>/staff-posts/", views.post_create, name="post-create"),
    path("staff-posts/<int:pk>/edit/", views.post_edit, name="post-edit"),
    path("staff-posts/<int:pk>/remove/", views.post_remove, name="post-remove"),
    path("establishment-steps/<int:pk>/document/", views.step_document, name="step-document"),
]
