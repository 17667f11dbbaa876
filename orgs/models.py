"""Regions, user memberships (roles) and, later, the organizations built in them."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from mptt.managers import TreeManager
from mptt.models import MPTTModel, TreeForeignKey
from mptt.querysets import TreeQuerySet

from .identifiers import IdentifierError, validate_uscc
from .scoping import ScopedQuerySet


class RegionLevel(models.TextChoices):
    """行政区划级别. Levels may be skipped (直辖市 districts, 省直辖县级市, 东莞-style towns)."""

    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇级")
    VILLAGE = "village", _("村级")


LEVEL_RANK = {
    RegionLevel.PROVINCE: 1,
    RegionLevel.CITY: 2,
    RegionLevel.COUNTY: 3,
    RegionLevel.TOWNSHIP: 4,
    RegionLevel.VILLAGE: 5,
}

# Official code lengths by level (GB/T 2260 to county, then 9 and 12 digits).
CODE_LENGTHS = {
    RegionLevel.PROVINCE: (6,),
    RegionLevel.CITY: (6,),
    RegionLevel.COUNTY: (6,),
    RegionLevel.TOWNSHIP: (9,),
    RegionLevel.VILLAGE: (12,),
}


class RegionKind(models.TextChoices):
    """行政区划类别: what the division is called, beside its level."""

    PROVINCE = "province", _("省")
    AUTONOMOUS_REGION = "autonomous_region", _("自治区")
    MUNICIPALITY = "municipality", _("直辖市")
    SAR = "sar", _("特别行政区")
    PREFECTURE_CITY = "prefecture_city", _("地级市")
    AUTONOMOUS_PREFECTURE = "autonomous_prefecture", _("自治州")
    PREFECTURE = "prefecture", _("地区")
    LEAGUE = "league", _("盟")
    DISTRICT = "district", _("市辖区")
    COUNTY = "county", _("县")
    AUTONOMOUS_COUNTY = "autonomous_county", _("自治县")
    COUNTY_CITY = "county_city", _("县级市")
    BANNER = "banner", _("旗")
    AUTONOMOUS_BANNER = "autonomous_banner", _("自治旗")
    SPECIAL_DISTRICT = "special_district", _("特区/林区")
    TOWNSHIP = "township", _("乡")
    ETHNIC_TOWNSHIP = "ethnic_township", _("民族乡")
    TOWN = "town", _("镇")
    SUBDISTRICT = "subdistrict", _("街道")
    SUMU = "sumu", _("苏木")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    OTHER = "other", _("其他")


def infer_region_kind(name: str, level: str) -> str:
    """The kind a division's name implies ("通海县" -> 县); OTHER when the name does not say."""
    by_level: dict[str, list[tuple[str, str]]] = {
        RegionLevel.PROVINCE: [
            ("特别行政区", RegionKind.SAR),
            ("自治区", RegionKind.AUTONOMOUS_REGION),
            ("省", RegionKind.PROVINCE),
            ("市", RegionKind.MUNICIPALITY),
        ],
        RegionLevel.CITY: [
            ("自治州", RegionKind.AUTONOMOUS_PREFECTURE),
            ("地区", RegionKind.PREFECTURE),
            ("盟", RegionKind.LEAGUE),
            ("市", RegionKind.PREFECTURE_CITY),
        ],
        RegionLevel.COUNTY: [
            ("自治县", RegionKind.AUTONOMOUS_COUNTY),
            ("自治旗", RegionKind.AUTONOMOUS_BANNER),
            ("林区", RegionKind.SPECIAL_DISTRICT),
            ("特区", RegionKind.SPECIAL_DISTRICT),
            ("区", RegionKind.DISTRICT),
            ("县", RegionKind.COUNTY),
            ("旗", RegionKind.BANNER),
            ("市", RegionKind.COUNTY_CITY),
        ],
        RegionLevel.TOWNSHIP: [
            ("民族乡", RegionKind.ETHNIC_TOWNSHIP),
            ("街道", RegionKind.SUBDISTRICT),
            ("苏木", RegionKind.SUMU),
            ("乡", RegionKind.TOWNSHIP),
            ("镇", RegionKind.TOWN),
        ],
        RegionLevel.VILLAGE: [
            ("社区", RegionKind.COMMUNITY),
            ("居委会", RegionKind.COMMUNITY),
            ("村", RegionKind.VILLAGE),
            ("村委会", RegionKind.VILLAGE),
        ],
    }
    for suffix, kind in by_level.get(level, []):
        if name.endswith(suffix):
            return kind
    return RegionKind.OTHER


