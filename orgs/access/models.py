"""Memberships: a user's role in a region, which decides what the user sees and changes (see scoping)."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.access.roles import ADMINISTRATOR_ROLES, Role
from orgs.access.scoping import ScopedQuerySet


class MembershipQuerySet(ScopedQuerySet):
    region_field = "region"


class Membership(models.Model):
    """A user's role in a region: the user sees (and for writing roles, changes) that region's subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        "orgs.Region",
        verbose_name=_("辖区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        help_text=_("系统管理员可不填，其他角色必填"),
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色任职")
        verbose_name_plural = _("角色任职")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="membership_unique"),
            # 三员分立: an account holds at most one of the three administrator roles (and that one once).
            models.UniqueConstraint(
                fields=["user"], condition=Q(role__in=sorted(ADMINISTRATOR_ROLES)), name="membership_one_administrator_role",
            ),
            # The three administrators have no region; every other role has one.
            models.CheckConstraint(
                condition=Q(role__in=sorted(ADMINISTRATOR_ROLES), region__isnull=True)
                | (~Q(role__in=sorted(ADMINISTRATOR_ROLES)) & Q(region__isnull=False)),
                name="membership_region_by_role",
            ),
        ]

    def __str__(self) -> str:
        region = self.region if self.region_id else None
        where = region.path if region is not None else _("全部")
        return f"{self.user} · {self.get_role_display()} · {where}"

    def clean(self) -> None:
        if self.role not in ADMINISTRATOR_ROLES and not self.region_id:
            raise ValidationError({"region": _("除管理员外，角色必须指定辖区")})
        if self.role in ADMINISTRATOR_ROLES and self.region_id:
            raise ValidationError({"region": _("管理员角色不指定辖区")})
