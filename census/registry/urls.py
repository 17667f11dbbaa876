"""Pages of the registry (persons, the unit directory). Joined into the `census` namespace by `census/urls.py`."""
from django.urls import path

from census.registry import record_link_views, views

urlpatterns = [
    path("persons/", views.person_list, name="person-list"),
    path("persons/search/", views.person_search, name="person-search"),
    path("persons/new/", views.person_create_view, name="person-create"),
    path("persons/<int:pk>/", views.person_detail, name="person-detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("persons/<int:pk>/transfer/", views.person_transfer_view, name="person-transfer"),
    path("persons/<int:pk>/documents/", views.person_document_link, name="person-document-link"),
    path("persons/<int:pk>/documents/<int:document_pk>/remove/", views.person_document_unlink, name="person-document-unlink"),
    path("persons/<int:pk>/reveal/", views.person_reveal_view, name="person-reveal"),
    path("persons/<int:pk>/records/", record_link_views.person_record_link_view, name="person-record-link"),
    path("persons/<int:pk>/records/<int:link_pk>/remove/", record_link_views.person_record_unlink_view,
         name="person-record-unlink"),
    path("units/", views.unit_list, name="unit-list"),
    path("units/new/", views.unit_create_view, name="unit-create"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit-edit"),
    path("units/<int:pk>/merge/", views.unit_merge_view, name="unit-merge"),
]
