"""Login and passwords (Chinese templates under templates/registration/); logout is orgs.signon's (it also ends a
CAS sign-on)."""
from django.contrib.auth import views as auth_views
from django.urls import path

from orgs.access.views import PasswordChangeView

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]
