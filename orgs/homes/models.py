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


class HomeKind(models.TextChoices):
    """侨胞之家's form (Yuxi 三(四)): a venue of its own; 驿站式 in a unit or park where 新侨 gather (机关、园区、
    企业); 网上侨胞之家 online (an address on the web or a WeChat account instead of a street address)."""

    STANDARD = "standard", _("标准侨胞之家")
    STATION = "station", _("驿站式侨胞之家")
    ONLINE = "online", _("网上侨胞之家")


class HomeQuerySet(ScopedQuerySet):
    region_field = "organization__region"


class Home(models.Model):
    """侨胞之家: an organization's venue. `standing` is derived (kept up to date by the assessment service)."""

    organization = models.OneToOneField(
        "orgs.Organization", verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="home"
    )
    name = models.CharField(_("名称"), max_length=128)
    address = models.CharField(_("地址"), max_length=255, blank=True, default="")
    kind = models.CharField(_("类型"), max_length=16, choices=HomeKind.choices, default=HomeKind.STANDARD, db_index=True)
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("所在单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="homes",
        help_text=_("驿站式：所在的机关、园区或企业；网上侨胞之家：参与的单位（可选）"),
    )
    online_address = models.CharField(_("网址或微信公众号"), max_length=128, blank=True, default="")
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


