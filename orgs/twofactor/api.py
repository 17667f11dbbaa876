"""The API's token authentication, less administrators: a token is a password that skips the second factor, so the
three administrators (and superusers) use the API through their verified session only."""
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from orgs.access.authentication import AuditedTokenAuthentication
from orgs.access.scoping import user_scope


class TokenAuthentication(AuditedTokenAuthentication):
    """DRF's token authentication with the token's user as the audit actor (orgs.access.authentication), refusing
    the tokens of administrators."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if user.is_superuser or user_scope(user).is_administrator:
            raise exceptions.AuthenticationFailed(_("管理员账号不能使用 API 令牌，请通过两步验证登录后使用"))
        return user, token
