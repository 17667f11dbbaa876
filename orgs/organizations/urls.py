"""Pages of organizations (侨联组织) and their founding procedure. Namespace `organizations`."""
from django.urls import path

from orgs.organizations import views

# The organization's network, one set of routes per kind of part (`views.PARTS`): added to the organization
# (`<pk>` the organization) or, for a contact log or an attachment, to its contact point or activity.
PART_ROUTES = (
    # part, where it is added, the collection's path, whether it has an edit page
    ("wechat-group", "<int:pk>/wechat-groups/", "wechat-groups", True),
    ("affiliated-association", "<int:pk>/affiliated-associations/", "affiliated-associations", True),
    ("overseas-association", "<int:pk>/overseas-associations/", "overseas-associations", True),
    ("alumni-link", "<int:pk>/alumni-links/", "alumni-links", True),
    ("cadre-contact", "<int:pk>/cadre-contacts/", "cadre-contacts", True),
    ("contact-log", "cadre-contacts/<int:pk>/logs/", "contact-logs", False),
    ("attachment", "activities/<int:pk>/attachments/", "attachments", False),
)

app_name = "organizations"
urlpatterns = [
    path("", views.organization_list, name="list"),
    path("new/", views.organization_create_view, name="create"),
    path("<int:pk>/", views.organization_detail, name="detail"),
    path("<int:pk>/edit/", views.organization_edit, name="edit"),
    path("<int:pk>/steps/", views.organization_step, name="step"),
    path("<int:pk>/steps/candidates/", views.candidates_submit, name="step-candidates"),
    path("<int:pk>/steps/congress/", views.congress_record, name="step-congress"),
    path("<int:pk>/activities/", views.activity_create_view, name="activity-create"),
    path("<int:pk>/leaders/", views.leader_create_view, name="leader-create"),
    path("<int:pk>/home/", views.home_save_view, name="home-save"),
    path("<int:pk>/home/assessments/", views.home_assess_view, name="home-assess"),
    path("steps/<int:pk>/document/", views.step_document, name="step-document"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
]
for part, added_at, collection, editable in PART_ROUTES:
    urlpatterns.append(path(added_at, views.part_create, {"part": part}, name=f"{part}-create"))
    if editable:
        urlpatterns.append(path(f"{collection}/<int:pk>/edit/", views.part_edit, {"part": part}, name=f"{part}-edit"))
    urlpatterns.append(path(f"{collection}/<int:pk>/remove/", views.part_remove, {"part": part}, name=f"{part}-remove"))
