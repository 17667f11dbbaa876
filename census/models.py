"""The census registry (侨情调查): units, campaigns, the people registered, headcounts and imports."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.identifiers import mask_phone
from orgs.models import Region, Unit
from orgs.scoping import ScopedQuerySet


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

    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number_encrypted = models.TextField(_("身份证号码（密文）"), editable=False)
    id_number_hash = models.CharField(_("身份证号码索引"), max_length=64, editable=False)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18, editable=False)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    # Indexed together with the category (Meta.indexes), which serves look-ups by region alone too.
    region = models.ForeignKey(Region, verbose_name=_("居住地"), on_delete=models.PROTECT, related_name="persons", db_index=False)
    unit = models.ForeignKey(
        Unit, verbose_name=_("工作单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="persons", db_index=False
    )
    country = models.CharField(_("侨居国(地区)"), max_length=64, blank=True, default="")
    phone = models.CharField(_("联系电话"), max_length=24, blank=True, default="")
    is_needy = models.BooleanField(_("困难群众"), default=False)
    is_left_behind_child = models.BooleanField(_("留守儿童"), default=False)
    is_empty_nest_elderly = models.BooleanField(_("空巢老人"), default=False)
    is_high_level_talent = models.BooleanField(_("高层次人才"), default=False)
    is_new_overseas = models.BooleanField(_("新侨"), default=False)
    # Not indexed: a handful of campaigns over a million people is no selective index, and every
    # index costs each bulk-imported row (a campaign's deletion, which scans, is rare).
    verified_campaign = models.ForeignKey(
        Campaign, verbose_name=_("最近核实的调查"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )
    notes = models.TextField(_("备注"), blank=True, default="")
    # The import that registered this person, if one did: their history shows that registration (who,
    # when, which file) from the import's record instead of one history row per imported person. Only
    # the import pipeline sets it, to the record it runs for; records are never deleted (PROTECT). No
    # database constraint: its check would run once per imported row at COMMIT (≈ 0.4 s per 100,000).
    registered_by_import = models.ForeignKey(
        "CensusImport", verbose_name=_("登记来源（导入）"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", editable=False, db_index=False, db_constraint=False,
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨务工作对象")
        verbose_name_plural = _("侨务工作对象")
        permissions = [("reveal_id_number", _("可查看完整身份证号码和电话"))]
        # Few indexes on purpose: each one is written for every imported row (see docs/benchmarks.md).
        # The name is searched with "contains", which no b-tree serves; lists are ordered by region.
        indexes = [
            models.Index(fields=["region", "category"], name="person_region_category_idx"),
            models.Index(fields=["unit"], name="person_unit_idx", condition=models.Q(unit__isnull=False)),
        ]
        # A constraint rather than unique=True: PostgreSQL then gets no second, LIKE-pattern index on the hash.
        constraints = [models.UniqueConstraint(fields=["id_number_hash"], name="person_id_number_hash_unique")]

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

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(_("事件"), max_length=12, choices=PersonEventKind.choices)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    from_region = models.ForeignKey(
        Region, verbose_name=_("迁出地"), on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    to_region = models.ForeignKey(
        Region, verbose_name=_("迁入地"), on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True, default="")

    objects = PersonEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员变更记录")
        verbose_name_plural = _("人员变更记录")
        ordering = ["-at", "-pk"]
        # A person's history, newest first; transfers by region (a region's deletion checks them). The
        # actor is not indexed: a user's deletion, which scans, is rare.
        indexes = [
            models.Index(fields=["person", "at"], name="personevent_person_at_idx"),
            models.Index(fields=["from_region"], name="personevent_from_region_idx", condition=models.Q(from_region__isnull=False)),
            models.Index(fields=["to_region"], name="personevent_to_region_idx", condition=models.Q(to_region__isnull=False)),
        ]


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
    DISCARDED = "discarded", _("已放弃")


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
    checksum = models.CharField(_("文件校验值（SHA-256）"), max_length=64, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = CensusImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨情数据导入")
        verbose_name_plural = _("侨情数据导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"


class PolicyQuerySet(ScopedQuerySet):
    region_field = "jurisdiction"
    visible_includes_ancestors = True


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


class CoverageRollup(models.Model):
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
