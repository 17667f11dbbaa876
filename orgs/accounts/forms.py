"""Forms of the account pages: opening an account, changing its contact details, giving it a role. The role
choices are only those the user may give; regions are typed (code or full name) inside the user's editable scope."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.access.roles import Role
from orgs.access.scoping import user_scope
from orgs.accounts.services import roles_grantable
from orgs.common.forms import ScopedFormMixin
from orgs.regions.forms import ScopedRegionField
from orgs.signon.forms import SignonFieldsMixin


class _RoleChoicesMixin:
    fields: dict[str, forms.Field]

    def limit_roles(self, user) -> None:
        region_field = self.fields.get("region")
        if isinstance(region_field, ScopedRegionField):
            region_field.any_region = user_scope(user).is_security_admin  # 三员分立: accounts in every region
        grantable = roles_grantable(user)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [(value, label) for value, label in Role.choices if value in grantable]


class AccountCreateForm(_RoleChoicesMixin, SignonFieldsMixin, ScopedFormMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, help_text=_("登录用，字母、数字和 @ . + - _"))
    name = forms.CharField(label=_("姓名"), max_length=150)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    region = ScopedRegionField(label=_("辖区"), required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=24, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.limit_roles(user)
        self.add_signon_fields()  # 统一身份认证账号, when a platform is on


class AccountEditForm(SignonFieldsMixin, forms.Form):
    """An account's name, e-mail and mobile (and its 统一身份认证账号 when a platform is on). The stored mobile is shown
    masked (pages never show a full number): sent back as shown, it stays as stored (`changes`)."""

    name = forms.CharField(label=_("姓名"), max_length=150)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=24, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_signon_fields()  # 统一身份认证账号, when a platform is on
        self.phone_masked = (kwargs.get("initial") or {}).get("phone", "")
        if self.phone_masked:
            self.fields["phone"].help_text = _("显示为隐藏中间位的号码；不修改则保留原号码")

    def changes(self) -> dict:
        """The cleaned data without the phone when it was left as shown masked."""
        data = dict(self.cleaned_data)
        if self.phone_masked and data.get("phone", "").strip() == self.phone_masked:
            data.pop("phone", None)
        return data


class MembershipForm(_RoleChoicesMixin, ScopedFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    region = ScopedRegionField(label=_("辖区"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.limit_roles(user)
