"""统一身份认证 routes (namespace `signon`, under /accounts/signon/): 404 while their platform is off."""
from django.urls import path

from orgs.signon import views

app_name = "signon"
urlpatterns = [
    path("cas/login/", views.CasLoginView.as_view(), name="cas-login"),
    path("oidc/login/", views.OidcLoginView.as_view(), name="oidc-login"),
    path("oidc/callback/", views.OidcCallbackView.as_view(), name="oidc-callback"),
    path("refused/", views.refused, name="refused"),
]
