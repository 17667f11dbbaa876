"""Policies (门槛) and the verdicts the rules give (`Requirement`: 应建), with their rollups per region."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from census.registry.models import Category
from orgs.access.scoping import ScopedQuerySet, user_scope
from orgs.regions.models import Region
from orgs.units.models import Unit


class PolicyQuerySet(ScopedQuerySet):
    """Read where they govern: the nationwide default (no jurisdiction), the jurisdictions above the user's
    regions and those inside them."""

    region_field = "jurisdiction"
    visible_includes_ancestors = True

    def visible_to(self, user):
        scoped = super().visible_to(user)
        if user_scope(user).is_admin:
            return scoped
        return scoped | self.filter(jurisdiction__isnull=True)


class Policy(models.Model):
    """实施方案/指导意见的门槛: the thresholds and counted categories a jurisdiction applies, with the
    clause each rule comes from. The most specific jurisdiction in force on a date wins; a policy
    without a jurisdiction applies everywhere no other does."""

    key = models.SlugField(_("标识"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=40, help_text=_("理由中引用，如“玉溪方案”"))
    jurisdiction = models.ForeignKey(
        Region, verbose_name=_("适用区域"), on_delete=models.PROTECT, null=True, blank=True, related_name="policies"
    )
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    counted_categories = models.JSONField(_("计入门槛的类别"), default=list)
    township_threshold = models.PositiveIntegerField(_("乡镇(街道)门槛"), default=100)
    village_threshold = models.PositiveIntegerField(_("村(社区)门槛"), default=30)
    unit_threshold = models.PositiveIntegerField(_("单位门槛"), default=30)
    two_new_upper_threshold = models.PositiveIntegerField(_("两新组织由市县侨联负责的人数"), default=100)
    county_always_required = models.BooleanField(_("每个县均须成立县级侨联"), default=True)
    key_area_always_required = models.BooleanField(_("重点侨务地区均须成立"), default=True)
    below_threshold_options = models.JSONField(_("门槛以下建议形式"), default=list)
    clauses = models.JSONField(_("条款出处"), default=dict, help_text=_("规则 → 条款，如 {\"township\": \"二\"}"))
    source = models.TextField(_("原文摘录"), blank=True, default="")

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("建会门槛政策")
        verbose_name_plural = _("建会门槛政策")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = sorted(set(self.counted_categories) - set(Category.values))
        if unknown:
            raise ValidationError({"counted_categories": _("未知类别：%(v)s") % {"v": "、".join(unknown)}})
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("失效日期早于生效日期")})


class VerdictChoice(models.TextChoices):
    REQUIRED = "required", _("应建")
    RECOMMENDED = "recommended", _("建议建")
    NOT_REQUIRED = "not_required", _("暂不需建")


class FulfilmentChoice(models.TextChoices):
    MISSING = "missing", _("未建")
    UNDER_WAY = "under_way", _("筹建中")
    SATISFIED = "satisfied", _("已建")


class PlaceLevel(models.TextChoices):
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇级")
    VILLAGE = "village", _("村级")
    UNIT = "unit", _("单位")


class RequirementQuerySet(ScopedQuerySet):
    region_field = "region"


class Requirement(models.Model):
    """应建: the rules' verdict for one county, township, village or unit, with the numbers and the
    reason. For a unit, `region` is the unit's region (so scoping and rollups treat both alike)."""

    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.CASCADE, related_name="requirements")
    unit = models.OneToOneField(
        Unit, verbose_name=_("单位"), on_delete=models.CASCADE, null=True, blank=True, related_name="requirement"
    )
    level = models.CharField(_("层级"), max_length=10, choices=PlaceLevel.choices, db_index=True)
    policy = models.ForeignKey(Policy, verbose_name=_("依据"), on_delete=models.PROTECT, related_name="requirements")
    verdict = models.CharField(_("结论"), max_length=14, choices=VerdictChoice.choices, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=FulfilmentChoice.choices, db_index=True)
    headcount = models.PositiveIntegerField(_("计入人数"))
    headcount_by_category = models.JSONField(_("分类人数"), default=dict)
    rule = models.CharField(_("规则"), max_length=12)
    clause = models.CharField(_("条款"), max_length=80, blank=True, default="")
    responsible = models.CharField(_("负责组织"), max_length=40, blank=True, default="")
    reason = models.TextField(_("理由"))
    evaluated_at = models.DateTimeField(_("评估时间"))

    objects = RequirementQuerySet.as_manager()

    class Meta:
        verbose_name = _("应建评估")
        verbose_name_plural = _("应建评估")
        constraints = [
            models.UniqueConstraint(fields=["region"], condition=models.Q(unit__isnull=True), name="requirement_one_per_region"),
        ]
        indexes = [models.Index(fields=["verdict", "status", "level"], name="requirement_gap_idx")]

    def __str__(self) -> str:
        return self.reason


class CoverageRollup(models.Model):  # noqa: DJ008 - rows shown only in lists, by their columns
    """For one region: required / satisfied / under way / missing (and recommended) counts of the
    places of one level in its whole subtree (itself included)."""

    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.CASCADE, related_name="rollups")
    level = models.CharField(_("层级"), max_length=10, choices=PlaceLevel.choices)
    required = models.PositiveIntegerField(_("应建"), default=0)
    satisfied = models.PositiveIntegerField(_("已建"), default=0)
    under_way = models.PositiveIntegerField(_("筹建中"), default=0)
    missing = models.PositiveIntegerField(_("未建"), default=0)
    recommended = models.PositiveIntegerField(_("建议建"), default=0)

    objects = RequirementQuerySet.as_manager()

    class Meta:
        verbose_name = _("覆盖汇总")
        verbose_name_plural = _("覆盖汇总")
        constraints = [models.UniqueConstraint(fields=["region", "level"], name="rollup_unique")]
