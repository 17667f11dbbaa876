"""督查考核: the yearly assessment of each organization on the federation's own scoring sheet (Jiangxi 32, 39;
Yuxi 四). The sheet is data: its items (title, maximum points) and its grade thresholds (优秀 ≥ 90 …) are rows and
values a federation keeps, never code."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.access.scoping import ScopedQuerySet
from orgs.organizations.models import Organization
from orgs.regions.models import Region


class ScoringSheetQuerySet(ScopedQuerySet):
    region_field = "region"
    visible_includes_ancestors = True  # a county official reads the city's sheet its federation is assessed on


class ScoringSheet(models.Model):
    """考核评分表: one federation's sheet for one year. `grades` are its thresholds as data: a list of
    {"name": "优秀", "min": 90} from the highest down to one with min 0 (so every total has a grade).
    A sheet on which an organization was assessed is locked: its items and grades no longer change
    (`orgs.assessments.services.sheet_update` refuses); next year's sheet is a copy."""

    region = models.ForeignKey(Region, verbose_name=_("制定单位所在区划"), on_delete=models.PROTECT, related_name="scoring_sheets")
    year = models.PositiveSmallIntegerField(_("考核年度"))
    name = models.CharField(_("名称"), max_length=128)
    grades = models.JSONField(_("等次标准"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制定人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScoringSheetQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核评分表")
        verbose_name_plural = _("考核评分表")
        ordering = ["-year", "region__code"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="scoring_sheet_one_per_region_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    @property
    def max_total(self):
        return sum(item.max_points for item in self.items.all())

    @property
    def grades_text(self) -> str:
        return "；".join(f"{g['name']} ≥ {g['min']}" for g in self.grades)


class ScoringItemQuerySet(ScopedQuerySet):
    region_field = "sheet__region"
    visible_includes_ancestors = True


class ScoringItem(models.Model):
    """考核项目: one line of a sheet, scored 0 … `max_points`."""

    sheet = models.ForeignKey(ScoringSheet, verbose_name=_("考核评分表"), on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("考核项目"), max_length=200)
    max_points = models.DecimalField(_("分值"), max_digits=6, decimal_places=1)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    objects = ScoringItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核项目")
        verbose_name_plural = _("考核项目")
        ordering = ["sheet_id", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.title}（{self.max_points}）"


class AssessmentQuerySet(ScopedQuerySet):
    region_field = "organization__region"


class OrganizationAssessment(models.Model):
    """督查考核结果: an organization's score in one year on the applicable sheet, with the total and grade the
    service computed, who assessed (the superior: see `services.assessor_check`), when, and a note."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="yearly_assessments"
    )
    year = models.PositiveSmallIntegerField(_("考核年度"))
    sheet = models.ForeignKey(ScoringSheet, verbose_name=_("考核评分表"), on_delete=models.PROTECT, related_name="assessments")
    total = models.DecimalField(_("总分"), max_digits=7, decimal_places=1)
    grade = models.CharField(_("等次"), max_length=20)
    grade_floor = models.DecimalField(_("等次最低分"), max_digits=7, decimal_places=1, default=0)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("考核人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )
    assessed_on = models.DateField(_("考核日期"))
    note = models.TextField(_("说明"), blank=True, default="")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("督查考核")
        verbose_name_plural = _("督查考核")
        ordering = ["-year", "organization__region__code", "organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="organization_assessment_one_per_year"),
        ]
        indexes = [models.Index(fields=["year", "organization"], name="assessment_year_org_idx")]

    def __str__(self) -> str:
        return f"{self.organization} · {self.year} · {self.total}（{self.grade}）"


class AssessmentScoreQuerySet(ScopedQuerySet):
    region_field = "assessment__organization__region"


class AssessmentScore(models.Model):
    """得分: the points one assessment gave on one item (0 … the item's maximum)."""

    assessment = models.ForeignKey(OrganizationAssessment, verbose_name=_("督查考核"), on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(ScoringItem, verbose_name=_("考核项目"), on_delete=models.PROTECT, related_name="scores")
    points = models.DecimalField(_("得分"), max_digits=6, decimal_places=1)

    objects = AssessmentScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核得分")
        verbose_name_plural = _("考核得分")
        ordering = ["assessment_id", "item__order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="assessment_score_one_per_item")]

    def __str__(self) -> str:
        return f"{self.item.title}: {self.points}"
