"""单位: work units (机关、学校、企业、园区 …) located in a region, which may found their own federation."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.access.scoping import ScopedQuerySet
from orgs.common.identifiers import IdentifierError, validate_uscc
from orgs.regions.models import Region


class UnitKind(models.TextChoices):
    """单位类别."""

    ORGAN = "organ", _("机关")
    SCHOOL = "school", _("学校")
    UNIVERSITY = "university", _("高校")
    RESEARCH = "research", _("科研院所")
    ENTERPRISE = "enterprise", _("企业")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    PARK = "park", _("园区")
    MARKET = "market", _("市场")
    BUILDING = "building", _("楼宇")
    NON_PUBLIC_ECONOMY = "non_public_economy", _("非公有制经济组织")
    SOCIAL_ORGANIZATION = "social_organization", _("社会组织")


# 两新组织: new economic and social organizations (Jiangxi measure 10).
TWO_NEW_KINDS = frozenset({UnitKind.NON_PUBLIC_ECONOMY, UnitKind.SOCIAL_ORGANIZATION})


class UnitQuerySet(ScopedQuerySet):
    region_field = "region"


class Unit(models.Model):
    """单位: a work unit (机关、学校、企业、园区 …) located in a region; may found its own federation."""

    name = models.CharField(_("单位名称"), max_length=128)
    kind = models.CharField(_("单位类别"), max_length=24, choices=UnitKind.choices)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="units")
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, default="")
    is_two_new = models.BooleanField(_("两新组织"), default=False, help_text=_("新经济组织和新社会组织"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unit_unique_name_in_region"),
            models.UniqueConstraint(
                fields=["credit_code"], condition=~models.Q(credit_code=""), name="unit_unique_credit_code"
            ),
        ]
        indexes = [models.Index(fields=["name"], name="unit_name_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.credit_code:
            try:
                self.credit_code = validate_uscc(self.credit_code)
            except IdentifierError as error:
                raise ValidationError({"credit_code": str(error)}) from None
