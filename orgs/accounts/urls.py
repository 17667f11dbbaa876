"""Account pages (账号管理). Namespace `accounts`, beside login and password under /accounts/."""
from django.urls import path

from orgs.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_create_view, name="create"),
    path("lockouts/", views.lockout_list, name="lockouts"),
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/edit/", views.account_edit, name="edit"),
    path("<int:pk>/reset-password/", views.account_reset_password, name="reset-password"),
    path("<int:pk>/active/", views.account_set_active, name="set-active"),
    path("<int:pk>/unlock/", views.account_unlock_view, name="unlock"),
    path("<int:pk>/two-factor-reset/", views.account_second_factor_reset, name="two-factor-reset"),
    path("<int:pk>/roles/", views.membership_add, name="membership-add"),
    path("<int:pk>/roles/<int:membership_pk>/delete/", views.membership_remove, name="membership-remove"),
]
