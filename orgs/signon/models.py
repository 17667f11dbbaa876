"""统一身份认证账号: which external identity (a province's CAS or OpenID Connect platform) signs on as which account.

The level above writes it when opening or editing an account (智慧团建 style: accounts are opened, never made by a
sign-on). A sign-on only ever finds an account through this table (or, when `SIGNON_MATCH_USERNAME` allows it, by an
identical user name); it creates no account and gives no role."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Provider(models.TextChoices):
    """The sign-on platforms the product speaks to."""

    CAS = "cas", _("CAS")
    OIDC = "oidc", _("OpenID Connect")


class ExternalIdentity(models.Model):
    """One account's identity on one sign-on platform: the CAS user name, or the OpenID Connect subject claim."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="external_identities",
    )
    provider = models.CharField(_("认证平台"), max_length=8, choices=Provider.choices)
    subject = models.CharField(_("统一身份认证账号"), max_length=255)
    created_at = models.DateTimeField(_("关联时间"), auto_now_add=True)
    last_signon_at = models.DateTimeField(_("最近统一身份认证登录"), null=True, blank=True)

    class Meta:
        verbose_name = _("统一身份认证账号")
        verbose_name_plural = _("统一身份认证账号")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="external_identity_unique_subject"),
            models.UniqueConstraint(fields=["user", "provider"], name="external_identity_one_per_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()}:{self.subject}"