class RegionQuerySet(TreeQuerySet, ScopedQuerySet):
    """Regions, scoped: a region is visible when it lies in one of the user's subtrees."""

    region_field = ""


class RegionManager(TreeManager.from_queryset(RegionQuerySet)):  # type: ignore[misc]
    pass


class Region(MPTTModel):
    """行政区划: a node of the province → city → county → township → village tree."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=10, choices=RegionLevel.choices, db_index=True)
    kind = models.CharField(_("类别"), max_length=24, choices=RegionKind.choices, default=RegionKind.OTHER)
    is_key_area = models.BooleanField(_("重点侨务地区"), default=False, db_index=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    parent = TreeForeignKey(
        "self", verbose_name=_("上级区划"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Denormalised "云南省玉溪市通海县", kept by the tree service, so that lists never walk ancestors.
    full_name = models.CharField(_("全称"), max_length=255, blank=True, editable=False)

    objects = RegionManager()

    class MPTTMeta:
        level_attr = "depth"
        order_insertion_by = ["code"]

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        indexes = [models.Index(fields=["tree_id", "lft", "rght"], name="region_subtree_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def level_rank(self) -> int:
        return LEVEL_RANK[RegionLevel(self.level)]

    @property
    def path(self) -> str:
        return self.full_name or self.name

    def clean(self) -> None:
        errors = region_row_errors(
            code=self.code, level=self.level, parent_level=self.parent.level if self.parent_id else None
        )
        if self.parent_id and self.pk and self.parent_id == self.pk:
            errors.append(("parent", _("上级区划不能是自身")))
        if errors:
            raise ValidationError({field: message for field, message in errors})

    def save(self, *args, **kwargs):
        if not self.kind or self.kind == RegionKind.OTHER:
            self.kind = infer_region_kind(self.name, self.level)
        parent_path = self.parent.path if self.parent_id else ""
        self.full_name = f"{parent_path}{self.name}"
        previous = type(self).objects.filter(pk=self.pk).values_list("full_name", flat=True).first() if self.pk else None
        super().save(*args, **kwargs)
        if previous is not None and previous != self.full_name:
            self._refresh_descendant_names()

    def _refresh_descendant_names(self) -> None:
        """Renaming or moving a region renames the paths below it, in one read and one bulk write."""
        names = {self.pk: self.full_name}
        stale = []
        for pk, parent_id, name in self.get_descendants().order_by("lft").values_list("id", "parent_id", "name"):
            names[pk] = names[parent_id] + name
            stale.append(Region(pk=pk, full_name=names[pk]))
        type(self).objects.bulk_update(stale, ["full_name"], batch_size=500)


def region_row_errors(*, code: str, level: str, parent_level: str | None) -> list[tuple[str, str]]:
    """Validation shared by the model, the admin and the CSV import: (field, message) pairs."""
    errors: list[tuple[str, str]] = []
    if level not in LEVEL_RANK:
        errors.append(("level", _("未知级别“%(value)s”") % {"value": level}))
        return errors
    # isascii: str.isdigit() also accepts full-width and other Unicode digits ("５３０４２３").
    if not (code.isascii() and code.isdigit()) or len(code) not in CODE_LENGTHS[RegionLevel(level)]:
        errors.append(
            (
                "code",
                _("区划代码“%(code)s”格式不正确：%(level)s应为 %(lengths)s 位数字")
                % {
                    "code": code,
                    "level": RegionLevel(level).label,
                    "lengths": "/".join(str(n) for n in CODE_LENGTHS[RegionLevel(level)]),
                },
            )
        )
    if parent_level is None:
        if level != RegionLevel.PROVINCE:
            errors.append(("parent", _("只有省级区划可以没有上级")))
    elif LEVEL_RANK[RegionLevel(parent_level)] >= LEVEL_RANK[RegionLevel(level)]:
        errors.append(
            (
                "parent",
                _("上级区划的级别（%(parent)s）必须高于本级（%(level)s）")
                % {"parent": RegionLevel(parent_level).label, "level": RegionLevel(level).label},
            )
        )
    return errors


class Role(models.TextChoices):
    """用户角色."""

    ADMIN = "admin", _("系统管理员")
    STAFF = "staff", _("侨联工作人员")
    COUNTY_OFFICIAL = "county_official", _("县级统战/侨联干部")
    LEADERSHIP = "leadership", _("领导小组（只读）")


Role.WRITING_ROLES = frozenset({Role.ADMIN, Role.STAFF, Role.COUNTY_OFFICIAL})  # type: ignore[attr-defined]


class MembershipQuerySet(ScopedQuerySet):
    region_field = "region"


class Membership(models.Model):
    """A user's role in a region: the user sees (and for writing roles, changes) that region's subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region,
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
        ]

    def __str__(self) -> str:
        where = self.region.path if self.region_id else _("全部")
        return f"{self.user} · {self.get_role_display()} · {where}"

    def clean(self) -> None:
        if self.role != Role.ADMIN and not self.region_id:
            raise ValidationError({"region": _("除系统管理员外，角色必须指定辖区")})


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


