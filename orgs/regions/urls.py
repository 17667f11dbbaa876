from django.urls import path

from orgs.regions import views

app_name = "orgs"

urlpatterns = [
    path("", views.region_browser, name="region-browser"),
    path("<str:code>/", views.region_detail, name="region-detail"),
    path("<str:code>/export.csv", views.region_export, name="region-export"),
]
