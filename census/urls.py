from django.urls import path

from . import views, views_coverage

app_name = "census"

urlpatterns = [
    path("persons/", views.person_list, name="person-list"),
    path("persons/export.csv", views.person_export, name="person-export"),
    path("persons/new/", views.person_create_view, name="person-create"),
    path("persons/<int:pk>/", views.person_detail, name="person-detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("persons/<int:pk>/transfer/", views.person_transfer_view, name="person-transfer"),
    path("persons/<int:pk>/reveal/", views.person_reveal_view, name="person-reveal"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/upload/", views.import_upload, name="import-upload"),
    path("imports/template.xlsx", views.import_template, name="import-template"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/status/", views.import_status, name="import-status"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import-commit"),
    path("imports/<int:pk>/discard/", views.import_discard, name="import-discard"),
    path("imports/<int:pk>/errors.xlsx", views.import_error_report, name="import-errors"),
    path("imports/<int:pk>/file/", views.import_file, name="import-file"),
    path("coverage/gaps/", views_coverage.coverage_gaps, name="coverage-gaps"),
    path("coverage/what-if/", views_coverage.coverage_what_if_view, name="coverage-what-if"),
    path("coverage/compare/", views_coverage.coverage_compare, name="coverage-compare"),
]