class OrganizationKind(models.TextChoices):
    """侨联组织类别."""

    COUNTY = "county", _("县级侨联")
    TOWNSHIP = "township", _("乡镇(街道)侨联")
    VILLAGE = "village", _("村(社区)侨联")
    ORGAN = "organ", _("机关侨联")
    UNIVERSITY = "university", _("高校侨联")
    ENTERPRISE = "enterprise", _("企业侨联")
    BRANCH = "branch", _("侨联分会")
    GROUP = "group", _("侨联小组")
    WORKSTATION = "workstation", _("侨联工作站")
    JOINT = "joint", _("跨区域联合侨联")
    ASSOCIATION = "association", _("涉侨社团")


class OrganizationStatus(models.TextChoices):
    """The founding procedure (Yuxi plan 三(一)), then active or dissolved."""

    PLANNED = "planned", _("计划成立")
    DRAFTING = "drafting", _("制定方案")
    CONSULTING = "consulting", _("征求上级侨联意见")
    APPROVED = "approved", _("同级党组织批准")
    CONGRESS = "congress", _("召开代表大会选举")
    FILED = "filed", _("报上级侨联备案")
    ACTIVE = "active", _("已成立")
    DISSOLVED = "dissolved", _("已撤销")


FOUNDING_STATUSES = frozenset(
    {
        OrganizationStatus.PLANNED,
        OrganizationStatus.DRAFTING,
        OrganizationStatus.CONSULTING,
        OrganizationStatus.APPROVED,
        OrganizationStatus.CONGRESS,
        OrganizationStatus.FILED,
    }
)


class OrganizationQuerySet(ScopedQuerySet):
    region_field = "region"


