"""Forms of the account pages: opening an account, changing its contact details, giving it a role. The role
choices are only those the user may give; regions are typed (code or full name) inside the user's editable scope."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.access.roles import Role
from orgs.access.scoping import user_scope
from orgs.accounts.services import roles_grantable
from orgs.common.channels import Channel, channel_choices
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


class _NotifyFieldsMixin(forms.Form):
    """An account's 企业微信 / 钉钉 user ids and its channel (only the channels offered now)."""

    wecom_user_id = forms.CharField(label=_("企业微信账号"), max_length=64, required=False,
                                    help_text=_("企业微信通讯录中的成员账号（UserID）"))
    dingtalk_user_id = forms.CharField(label=_("钉钉账号"), max_length=64, required=False, help_text=_("钉钉通讯录中的用户 userid"))
    notify_channel = forms.ChoiceField(label=_("通知方式"), choices=(), initial="email", required=False)
    notify_immediate = forms.BooleanField(label=_("即时通知"), required=False, initial=False,
                                          help_text=_("任务指派等即时通知也通过所选方式发送（每日提醒汇总总是发送）"))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("notify_channel"):  # not chosen: unchanged (a new account: e-mail)
            cleaned.pop("notify_channel", None)
        return cleaned

    def offer_channels(self, current: str | None = None) -> None:
        field = self.fields["notify_channel"]
        assert isinstance(field, forms.ChoiceField)
        choices = channel_choices()
        if current and current not in dict(choices):  # a stored choice no longer configured stays visible
            choices.append((current, str(Channel(current).label)))
        field.choices = choices


class AccountCreateForm(_RoleChoicesMixin, SignonFieldsMixin, ScopedFormMixin, _NotifyFieldsMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, help_text=_("登录用，字母、数字和 @ . + - _"))
    name = forms.CharField(label=_("姓名"), max_length=150)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    region = ScopedRegionField(label=_("辖区"), required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=24, required=False, help_text=_("手机号码，用于督办短信"))

    field_order = ["username", "name", "role", "region", "email", "phone"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.limit_roles(user)
        self.add_signon_fields()  # 统一身份认证账号, when a platform is on
        self.offer_channels()


class AccountEditForm(SignonFieldsMixin, _NotifyFieldsMixin, forms.Form):
    """An account's name, e-mail and mobile, its 企业微信 / 钉钉 user ids and channel (and its 统一身份认证账号 when a
    platform is on). The stored mobile is shown masked (pages never show a full number): sent back as shown, it stays
    as stored (`changes`)."""

    name = forms.CharField(label=_("姓名"), max_length=150)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=24, required=False, help_text=_("手机号码，用于督办短信"))

    field_order = ["name", "email", "phone"]

    def __init__(self, *args, current_channel: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_channels(current_channel)
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
