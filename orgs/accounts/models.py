"""What an account holds besides Django's user: the phone (the mobile that SMS reaches), its 企业微信 and 钉钉 user
ids and the channel its notices go through, the one-time initial password to change at first login, and who opened
the account (智慧团建 style: the level above opens the accounts of the level below)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.common.channels import Channel
from orgs.common.phones import PhoneFieldsMixin


class AccountProfile(PhoneFieldsMixin, models.Model):
    """One per account opened in the product (accounts made otherwise, e.g. `createsuperuser`, have none). The
    mobile is stored encrypted, hashed and masked (orgs.common.phones); `profile.phone` reads it in clear."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="account")
    wecom_user_id = models.CharField(_("企业微信账号"), max_length=64, blank=True, default="",
                                     help_text=_("企业微信通讯录中的成员账号（UserID）"))
    dingtalk_user_id = models.CharField(_("钉钉账号"), max_length=64, blank=True, default="",
                                        help_text=_("钉钉通讯录中的用户 userid"))
    notify_channel = models.CharField(_("通知方式"), max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    # Opted into (issue 21): the daily digest and escalations always go; an immediate notice (a task assigned …) goes
    # outside the product only for whom chose it (企业微信 and 钉钉 count every message against their limits).
    notify_immediate = models.BooleanField(
        _("即时通知"), default=False, help_text=_("任务指派等即时通知也通过所选方式发送（每日提醒汇总总是发送）"))
    must_change_password = models.BooleanField(_("须修改初始密码"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("开通人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )
    created_at = models.DateTimeField(_("开通时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("账号信息")
        verbose_name_plural = _("账号信息")

    def __str__(self) -> str:
        return str(self.user)
