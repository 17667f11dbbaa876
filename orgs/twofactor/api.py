"""The API's token authentication, less administrators: a token is a password that skips the second factor, so the
three administrators (and superusers) use the API through their verified session only."""
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from orgs.access.scoping import user_scope


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if user.is_superuser or user_scope(user).is_administrator:
            raise exceptions.AuthenticationFailed(_("管理员账号不能使用 API 令牌，请通过两步验证登录后使用"))
        return user, token
