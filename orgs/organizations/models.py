"""侨联组织: organizations, their founding steps, leading body, cadres, networks (WeChat groups,
affiliated and overseas associations, alumni links) and activities."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.access.scoping import ScopedQuerySet, encloses
from orgs.organizations.choices import (  # the vocabularies: code imports them from here, with the models
    ActivityDuty,
    AssociationKind,
    ContactWay,
    Employment,
    LeaderPosition,
    OrganizationKind,
    WechatGroupKind,
)
from orgs.organizations.founding import OrganizationStatus, action_label
from orgs.regions.models import Region, RegionLevel
from orgs.units.models import Unit

if TYPE_CHECKING:  # pragma: no cover
    from django_stubs_ext import StrOrPromise


FOUNDING_STATUSES = frozenset(
    {
        OrganizationStatus.PLANNED,
        OrganizationStatus.DRAFTING,
        OrganizationStatus.CONSULTING,
        OrganizationStatus.APPROVED,
        OrganizationStatus.CANDIDATES,
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
    # 经费列入同级财政预算 (Yuxi plan 三(五)).
    budget_funded = models.BooleanField(_("经费列入财政预算"), default=False)
    budget_amount = models.DecimalField(
        _("年度预算经费（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # 乡镇、村(社区): 一名班子成员分管或联系侨联工作，一名干部负责日常事务, 归侨侨眷 preferred (Yuxi plan 三(三)).
    # The office, registration and credit code: `orgs.staffing` (机构登记).
    responsible_leader = models.CharField(_("分管（联系）侨联工作的班子成员"), max_length=64, blank=True, default="")
    responsible_leader_is_returned = models.BooleanField(_("班子成员为归侨侨眷"), default=False)
    daily_affairs_cadre = models.CharField(_("负责日常事务的干部"), max_length=64, blank=True, default="")
    daily_affairs_cadre_is_returned = models.BooleanField(_("日常事务干部为归侨侨眷"), default=False)
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
REGION_LEVEL_OF_KIND: dict[str, RegionLevel] = {
    OrganizationKind.COUNTY: RegionLevel.COUNTY,
    OrganizationKind.TOWNSHIP: RegionLevel.TOWNSHIP,
    OrganizationKind.VILLAGE: RegionLevel.VILLAGE,
}


def organization_field_errors(organization: Organization, *, today=None) -> dict[str, StrOrPromise]:
    """Field errors of an organization's own values (model, forms, admin, API and services share it)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    errors: dict[str, StrOrPromise] = {}
    kind = organization.kind
    kind_label = OrganizationKind(kind).label if kind in OrganizationKind.values else kind
    if kind in UNIT_KINDS and not organization.unit_id:
        errors["unit"] = _("%(kind)s必须指定所在单位") % {"kind": kind_label}
    unit = organization.unit if organization.unit_id and organization.region_id else None
    if unit is not None and unit.region_id != organization.region_id:
        errors["region"] = _("所在区划应与单位所在区划一致：单位“%(unit)s”位于%(where)s") % {
            "unit": unit.name, "where": unit.region.path,
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
        elif (
            organization.region_id
            and (superior := organization.superior) is not None
            and not encloses(superior.region, organization.region)
        ):
            errors["superior"] = _("上级组织“%(name)s”所在区划（%(where)s）不在本组织所在区划之上") % {
                "name": superior.name, "where": superior.region.path,
            }
    if organization.founded_on and organization.founded_on > today:
        errors["founded_on"] = _("%(label)s %(value)s 晚于今天，不能是将来的日期") % {
            "label": _("成立日期"), "value": organization.founded_on.isoformat(),
        }
    if organization.budget_amount is not None:
        if organization.budget_amount < 0:
            errors["budget_amount"] = _("预算经费不能为负数：%(value)s") % {"value": organization.budget_amount}
        elif not organization.budget_funded and organization.budget_amount > 0:
            errors["budget_amount"] = _("未列入财政预算时不应填写预算金额（%(value)s 万元）") % {"value": organization.budget_amount}
    return errors


# ---- the founding procedure ------------------------------------------------------------------------------


def step_document_path(instance, filename: str) -> str:
    return f"orgs/steps/{instance.organization_id}/{filename}"


class FoundingStepQuerySet(ScopedQuerySet):
    region_field = "organization__region"


class FoundingStep(models.Model):
    """One recorded step of the founding procedure (see `orgs.organizations.founding`): who did what, when, with which
    document. Written only by `orgs.organizations.services.organization_transition`."""

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
        return action_label(self.action)

    @property
    def document_name(self) -> str:
        name = self.document.name if self.document else None
        return name.rsplit("/", 1)[-1] if name else ""


# ---- leadership and staffing -----------------------------------------------------------------------------


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


class CadreContactLogQuerySet(ScopedQuerySet):
    region_field = "contact__organization__region"


class CadreContactLog(models.Model):
    """联系记录: one contact of a 干部联系点, the "点对点的指导、联络和帮扶" of Jiangxi 12, who recorded it."""

    contact = models.ForeignKey(CadreContact, verbose_name=_("干部联系点"), on_delete=models.CASCADE, related_name="logs")
    date = models.DateField(_("联系日期"))
    way = models.CharField(_("联系方式"), max_length=10, choices=ContactWay.choices)
    note = models.TextField(_("联系内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="recorded_contact_logs",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = CadreContactLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        ordering = ["contact_id", "-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.contact} · {self.date}"


# ---- networks --------------------------------------------------------------------------------------------


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


class AffiliatedAssociation(models.Model):
    """1+N (Jiangxi 19): a 涉侨社团 affiliated with a federation (特聘专家委员会、侨创联盟、侨商会 … see AssociationKind)."""

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
    """1+Y (Jiangxi 24): an overseas association (海外侨团) paired with a federation."""

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


def activity_attachment_path(instance, filename: str) -> str:
    """Where 0005's `Activity.attachment` kept files (the field is gone: 0007 moved them to ActivityAttachment)."""
    return f"orgs/activities/{instance.organization_id}/{filename}"


def activity_file_path(instance, filename: str) -> str:
    return f"orgs/activities/{instance.activity.organization_id}/{instance.activity_id}/{filename}"


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


class ActivityAttachmentQuerySet(ScopedQuerySet):
    region_field = "activity__organization__region"


class ActivityAttachment(models.Model):
    """附件 of an activity (photos, sign-in sheets, minutes): kept under MEDIA_ROOT, never served directly; it is
    downloaded through the organization page by whoever sees the organization."""

    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=activity_file_path, max_length=255)
    name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="activity_attachments",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = ActivityAttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动附件")
        verbose_name_plural = _("活动附件")
        ordering = ["activity_id", "pk"]

    def __str__(self) -> str:
        return self.name
