"""The account forms' 统一身份认证账号 fields (orgs.accounts adds them to its opening and editing forms): one per
platform switched on, none while both are off."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.signon.models import Provider
from orgs.signon.providers import provider_enabled
from orgs.signon.services import SIGNON_FIELDS, SUBJECT_MAX, identities_of

LABELS = {Provider.CAS: _("统一身份认证账号（CAS）"), Provider.OIDC: _("统一身份认证账号（OpenID Connect）")}
HELP = _("省级统一身份认证平台上本人的账号（CAS 用户名，或 OpenID Connect 的用户标识）。填写后本人可用统一身份认证登录；"
         "不填则只能用本地密码登录。管理员账号不能填写。")


class SignonFieldsMixin:
    fields: dict[str, forms.Field]

    def add_signon_fields(self) -> None:
        for provider, name in SIGNON_FIELDS.items():
            if provider_enabled(provider):
                self.fields[name] = forms.CharField(label=LABELS[provider], max_length=SUBJECT_MAX, required=False, help_text=HELP)


def signon_initial(account) -> dict[str, str]:
    """The edit form's initial values of the account's identities."""
    current = identities_of(account)
    return {name: current.get(provider, "") for provider, name in SIGNON_FIELDS.items()}
