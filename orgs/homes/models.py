"""侨胞之家: an organization's venue, its 五有 assessments and its designations (示范). Homes know their
organization only by its foreign key, so that the organization pages above can show them."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.access.scoping import ScopedQuerySet


class HomeStanding(models.TextChoices):
    """侨胞之家's standing on 五有 (有组织、有队伍、有经费、有阵地、有活动), derived from its latest assessment."""

    NOT_ASSESSED = "not_assessed", _("未评估")
    PARTIAL = "partial", _("部分达标")
    FULL = "full", _("五有达标")


class HomeQuerySet(ScopedQuerySet):
    region_field = "organization__region"


class Home(models.Model):
    """侨胞之家: an organization's venue. `standing` is derived (kept up to date by the assessment service)."""

    organization = models.OneToOneField(
        "orgs.Organization", verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="home"
    )
    name = models.CharField(_("名称"), max_length=128)
    address = models.CharField(_("地址"), max_length=255, blank=True, default="")
    standing = models.CharField(
        _("五有情况"), max_length=16, choices=HomeStanding.choices, default=HomeStanding.NOT_ASSESSED, db_index=True
    )
    area_sqm = models.PositiveIntegerField(_("面积（平方米）"), null=True, blank=True)
    opened_on = models.DateField(_("启用日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = HomeQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨胞之家")
        verbose_name_plural = _("侨胞之家")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.utils import timezone

        if self.opened_on and self.opened_on > timezone.localdate():
            raise ValidationError({"opened_on": _("启用日期 %(value)s 不能是将来的日期") % {"value": self.opened_on.isoformat()}})


# ---- 侨胞之家 and 五有 ----------------------------------------------------------------------------------------


FIVE_CRITERIA = (
    ("organization", _("有组织")),
    ("team", _("有队伍")),
    ("funding", _("有经费")),
    ("venue", _("有阵地")),
    ("activities", _("有活动")),
)


class HomeAssessment(models.Model):
    """One 五有 assessment of a 侨胞之家: each criterion met or not, with its evidence. The latest one (by
    date) decides the home's standing; `有活动` is met only with activities logged in the year before."""

    home = models.ForeignKey(Home, verbose_name=_("侨胞之家"), on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("评估日期"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评估人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="home_assessments",
    )
    has_organization = models.BooleanField(_("有组织"), default=False)
    organization_evidence = models.CharField(_("有组织：依据"), max_length=255, blank=True, default="")
    has_team = models.BooleanField(_("有队伍"), default=False)
    team_evidence = models.CharField(_("有队伍：依据"), max_length=255, blank=True, default="")
    has_funding = models.BooleanField(_("有经费"), default=False)
    funding_evidence = models.CharField(_("有经费：依据"), max_length=255, blank=True, default="")
    has_venue = models.BooleanField(_("有阵地"), default=False)
    venue_evidence = models.CharField(_("有阵地：依据"), max_length=255, blank=True, default="")
    has_activities = models.BooleanField(_("有活动"), default=False)
    activities_evidence = models.CharField(_("有活动：依据"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class HomeAssessmentQuerySet(ScopedQuerySet):
        region_field = "home__organization__region"

    objects = HomeAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("五有评估")
        verbose_name_plural = _("五有评估")
        ordering = ["home_id", "-assessed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.home} · {self.assessed_on}"

    def criteria(self) -> list[tuple[str, str, bool, str]]:
        """(key, label, met, evidence) for the five criteria, in order."""
        return [
            (key, str(label), getattr(self, f"has_{key}"), getattr(self, f"{key}_evidence")) for key, label in FIVE_CRITERIA
        ]

    @property
    def met_count(self) -> int:
        return sum(1 for _k, _l, met, _e in self.criteria() if met)

    @property
    def standing(self) -> str:
        return HomeStanding.FULL if self.met_count == len(FIVE_CRITERIA) else HomeStanding.PARTIAL


class DesignationKind(models.TextChoices):
    """示范单位 (Jiangxi 33) and the upgrades beyond 五有 (Jiangxi 34)."""

    DEMONSTRATION = "demonstration", _("示范单位")
    LEARNING = "learning", _("学习型")
    INNOVATIVE = "innovative", _("创新型")
    SERVICE = "service", _("服务型")
    STANDARD = "standard", _("规范型")
    HARMONIOUS = "harmonious", _("和谐型")


class HomeDesignation(models.Model):
    """A designation a 侨胞之家 was awarded; only a home at 五有达标 can be awarded one."""

    home = models.ForeignKey(Home, verbose_name=_("侨胞之家"), on_delete=models.CASCADE, related_name="designations")
    kind = models.CharField(_("称号"), max_length=16, choices=DesignationKind.choices)
    awarded_on = models.DateField(_("授予日期"))
    awarded_by = models.CharField(_("授予单位"), max_length=64, blank=True, default="")

    class HomeDesignationQuerySet(ScopedQuerySet):
        region_field = "home__organization__region"

    objects = HomeDesignationQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨胞之家称号")
        verbose_name_plural = _("侨胞之家称号")
        constraints = [models.UniqueConstraint(fields=["home", "kind"], name="home_designation_unique")]

    def __str__(self) -> str:
        return f"{self.home} · {self.get_kind_display()}"