class BuildApproach(models.TextChoices):
    """How a 五有 criterion was reached (Jiangxi 9: "通过自己建、联合建、参与建、引导建等方式，提高基层侨联“五有”水平")."""

    OWN = "own", _("自己建")
    JOINT = "joint", _("联合建")
    PARTICIPATING = "participating", _("参与建")
    GUIDED = "guided", _("引导建")


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
    organization_approach = models.CharField(_("有组织：建设方式"), max_length=16, choices=BuildApproach.choices, blank=True, default="")
    organization_supporters = models.CharField(_("有组织：支持单位"), max_length=255, blank=True, default="")
    has_team = models.BooleanField(_("有队伍"), default=False)
    team_evidence = models.CharField(_("有队伍：依据"), max_length=255, blank=True, default="")
    team_approach = models.CharField(_("有队伍：建设方式"), max_length=16, choices=BuildApproach.choices, blank=True, default="")
    team_supporters = models.CharField(_("有队伍：支持单位"), max_length=255, blank=True, default="")
    has_funding = models.BooleanField(_("有经费"), default=False)
    funding_evidence = models.CharField(_("有经费：依据"), max_length=255, blank=True, default="")
    funding_approach = models.CharField(_("有经费：建设方式"), max_length=16, choices=BuildApproach.choices, blank=True, default="")
    funding_supporters = models.CharField(_("有经费：支持单位"), max_length=255, blank=True, default="")
    has_venue = models.BooleanField(_("有阵地"), default=False)
    venue_evidence = models.CharField(_("有阵地：依据"), max_length=255, blank=True, default="")
    venue_approach = models.CharField(_("有阵地：建设方式"), max_length=16, choices=BuildApproach.choices, blank=True, default="")
    venue_supporters = models.CharField(_("有阵地：支持单位"), max_length=255, blank=True, default="")
    has_activities = models.BooleanField(_("有活动"), default=False)
    activities_evidence = models.CharField(_("有活动：依据"), max_length=255, blank=True, default="")
    activities_approach = models.CharField(_("有活动：建设方式"), max_length=16, choices=BuildApproach.choices, blank=True, default="")
    activities_supporters = models.CharField(_("有活动：支持单位"), max_length=255, blank=True, default="")
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

    def ways(self) -> list[tuple[str, str, bool, str, str, str]]:
        """(key, label, met, evidence, how reached, who supported) for the five criteria, in order (Jiangxi 9)."""
        return [
            (key, str(label), getattr(self, f"has_{key}"), getattr(self, f"{key}_evidence"),
             str(BuildApproach(approach).label) if (approach := getattr(self, f"{key}_approach")) else "",
             getattr(self, f"{key}_supporters"))
            for key, label in FIVE_CRITERIA
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


class DesignationLevel(models.TextChoices):
    """The level of the body that awarded a designation: the city federation (市级) or the province's (省级).
    A county never awards (it nominates); rows recorded before the nomination procedure carry no level."""

    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")


class HomeDesignation(models.Model):
    """A designation a 侨胞之家 was awarded by a superior federation, the last step of its nomination
    (`DesignationNomination`); only a home at 五有达标 can be awarded one."""

    home = models.ForeignKey(Home, verbose_name=_("侨胞之家"), on_delete=models.CASCADE, related_name="designations")
    kind = models.CharField(_("称号"), max_length=16, choices=DesignationKind.choices)
    level = models.CharField(_("级别"), max_length=16, choices=DesignationLevel.choices, blank=True, default="")
    awarded_on = models.DateField(_("授予日期"))
    awarded_by = models.CharField(_("授予单位"), max_length=64, blank=True, default="")
    nomination = models.OneToOneField(
        "DesignationNomination", verbose_name=_("推荐"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="designation",
    )

    class HomeDesignationQuerySet(ScopedQuerySet):
        region_field = "home__organization__region"

    objects = HomeDesignationQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨胞之家称号")
        verbose_name_plural = _("侨胞之家称号")
        constraints = [models.UniqueConstraint(fields=["home", "kind", "level"], name="home_designation_unique")]

    def __str__(self) -> str:
        return f"{self.home} · {self.get_kind_display()}"


class NominationStatus(models.TextChoices):
    """Where a nomination stands: with the city (市侨联审核), with the province (省侨联审核), back with the home's
    own side (退回), or awarded."""

    NOMINATED = "nominated", _("待市侨联审核")
    RECOMMENDED = "recommended", _("待省侨联审核")
    RETURNED = "returned", _("已退回")
    AWARDED = "awarded", _("已授予")


class DesignationNomination(models.Model):
    """A nomination of a 侨胞之家 for a designation (Jiangxi 33, 34): put forward by the organization or its county,
    reviewed by the city federation (recommends it upward, returns it with a reason, or awards a 市级 designation) and
    by the province (awards a 省级 one or returns it to the city). `city` and `province` are the reviewing regions,
    fixed when nominated; a home of a city-level organization goes straight to the province."""

    home = models.ForeignKey(Home, verbose_name=_("侨胞之家"), on_delete=models.CASCADE, related_name="nominations")
    kind = models.CharField(_("称号"), max_length=16, choices=DesignationKind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=NominationStatus.choices, default=NominationStatus.NOMINATED,
                              db_index=True)
    city = models.ForeignKey("orgs.Region", verbose_name=_("市级审核区划"), on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    province = models.ForeignKey("orgs.Region", verbose_name=_("省级审核区划"), on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+")
    note = models.TextField(_("推荐理由"), blank=True, default="")
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("推荐人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )
    created_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class DesignationNominationQuerySet(ScopedQuerySet):
        region_field = "home__organization__region"

    objects = DesignationNominationQuerySet.as_manager()

    class Meta:
        verbose_name = _("称号推荐")
        verbose_name_plural = _("称号推荐")
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.home} · {self.get_kind_display()}"


# The steps of a nomination (orgs.homes.nominations holds the table of who may take which).
STEP_ACTIONS = {
    "nominate": _("推荐"),
    "resubmit": _("重新报送"),
    "recommend": _("推荐至省侨联"),
    "award": _("授予称号"),
    "return": _("退回"),
}


class DesignationStep(models.Model):
    """One recorded step of a nomination: who did what on which date, and the reason of a return."""

    nomination = models.ForeignKey(DesignationNomination, verbose_name=_("推荐"), on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("步骤"), max_length=24)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True, default="")
    to_status = models.CharField(_("新状态"), max_length=16)
    date = models.DateField(_("日期"))
    note = models.TextField(_("说明"), blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办理人"), on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class DesignationStepQuerySet(ScopedQuerySet):
        region_field = "nomination__home__organization__region"

    objects = DesignationStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("称号推荐步骤")
        verbose_name_plural = _("称号推荐步骤")
        ordering = ["nomination_id", "pk"]

    def __str__(self) -> str:
        return f"{self.nomination} · {self.action}"

    @property
    def action_label(self) -> str:
        return str(STEP_ACTIONS.get(self.action, self.action))
