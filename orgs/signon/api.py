"""The 统一身份认证账号 of /api/accounts/: read on every account ("" when none), written when opening or changing one
(orgs.accounts' serializers include these mixins; the services check and audit)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from orgs.signon.models import Provider
from orgs.signon.services import SUBJECT_MAX, identities_of

SIGNON_API_FIELDS = ["signon_cas", "signon_oidc"]


class SignonReadMixin(serializers.Serializer):
    signon_cas = serializers.SerializerMethodField(help_text=_("统一身份认证账号（CAS），未关联为空"))
    signon_oidc = serializers.SerializerMethodField(help_text=_("统一身份认证账号（OpenID Connect），未关联为空"))

    def get_signon_cas(self, user) -> str:
        return identities_of(user).get(Provider.CAS, "")

    def get_signon_oidc(self, user) -> str:
        return identities_of(user).get(Provider.OIDC, "")


class SignonWriteMixin(serializers.Serializer):
    signon_cas = serializers.CharField(max_length=SUBJECT_MAX, required=False, allow_blank=True,
                                       label=_("统一身份认证账号（CAS）"), help_text=_("空字符串解除关联"))
    signon_oidc = serializers.CharField(max_length=SUBJECT_MAX, required=False, allow_blank=True,
                                        label=_("统一身份认证账号（OpenID Connect）"), help_text=_("空字符串解除关联"))
