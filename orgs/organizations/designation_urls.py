"""Pages of designation nominations (称号推荐). Namespace `designations`."""
from django.urls import path

from orgs.organizations import designation_views as views

app_name = "designations"
urlpatterns = [
    path("", views.nomination_list, name="list"),
    path("organizations/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("<int:pk>/steps/", views.step, name="step"),
]
