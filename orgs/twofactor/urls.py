"""两步验证 pages (namespace `twofactor`, under /accounts/2fa/)."""
from django.urls import path

from orgs.twofactor import views

app_name = "twofactor"
urlpatterns = [
    path("", views.manage, name="manage"),
    path("verify/", views.verify, name="verify"),
    path("enrol/", views.enrol, name="enrol"),
    path("recovery-codes/", views.recovery_renew, name="recovery-renew"),
    path("remove/", views.remove, name="remove"),
]