class Organization(models.Model):
    """侨联组织: a federation organization serving a region, or a unit located in one.
    A 跨区域联合侨联 also serves the regions in `covered_regions`."""

    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类别"), max_length=16, choices=OrganizationKind.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=OrganizationStatus.choices, default=OrganizationStatus.PLANNED, db_index=True
    )
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="organizations")
    unit = models.ForeignKey(
        Unit, verbose_name=_("所在单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="organizations"
    )
    covered_regions = models.ManyToManyField(
        Region, verbose_name=_("联合覆盖的区划"), blank=True, related_name="joint_organizations"
    )
    superior = models.ForeignKey(
        "self", verbose_name=_("上级组织"), on_delete=models.PROTECT, null=True, blank=True, related_name="subordinates"
    )
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    # 机构登记 (Yuxi plan 三(二)): the office approved by the 编制 department, its registration, the code.
    office_approved = models.BooleanField(_("办事机构经编制部门批准"), default=False)
    registered_on = models.DateField(_("登记日期"), null=True, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, default="")
    # 经费列入同级财政预算 (Yuxi plan 三(五)).
    budget_funded = models.BooleanField(_("经费列入财政预算"), default=False)
    budget_amount = models.DecimalField(
        _("年度预算经费（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # 乡镇、村(社区): 一名班子成员分管或联系侨联工作，一名干部负责日常事务 (Yuxi plan 三(三)).
    responsible_leader = models.CharField(_("分管（联系）侨联工作的班子成员"), max_length=64, blank=True, default="")
    daily_affairs_cadre = models.CharField(_("负责日常事务的干部"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨联组织")
        verbose_name_plural = _("侨联组织")
        indexes = [models.Index(fields=["region", "status"], name="organization_region_status_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_founding(self) -> bool:
        return self.status in FOUNDING_STATUSES

    def clean(self) -> None:
        errors = organization_field_errors(self)
        if errors:
            raise ValidationError(errors)


UNIT_KINDS = frozenset({OrganizationKind.ORGAN, OrganizationKind.UNIVERSITY, OrganizationKind.ENTERPRISE})
# Kinds that serve a region of one level: a 县级侨联 serves a county, and so on.
REGION_LEVEL_OF_KIND = {
    OrganizationKind.COUNTY: RegionLevel.COUNTY,
    OrganizationKind.TOWNSHIP: RegionLevel.TOWNSHIP,
    OrganizationKind.VILLAGE: RegionLevel.VILLAGE,
}


def organization_field_errors(organization: "Organization", *, today=None) -> dict[str, str]:
    """Field errors of an organization's own values (model, forms, admin, API and services share it)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    kind = organization.kind
    kind_label = OrganizationKind(kind).label if kind in OrganizationKind.values else kind
    if kind in UNIT_KINDS and not organization.unit_id:
        errors["unit"] = _("%(kind)s必须指定所在单位") % {"kind": kind_label}
    if organization.unit_id and organization.region_id and organization.unit.region_id != organization.region_id:
        errors["region"] = _("所在区划应与单位所在区划一致：单位“%(unit)s”位于%(where)s") % {
            "unit": organization.unit.name, "where": organization.unit.region.path,
        }
    level = REGION_LEVEL_OF_KIND.get(kind)
    if level and organization.region_id and organization.region.level != level and "region" not in errors:
        errors["region"] = _("%(kind)s所在区划应为%(level)s，“%(region)s”是%(actual)s") % {
            "kind": kind_label, "level": RegionLevel(level).label, "region": organization.region.name,
            "actual": organization.region.get_level_display(),
        }
    if organization.superior_id:
        if organization.pk and organization.superior_id == organization.pk:
            errors["superior"] = _("上级组织不能是本组织自身")
        elif organization.region_id and not _region_at_or_above(organization.superior.region, organization.region):
            errors["superior"] = _("上级组织“%(name)s”所在区划（%(where)s）不在本组织所在区划之上") % {
                "name": organization.superior.name, "where": organization.superior.region.path,
            }
    for field, label in (("founded_on", _("成立日期")), ("registered_on", _("登记日期"))):
        value = getattr(organization, field)
        if value and value > today:
            errors[field] = _("%(label)s %(value)s 晚于今天，不能是将来的日期") % {"label": label, "value": value.isoformat()}
    if organization.credit_code:
        try:
            organization.credit_code = validate_uscc(organization.credit_code)
        except IdentifierError as error:
            errors["credit_code"] = _("统一社会信用代码“%(value)s”无效：%(reason)s") % {
                "value": organization.credit_code, "reason": str(error),
            }
    if organization.budget_amount is not None:
        if organization.budget_amount < 0:
            errors["budget_amount"] = _("预算经费不能为负数：%(value)s") % {"value": organization.budget_amount}
        elif not organization.budget_funded and organization.budget_amount > 0:
            errors["budget_amount"] = _("未列入财政预算时不应填写预算金额（%(value)s 万元）") % {"value": organization.budget_amount}
    return errors


def _region_at_or_above(upper: "Region", lower: "Region") -> bool:
    """Whether `upper` is `lower` or one of its ancestors (MPTT coordinates, no query)."""
    return upper.tree_id == lower.tree_id and upper.lft <= lower.lft and lower.rght <= upper.rght


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
        Organization, verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="home"
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


# ---- the founding procedure ------------------------------------------------------------------------------


def step_document_path(instance, filename: str) -> str:
    return f"orgs/steps/{instance.organization_id}/{filename}"


class FoundingStepQuerySet(ScopedQuerySet):
    region_field = "organization__region"


class FoundingStep(models.Model):
    """One recorded step of the founding procedure (see `orgs.founding`): who did what, when, with which
    document. Written only by `orgs.services.organizations.organization_transition`."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="steps"
    )
    action = models.CharField(_("步骤"), max_length=24)
    from_status = models.CharField(_("原状态"), max_length=12, choices=OrganizationStatus.choices, blank=True, default="")
    to_status = models.CharField(_("新状态"), max_length=12, choices=OrganizationStatus.choices)
    date = models.DateField(_("日期"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办理人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="founding_steps",
    )
    note = models.TextField(_("说明"), blank=True, default="")
    document = models.FileField(_("附件"), upload_to=step_document_path, blank=True, max_length=255)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = FoundingStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("成立程序步骤")
        verbose_name_plural = _("成立程序步骤")
        ordering = ["organization_id", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.organization} · {self.action_label} · {self.date}"

    @property
    def action_label(self) -> str:
        from .founding import action_label

        return action_label(self.action)

    @property
    def document_name(self) -> str:
        return self.document.name.rsplit("/", 1)[-1] if self.document else ""


# ---- leadership and staffing -----------------------------------------------------------------------------


class LeaderPosition(models.TextChoices):
    CHAIR = "chair", _("主席")
    VICE_CHAIR = "vice_chair", _("副主席")
    SECRETARY_GENERAL = "secretary_general", _("秘书长")
    MEMBER = "member", _("委员")


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("专职")
    PART_TIME = "part_time", _("兼职")


class OrganizationPartQuerySet(ScopedQuerySet):
    """Rows that belong to an organization: scoped by the organization's region."""

    region_field = "organization__region"


class LeadershipMember(models.Model):
    """领导机构成员: 主席、副主席、秘书长、委员, full-time or part-time; 归侨侨眷 are preferred candidates."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="leaders"
    )
    name = models.CharField(_("姓名"), max_length=64)
    position = models.CharField(_("职务"), max_length=20, choices=LeaderPosition.choices)
    employment = models.CharField(_("专兼职"), max_length=10, choices=Employment.choices, default=Employment.PART_TIME)
    is_returned_or_relative = models.BooleanField(_("归侨侨眷"), default=False)
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期届满"), null=True, blank=True)

    objects = OrganizationPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("领导机构成员")
        verbose_name_plural = _("领导机构成员")
        ordering = ["organization_id", "position", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_position_display()}）"

    def clean(self) -> None:
        from django.utils import timezone

        errors = {}
        if self.term_start and self.term_start > timezone.localdate():
            errors["term_start"] = _("任期开始日期 %(value)s 不能是将来的日期") % {"value": self.term_start.isoformat()}
        if self.term_start and self.term_end and self.term_end <= self.term_start:
            errors["term_end"] = _("任期届满日期 %(end)s 应晚于任期开始日期 %(start)s") % {
                "end": self.term_end.isoformat(), "start": self.term_start.isoformat(),
            }
        if errors:
            raise ValidationError(errors)


class CadreContact(models.Model):
    """干部联系点: a federation staff member assigned to a grassroots organization (Jiangxi measure 12)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("联系的基层组织"), on_delete=models.CASCADE, related_name="cadre_contacts"
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("联系干部"), on_delete=models.PROTECT, related_name="contact_points"
    )
    since = models.DateField(_("联系起始日期"))

    objects = OrganizationPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("干部联系点")
        verbose_name_plural = _("干部联系点")
        constraints = [models.UniqueConstraint(fields=["organization", "cadre"], name="cadre_contact_unique")]

    def __str__(self) -> str:
        return f"{self.cadre} → {self.organization}"


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


# ---- networks --------------------------------------------------------------------------------------------


class WechatGroupKind(models.TextChoices):
    OVERSEAS = "overseas", _("海外联谊群")
    SERVICE = "service", _("侨界服务群")


class WechatGroup(models.Model):
    """地缘性微信群 (Yuxi plan 三(四), Jiangxi 14): 海外联谊群 for compatriots abroad, 侨界服务群 for local members."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="wechat_groups"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=WechatGroupKind.choices)
    name = models.CharField(_("群名称"), max_length=128)
    member_count = models.PositiveIntegerField(_("成员数"), default=0)
    counted_on = models.DateField(_("统计日期"), null=True, blank=True)

    objects = OrganizationPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("微信群")
        verbose_name_plural = _("微信群")

    def __str__(self) -> str:
        return self.name


class AssociationKind(models.TextChoices):
    """1+N: the 涉侨社团 a federation leads."""

    CHAMBER = "chamber", _("侨商会")
    YOUTH = "youth", _("侨青委")
    RETURNED_STUDENTS = "returned_students", _("留联会")
    LEGAL = "legal", _("法顾委")
    CULTURE = "culture", _("文促会")
    OTHER = "other", _("其他涉侨社团")


class AffiliatedAssociation(models.Model):
    """1+N: a 涉侨社团 affiliated with a federation (侨商会、侨青委、留联会、法顾委、文促会 …)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="affiliated_associations"
    )
    kind = models.CharField(_("类别"), max_length=20, choices=AssociationKind.choices)
    name = models.CharField(_("名称"), max_length=128)
    since = models.DateField(_("建立联系日期"), null=True, blank=True)

    objects = OrganizationPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("1+N 涉侨社团")
        verbose_name_plural = _("1+N 涉侨社团")

    def __str__(self) -> str:
        return self.name


class OverseasAssociation(models.Model):
    """1+Y: an overseas association paired with a federation."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="overseas_associations"
    )
    country = models.CharField(_("国家(地区)"), max_length=64)
    name = models.CharField(_("社团名称"), max_length=128)
    since = models.DateField(_("结对日期"), null=True, blank=True)

    objects = OrganizationPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("1+Y 海外社团")
        verbose_name_plural = _("1+Y 海外社团")

    def __str__(self) -> str:
        return f"{self.name}（{self.country}）"


class AlumniLink(models.Model):
    """地方侨联+高校侨联+校友会 (Jiangxi 16, 23): a local federation linked with a university federation and an
    alumni association."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("地方侨联"), on_delete=models.CASCADE, related_name="alumni_links"
    )
    university_federation = models.ForeignKey(
        Organization, verbose_name=_("高校侨联"), on_delete=models.PROTECT, related_name="local_links"
    )
    alumni_association = models.CharField(_("校友会"), max_length=128)
    since = models.DateField(_("建立日期"), null=True, blank=True)

    objects = OrganizationPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("地方侨联+高校侨联+校友会")
        verbose_name_plural = _("地方侨联+高校侨联+校友会")

    def __str__(self) -> str:
        return f"{self.organization} + {self.university_federation} + {self.alumni_association}"

    def clean(self) -> None:
        if self.university_federation_id and self.university_federation.kind != OrganizationKind.UNIVERSITY:
            raise ValidationError(
                {"university_federation": _("“%(name)s”不是高校侨联") % {"name": self.university_federation.name}}
            )
        if self.organization_id and self.organization.kind in UNIT_KINDS | {OrganizationKind.ASSOCIATION}:
            raise ValidationError({"organization": _("“%(name)s”不是地方侨联") % {"name": self.organization.name}})


# ---- activities --------------------------------------------------------------------------------------------


class ActivityDuty(models.TextChoices):
    """The duties of Yuxi plan 三(四)."""

    LIAISON = "liaison", _("联谊交流")
    INVESTMENT = "investment", _("引资引智")
    SURVEY = "survey", _("侨情调查")
    TRAINING = "training", _("技能培训")
    SERVICE = "service", _("便民服务")
    WELFARE = "welfare", _("民生保障")
    CULTURE = "culture", _("文艺活动")


def activity_attachment_path(instance, filename: str) -> str:
    return f"orgs/activities/{instance.organization_id}/{filename}"


class Activity(models.Model):
    """An activity of an organization; they feed 有活动. Festival visits to 困难群众 (留守儿童、空巢老人)
    are 民生保障 activities with the groups visited marked (Jiangxi 27)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="activities"
    )
    duty = models.CharField(_("职责类别"), max_length=12, choices=ActivityDuty.choices)
    title = models.CharField(_("活动名称"), max_length=128)
    held_on = models.DateField(_("活动日期"))
    participants = models.PositiveIntegerField(_("参加人数"), default=0)
    description = models.TextField(_("活动内容"), blank=True, default="")
    visits_left_behind_children = models.BooleanField(_("走访慰问留守儿童"), default=False)
    visits_empty_nest_elderly = models.BooleanField(_("走访慰问空巢老人"), default=False)
    attachment = models.FileField(_("附件"), upload_to=activity_attachment_path, blank=True, max_length=255)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="recorded_activities",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = OrganizationPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["organization", "held_on"], name="activity_org_date_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_needy_visit(self) -> bool:
        return self.visits_left_behind_children or self.visits_empty_nest_elderly

    def clean(self) -> None:
        from django.utils import timezone

        if self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": _("活动日期 %(value)s 不能是将来的日期") % {"value": self.held_on.isoformat()}})
