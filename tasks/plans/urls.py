"""Pages of plans and tasks. Joined into the `tasks` namespace by `tasks/urls.py`."""
from django.urls import path

from tasks.plans import leadership_views, views

urlpatterns = [
    path("", views.task_board, name="board"),
    path("new/", views.task_new, name="create"),
    path("mine/", views.my_tasks, name="mine"),
    path("timeline/", views.milestone_timeline, name="timeline"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/new/", views.plan_create_view, name="plan-create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/leadership/", leadership_views.plan_leadership, name="plan-leadership"),
    path("leadership-members/<int:pk>/edit/", leadership_views.leadership_member_edit, name="leadership-member-edit"),
    path("leadership-members/<int:pk>/remove/", leadership_views.leadership_member_remove_view, name="leadership-member-remove"),
    path("plans/<int:pk>/milestones/new/", views.milestone_create_view, name="milestone-create"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone-edit"),
    path("milestones/<int:pk>/delete/", views.milestone_delete_view, name="milestone-delete"),
    path("milestones/<int:pk>/generate/", views.milestone_generate_view, name="milestone-generate"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("<int:pk>/evidence/", views.task_evidence, name="evidence"),
    path("updates/<int:pk>/attachment/", views.update_attachment, name="update-attachment"),
]
