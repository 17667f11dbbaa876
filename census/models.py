"""The census registry (侨情调查): units, campaigns, the people registered, headcounts and imports."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models import Region
from orgs.scoping import ScopedQuerySet

from .identifiers import IdentifierError, mask_phone, validate_uscc


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
        if self.region_id and self.region.level not in ("county", "township", "village", "city", "province"):
            raise ValidationError({"region": _("单位所在区划无效")})


class CampaignQuerySet(ScopedQuerySet):
    """A campaign is visible to users inside its region and to those above it."""

    region_field = "region"
    visible_includes_ancestors = True


class Campaign(models.Model):
    """侨情调查: one census round (yearly) over a region; its headcount snapshots give trends."""

    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=128)
    region = models.ForeignKey(Region, verbose_name=_("调查范围"), on_delete=models.PROTECT, related_name="campaigns")
    is_open = models.BooleanField(_("进行中"), default=True)
    deadline = models.DateField(_("截止日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨情调查")
        verbose_name_plural = _("侨情调查")
        ordering = ["-year", "region__code"]
        constraints = [models.UniqueConstraint(fields=["year", "region"], name="campaign_unique_year_region")]

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    """侨务工作对象类别."""

    RETURNED = "returned", _("归侨")
    RELATIVE = "relative", _("侨眷")
    OVERSEAS = "overseas", _("华侨")
    FOREIGN_CHINESE = "foreign_chinese", _("外籍华人")
    STUDENT = "student", _("留学人员")
    STUDENT_RELATIVE = "student_relative", _("留学人员眷属")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class PersonQuerySet(ScopedQuerySet):
    region_field = "region"


class Person(models.Model):
    """侨务工作对象: one registered person. The resident ID is stored encrypted, found by a keyed
    hash and shown masked; one ID is one record across the whole registry."""

    name = models.CharField(_("姓名"), max_length=64, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number_encrypted = models.TextField(_("身份证号码（密文）"), editable=False)
    id_number_hash = models.CharField(_("身份证号码索引"), max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18, editable=False)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, db_index=True)
    region = models.ForeignKey(Region, verbose_name=_("居住地"), on_delete=models.PROTECT, related_name="persons")
    unit = models.ForeignKey(
        Unit, verbose_name=_("工作单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="persons"
    )
    country = models.CharField(_("侨居国(地区)"), max_length=64, blank=True, default="")
    phone = models.CharField(_("联系电话"), max_length=24, blank=True, default="")
    is_needy = models.BooleanField(_("困难群众"), default=False)
    is_left_behind_child = models.BooleanField(_("留守儿童"), default=False)
    is_empty_nest_elderly = models.BooleanField(_("空巢老人"), default=False)
    is_high_level_talent = models.BooleanField(_("高层次人才"), default=False)
    is_new_overseas = models.BooleanField(_("新侨"), default=False)
    verified_campaign = models.ForeignKey(
        Campaign, verbose_name=_("最近核实的调查"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(_("备注"), blank=True, default="")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨务工作对象")
        verbose_name_plural = _("侨务工作对象")
        permissions = [("reveal_id_number", _("可查看完整身份证号码和电话"))]
        indexes = [models.Index(fields=["region", "category"], name="person_region_category_idx")]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


FLAG_FIELDS = ("is_needy", "is_left_behind_child", "is_empty_nest_elderly", "is_high_level_talent", "is_new_overseas")


class PersonEventKind(models.TextChoices):
    CREATED = "created", _("登记")
    UPDATED = "updated", _("修改")
    TRANSFERRED = "transferred", _("迁移")
    IMPORTED = "imported", _("导入")
    VERIFIED = "verified", _("核实")


class PersonEventQuerySet(ScopedQuerySet):
    region_field = "person__region"


class PersonEvent(models.Model):
    """A person's history: registration, changes (before → after), transfers between regions, imports."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=12, choices=PersonEventKind.choices)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True, blank=True)
    from_region = models.ForeignKey(Region, verbose_name=_("迁出地"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_region = models.ForeignKey(Region, verbose_name=_("迁入地"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True, default="")

    objects = PersonEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员变更记录")
        verbose_name_plural = _("人员变更记录")
        ordering = ["-at", "-pk"]


class HeadcountQuerySet(ScopedQuerySet):
    region_field = "region"


class Headcount(models.Model):
    """Registered people per campaign, region (their residence, not the subtree) and category,
    and per unit. Subtree totals are summed over MPTT ranges; a closed campaign's rows are frozen."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("调查"), on_delete=models.CASCADE, related_name="headcounts")
    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.CASCADE, related_name="headcounts")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, null=True, blank=True, related_name="headcounts")
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    count = models.PositiveIntegerField(_("人数"))

    objects = HeadcountQuerySet.as_manager()

    class Meta:
        verbose_name = _("人数统计")
        verbose_name_plural = _("人数统计")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region", "category"], condition=models.Q(unit__isnull=True), name="headcount_unique_region"
            ),
            models.UniqueConstraint(
                fields=["campaign", "unit", "category"], condition=models.Q(unit__isnull=False), name="headcount_unique_unit"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "region"], name="headcount_campaign_region_idx")]


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    PREVIEWED = "previewed", _("已预览")
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    COMMITTED = "committed", _("已导入")
    REJECTED = "rejected", _("未导入")
    FAILED = "failed", _("失败")


class CensusImportQuerySet(ScopedQuerySet):
    region_field = "region"


class CensusImport(models.Model):
    """One upload of a census spreadsheet: the file, who, when, the counts, and the error report."""

    file = models.FileField(_("文件"), upload_to="census/imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("导入范围"), on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(Campaign, verbose_name=_("调查"), on_delete=models.PROTECT, related_name="imports")
    status = models.CharField(_("状态"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    valid_only = models.BooleanField(_("只导入有效行"), default=False)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    new = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    invalid = models.PositiveIntegerField(_("无效"), default=0)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    errors = models.JSONField(_("错误（前 500 条）"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True, default="")
    error_report = models.FileField(_("错误报告"), upload_to="census/errors/%Y/%m/", blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = CensusImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨情数据导入")
        verbose_name_plural = _("侨情数据导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"
