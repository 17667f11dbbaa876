"""What an account holds besides Django's user: the phone, the one-time initial password to change at first login,
and who opened the account (智慧团建 style: the level above opens the accounts of the level below)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.common.phones import PhoneFieldsMixin


class AccountProfile(PhoneFieldsMixin, models.Model):
    """One per account opened in the product (accounts made otherwise, e.g. `createsuperuser`, have none). The
    mobile is stored encrypted, hashed and masked (orgs.common.phones); `profile.phone` reads it in clear."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="account")
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
