"""Pages of plans and tasks. Joined into the `tasks` namespace by `tasks/urls.py`."""
from django.urls import path

from tasks.plans import views

urlpatterns = [
    path("", views.task_board, name="board"),
    path("new/", views.task_new, name="create"),
    path("mine/", views.my_tasks, name="mine"),
    path("timeline/", views.milestone_timeline, name="timeline"),
    path("milestones/<int:pk>/gap-tasks/", views.milestone_gap_tasks, name="milestone-gap-tasks"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("<int:pk>/evidence/", views.task_evidence, name="evidence"),
    path("updates/<int:pk>/attachment/", views.update_attachment, name="update-attachment"),
]
