"""Pages of census imports and of the unit directory's import. Joined into the `census` namespace by `census/urls.py`."""
from django.urls import path

from census.importing import views

urlpatterns = [
    path("persons/export.csv", views.person_export, name="person-export"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/upload/", views.import_upload, name="import-upload"),
    path("imports/template.xlsx", views.import_template, name="import-template"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/status/", views.import_status, name="import-status"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import-commit"),
    path("imports/<int:pk>/discard/", views.import_discard, name="import-discard"),
    path("imports/<int:pk>/sheet/", views.import_sheet, name="import-sheet"),
    path("imports/<int:pk>/mapping/", views.import_mapping, name="import-mapping"),
    path("imports/<int:pk>/errors.xlsx", views.import_error_report, name="import-errors"),
    path("imports/<int:pk>/file/", views.import_file, name="import-file"),
    path("units/import/", views.unit_import, name="unit-import"),
    path("units/import/template.xlsx", views.unit_import_template, name="unit-import-template"),
    path("units/import/<int:pk>/", views.unit_import_detail, name="unit-import-detail"),
    path("units/import/<int:pk>/commit/", views.unit_import_commit_view, name="unit-import-commit"),
    path("units/import/<int:pk>/discard/", views.unit_import_discard_view, name="unit-import-discard"),
    path("units/import/<int:pk>/errors.xlsx", views.unit_import_errors, name="unit-import-errors"),
]
