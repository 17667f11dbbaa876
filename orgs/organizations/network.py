"""The organization's network, kept by its own editors (issue 16 §3): WeChat groups under the tier rule of
Jiangxi 14, 1+N affiliated associations (Jiangxi 18, 19), 1+Y overseas associations (Jiangxi 24), 地方侨联+高校侨联+
校友会 links (Jiangxi 16, 23), 干部联系点 with their contact log (Jiangxi 12), and the attachments of activities.

Every write is `<part>_<action>(*, …, actor)`, one transaction, and only for a user who may change the
organization's region (`organization_editor_check`: leadership and other counties are refused). Bad input is a
`ValidationError` naming the field and the value in Chinese; nothing is written then. The part models are
registered with django-auditlog (`orgs.apps`), so each add, change and removal is in the audit trail with its
actor, as the organization's own changes are."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.common.documents import validate_document
from orgs.homes.services import organization_editor_check
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import (
    UNIT_KINDS,
    Activity,
    ActivityAttachment,
    AffiliatedAssociation,
    AlumniLink,
    CadreContact,
    CadreContactLog,
    Organization,
    OrganizationKind,
    OverseasAssociation,
    WechatGroup,
    WechatGroupKind,
)
from orgs.organizations.selectors import superior_choices
from orgs.regions.models import Region, RegionLevel

if TYPE_CHECKING:  # pragma: no cover
    from django_stubs_ext import StrOrPromise

Part = TypeVar("Part", bound=models.Model)

# ---- the WeChat tier rule (Jiangxi 14) ----------------------------------------------------------------------

JIANGXI_14 = (
    "在侨乡地区以村级、镇级、县级侨联为依托，在其他地区以县级侨联为依托，分层次建设两类地缘性微信群，"
    "一类是联系本乡本地在外侨胞的微信联谊群，另一类是联系本乡本地的侨界群众微信服务群"
)
# The tiers the clause builds groups on, and the organization kinds that are those tiers.
TIER_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
TIER_OF_KIND: dict[str, str] = {
    OrganizationKind.COUNTY: RegionLevel.COUNTY,
    OrganizationKind.TOWNSHIP: RegionLevel.TOWNSHIP,
    OrganizationKind.VILLAGE: RegionLevel.VILLAGE,
}


def wechat_tier(kind: str, region_level: str) -> str | None:
    """The tier (县级 / 乡镇级 / 村级) on which an organization keeps 地缘性微信群, after Jiangxi 14: "在侨乡地区以村级、
    镇级、县级侨联为依托，在其他地区以县级侨联为依托，分层次建设两类地缘性微信群".

    A 县级、乡镇(街道)、村(社区)侨联 is the tier of its own level; a 跨区域联合侨联 the level of its region when that
    is one of the three. Every other kind (机关/高校/企业侨联, 分会、小组、工作站, 涉侨社团) has no tier: the clause
    builds the groups on village, township and county federations only. The tier is derived, never entered, so a
    group can never claim a tier that does not fit its organization."""
    if kind in TIER_OF_KIND:
        return TIER_OF_KIND[kind]
    if kind == OrganizationKind.JOINT and region_level in TIER_LEVELS:
        return region_level
    return None


def tier_required(tier: str | None, *, in_qiaoxiang: bool) -> bool:
    """Whether Jiangxi 14 calls for groups on this tier: county groups everywhere ("在其他地区以县级侨联为依托"),
    township and village groups only in 侨乡 ("在侨乡地区以村级、镇级、县级侨联为依托")."""
    if tier == RegionLevel.COUNTY:
        return True
    return tier in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE) and in_qiaoxiang


@dataclass(frozen=True)
class WechatRule:
    """What Jiangxi 14 asks of one organization's WeChat groups, and how far they go."""

    tier: str | None
    in_qiaoxiang: bool
    required: bool
    counts: dict[str, int]  # groups kept, per WechatGroupKind

    @property
    def tier_label(self) -> StrOrPromise:
        return RegionLevel(self.tier).label if self.tier else ""

    @property
    def missing(self) -> list[StrOrPromise]:
        """The kinds the clause calls for that the organization does not keep yet (empty when none is called for)."""
        if not self.required:
            return []
        return [label for kind, label in WechatGroupKind.choices if not self.counts.get(kind)]

    @property
    def kinds(self) -> list[tuple[str, StrOrPromise, int]]:
        return [(kind, label, self.counts.get(kind, 0)) for kind, label in WechatGroupKind.choices]

    @property
    def reason(self) -> str:
        if self.tier is None:
            return _("地缘性微信群依托村级、镇级、县级侨联建设（江西第14条）；本组织不属于这三级侨联，不登记地缘性微信群")
        if not self.required:
            return _("本组织所在地不属侨乡（重点侨务地区）：江西第14条在其他地区只以县级侨联为依托建群，本组织不要求建群")
        where = _("侨乡地区") if self.in_qiaoxiang else _("各地")
        return _("%(where)s的%(tier)s侨联应建两类地缘性微信群：海外联谊群和侨界服务群（江西第14条）") % {
            "where": where, "tier": self.tier_label,
        }


def wechat_rule(organization: Organization, groups, *, in_qiaoxiang: bool) -> WechatRule:
    """The rule for `organization` given its groups (any iterable of WechatGroup) and whether its place is 侨乡.
    A dissolved organization is asked for nothing."""
    tier = wechat_tier(organization.kind, organization.region.level)
    counts = dict.fromkeys(WechatGroupKind.values, 0)
    for group in groups:
        counts[group.kind] = counts.get(group.kind, 0) + 1
    required = organization.status != OrganizationStatus.DISSOLVED and tier_required(tier, in_qiaoxiang=in_qiaoxiang)
    return WechatRule(tier, in_qiaoxiang, required, counts)


def place_in_qiaoxiang(region: Region) -> bool:
    """侨乡: the region, or a region above it, is a 重点侨务地区 (`is_key_area`): a village of a key-area township is
    in 侨乡 too. One query."""
    return Region.objects.covering(region).filter(is_key_area=True).exists()


def organization_wechat_rule(organization: Organization) -> WechatRule:
    """The rule with the organization's groups (prefetched ones are used as they are) and its place."""
    return wechat_rule(organization, organization.wechat_groups.all(), in_qiaoxiang=place_in_qiaoxiang(organization.region))


def wechat_group_warning(organization: Organization) -> str | None:
    """The warning shown when a group was added on a tier the clause does not call for here (kept, not counted)."""
    rule = organization_wechat_rule(organization)
    if rule.tier is not None and not rule.required:
        return _("已登记，但%(reason)s") % {"reason": rule.reason}
    return None


# ---- shared checks -------------------------------------------------------------------------------------------


def _refuse(message: str, field: str | None = None) -> NoReturn:
    raise ValidationError({field: message} if field else message)


def _text(value):
    """Text stripped of surrounding white space; any other value as it is."""
    return value.strip() if isinstance(value, str) else value


def _not_future(value: dt.date | None, field: str, label: StrOrPromise) -> None:
    if value and value > timezone.localdate():
        _refuse(_("%(label)s %(value)s 晚于今天，不能是将来的日期") % {"label": label, "value": value.isoformat()}, field)


def _required(value: str, field: str, label: StrOrPromise) -> None:
    if not value:
        _refuse(_("请填写%(label)s") % {"label": label}, field)


def _model_check(part: models.Model, exclude: tuple[str, ...]) -> None:
    """The model's own field checks (lengths, choices, non-negative numbers) with Django's messages."""
    part.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


def _set_fields(part: Part, changes: dict[str, Any], fields: tuple[str, ...]) -> Part:
    """The row as stored (locked for the transaction) with `changes` applied: a refused change leaves the
    caller's object as it was."""
    unknown = sorted(set(changes) - set(fields))
    if unknown:
        _refuse(_("不能在此修改：%(fields)s") % {"fields": "、".join(unknown)})
    fresh = type(part)._default_manager.select_for_update().get(pk=part.pk)
    for name, value in changes.items():
        setattr(fresh, name, _text(value))
    return fresh


def _remove(part: models.Model, organization: Organization, actor) -> None:
    organization_editor_check(actor, organization)
    part.delete()


# ---- WeChat groups (Jiangxi 14) -------------------------------------------------------------------------------

WECHAT_GROUP_FIELDS = ("kind", "name", "member_count", "counted_on")


def _wechat_group_validate(group: WechatGroup) -> None:
    organization = group.organization
    if wechat_tier(organization.kind, organization.region.level) is None:
        _refuse(
            _("地缘性微信群依托村级、镇级、县级侨联建设（江西第14条）：“%(name)s”是%(kind)s，不能登记")
            % {"name": organization.name, "kind": organization.get_kind_display()},
            "kind",
        )
    _required(group.name, "name", _("群名称"))
    if group.kind not in WechatGroupKind.values:
        _refuse(_("未知的微信群类型“%(value)s”：应为海外联谊群或侨界服务群") % {"value": group.kind}, "kind")
    if group.member_count is None or group.member_count < 0:
        _refuse(_("成员数应为 0 或正整数：%(value)s") % {"value": group.member_count}, "member_count")
    _not_future(group.counted_on, "counted_on", _("统计日期"))
    same = WechatGroup.objects.filter(organization=organization, name=group.name).exclude(pk=group.pk)
    if same.exists():
        _refuse(_("“%(org)s”已登记微信群“%(name)s”") % {"org": organization.name, "name": group.name}, "name")
    _model_check(group, ("organization",))


@transaction.atomic
def wechat_group_add(*, organization: Organization, actor, kind: str, name: str, member_count: int = 0,
                     counted_on: dt.date | None = None) -> WechatGroup:
    """Records a 地缘性微信群 of the organization. Refused for an organization without a tier (see `wechat_tier`);
    kept with a warning (`wechat_group_warning`) on a tier the clause does not call for in its place."""
    organization_editor_check(actor, organization)
    group = WechatGroup(organization=organization, kind=kind, name=_text(name or ""), member_count=member_count or 0,
                        counted_on=counted_on)
    _wechat_group_validate(group)
    group.save()
    return group


@transaction.atomic
def wechat_group_update(*, group: WechatGroup, actor, **changes) -> WechatGroup:
    """Changes a group's kind, name, member count or counting date."""
    organization_editor_check(actor, group.organization)
    group = _set_fields(group, changes, WECHAT_GROUP_FIELDS)
    _wechat_group_validate(group)
    group.save()
    return group


@transaction.atomic
def wechat_group_remove(*, group: WechatGroup, actor) -> None:
    _remove(group, group.organization, actor)


# ---- 1+N affiliated associations (Jiangxi 18, 19) --------------------------------------------------------------

AFFILIATED_FIELDS = ("kind", "name", "since")


def _affiliated_validate(association: AffiliatedAssociation) -> None:
    _required(association.name, "name", _("社团名称"))
    _not_future(association.since, "since", _("建立联系日期"))
    same = AffiliatedAssociation.objects.filter(organization=association.organization, name=association.name)
    if same.exclude(pk=association.pk).exists():
        _refuse(_("“%(org)s”已登记涉侨社团“%(name)s”") % {"org": association.organization.name, "name": association.name}, "name")
    _model_check(association, ("organization",))


@transaction.atomic
def affiliated_association_add(*, organization: Organization, actor, kind: str, name: str,
                               since: dt.date | None = None) -> AffiliatedAssociation:
    """1+N: a 涉侨社团 the organization leads (特聘专家委员会、侨创联盟、侨商会、侨青委、留联会、留学生眷属联谊会 …)."""
    organization_editor_check(actor, organization)
    association = AffiliatedAssociation(organization=organization, kind=kind, name=_text(name or ""), since=since)
    _affiliated_validate(association)
    association.save()
    return association


@transaction.atomic
def affiliated_association_update(*, association: AffiliatedAssociation, actor, **changes) -> AffiliatedAssociation:
    organization_editor_check(actor, association.organization)
    association = _set_fields(association, changes, AFFILIATED_FIELDS)
    _affiliated_validate(association)
    association.save()
    return association


@transaction.atomic
def affiliated_association_remove(*, association: AffiliatedAssociation, actor) -> None:
    _remove(association, association.organization, actor)


# ---- 1+Y overseas associations (Jiangxi 17, 24) ----------------------------------------------------------------

OVERSEAS_FIELDS = ("country", "name", "since")


def _overseas_validate(association: OverseasAssociation) -> None:
    _required(association.country, "country", _("国家(地区)"))
    _required(association.name, "name", _("社团名称"))
    _not_future(association.since, "since", _("结对日期"))
    same = OverseasAssociation.objects.filter(
        organization=association.organization, country=association.country, name=association.name
    )
    if same.exclude(pk=association.pk).exists():
        _refuse(
            _("“%(org)s”已与%(country)s的“%(name)s”结对")
            % {"org": association.organization.name, "country": association.country, "name": association.name},
            "name",
        )
    _model_check(association, ("organization",))


@transaction.atomic
def overseas_association_add(*, organization: Organization, actor, country: str, name: str,
                             since: dt.date | None = None) -> OverseasAssociation:
    """1+Y: an overseas association (海外侨团) paired with the organization."""
    organization_editor_check(actor, organization)
    association = OverseasAssociation(organization=organization, country=_text(country or ""), name=_text(name or ""), since=since)
    _overseas_validate(association)
    association.save()
    return association


@transaction.atomic
def overseas_association_update(*, association: OverseasAssociation, actor, **changes) -> OverseasAssociation:
    organization_editor_check(actor, association.organization)
    association = _set_fields(association, changes, OVERSEAS_FIELDS)
    _overseas_validate(association)
    association.save()
    return association


@transaction.atomic
def overseas_association_remove(*, association: OverseasAssociation, actor) -> None:
    _remove(association, association.organization, actor)


# ---- 地方侨联+高校侨联+校友会 (Jiangxi 16, 23) -------------------------------------------------------------------

ALUMNI_FIELDS = ("university_federation", "alumni_association", "since")


def university_choices(user):
    """The 高校侨联 a user may link with: those they see and those of the regions above their scope (as for a
    superior), never a dissolved one."""
    return superior_choices(user).filter(kind=OrganizationKind.UNIVERSITY)


def _alumni_validate(link: AlumniLink, actor) -> None:
    organization = link.organization
    if organization.kind in UNIT_KINDS | {OrganizationKind.ASSOCIATION}:
        _refuse(
            _("“地方侨联+高校侨联+校友会”由地方侨联建立：“%(name)s”是%(kind)s")
            % {"name": organization.name, "kind": organization.get_kind_display()},
        )
    university = link.university_federation if link.university_federation_id else None
    if university is None or not university_choices(actor).filter(pk=university.pk).exists():
        # the same words for a missing one and one outside the actor's reach: never confirm it exists
        _refuse(_("请选择您辖区内（或上级区划）的高校侨联"), "university_federation")
    _required(link.alumni_association, "alumni_association", _("校友会"))
    _not_future(link.since, "since", _("建立日期"))
    same = AlumniLink.objects.filter(
        organization=organization, university_federation=university, alumni_association=link.alumni_association
    )
    if same.exclude(pk=link.pk).exists():
        _refuse(_("已登记与“%(university)s”“%(alumni)s”的联系") % {"university": university.name, "alumni": link.alumni_association},
                "alumni_association")
    _model_check(link, ("organization", "university_federation"))


@transaction.atomic
def alumni_link_add(*, organization: Organization, actor, university_federation: Organization,
                    alumni_association: str, since: dt.date | None = None) -> AlumniLink:
    """地方侨联+高校侨联+校友会: the organization (a local federation) linked with a university federation the actor
    may name and an alumni association."""
    organization_editor_check(actor, organization)
    link = AlumniLink(organization=organization, university_federation=university_federation,
                      alumni_association=_text(alumni_association or ""), since=since)
    _alumni_validate(link, actor)
    link.save()
    return link


@transaction.atomic
def alumni_link_update(*, link: AlumniLink, actor, **changes) -> AlumniLink:
    organization_editor_check(actor, link.organization)
    link = _set_fields(link, changes, ALUMNI_FIELDS)
    _alumni_validate(link, actor)
    link.save()
    return link


@transaction.atomic
def alumni_link_remove(*, link: AlumniLink, actor) -> None:
    _remove(link, link.organization, actor)


# ---- 干部联系点 and their contact log (Jiangxi 12) -----------------------------------------------------------------

CONTACT_FIELDS = ("since",)
CADRE_ROLES = (Role.STAFF, Role.COUNTY_OFFICIAL)


def cadre_choices(organization: Organization):
    """Who may be the organization's contact cadre (Jiangxi 12, "侨联机关干部直接联系基层侨联"): active users with a
    staff or county-official role in the organization's region or a region above it."""
    above = Membership.objects.covering(organization.region).filter(role__in=CADRE_ROLES)
    return get_user_model().objects.filter(is_active=True, pk__in=above.values("user_id")).order_by("username")


def cadre_label(user) -> str:
    return user.first_name or user.get_username()


def _contact_validate(contact: CadreContact) -> None:
    organization = contact.organization
    if not contact.cadre_id or not cadre_choices(organization).filter(pk=contact.cadre_id).exists():
        _refuse(_("联系干部应为本组织所在地或上级的侨联工作人员、县级统战/侨联干部"), "cadre")
    if contact.since is None:
        _refuse(_("请填写联系起始日期"), "since")
    _not_future(contact.since, "since", _("联系起始日期"))
    same = CadreContact.objects.filter(organization=organization, cadre_id=contact.cadre_id).exclude(pk=contact.pk)
    if same.exists():
        _refuse(_("%(cadre)s已是“%(org)s”的联系干部") % {"cadre": cadre_label(contact.cadre), "org": organization.name}, "cadre")
    earliest = contact.logs.order_by("date").values_list("date", flat=True).first() if contact.pk else None
    if earliest and contact.since > earliest:
        _refuse(_("联系起始日期 %(since)s 晚于已记录的最早联系 %(first)s") % {"since": contact.since.isoformat(), "first": earliest.isoformat()},
                "since")


@transaction.atomic
def cadre_contact_add(*, organization: Organization, actor, cadre, since: dt.date) -> CadreContact:
    """干部联系点 (Jiangxi 12): a cadre assigned to guide, liaise with and help the organization, from `since`."""
    organization_editor_check(actor, organization)
    contact = CadreContact(organization=organization, cadre=cadre, since=since)
    _contact_validate(contact)
    contact.save()
    return contact


@transaction.atomic
def cadre_contact_update(*, contact: CadreContact, actor, **changes) -> CadreContact:
    """Changes the start date (another cadre is another contact point: remove this one, add that one)."""
    organization_editor_check(actor, contact.organization)
    contact = _set_fields(contact, changes, CONTACT_FIELDS)
    _contact_validate(contact)
    contact.save()
    return contact


@transaction.atomic
def cadre_contact_remove(*, contact: CadreContact, actor) -> None:
    """Ends the contact point, with its log."""
    _remove(contact, contact.organization, actor)


@transaction.atomic
def contact_log_add(*, contact: CadreContact, actor, date: dt.date, way: str, note: str) -> CadreContactLog:
    """One contact of the cadre with the organization: when, how (走访、电话、会议座谈 …) and what was done."""
    organization_editor_check(actor, contact.organization)
    if date is None:
        _refuse(_("请填写联系日期"), "date")
    _not_future(date, "date", _("联系日期"))
    if date < contact.since:
        _refuse(_("联系日期 %(date)s 早于联系起始日期 %(since)s") % {"date": date.isoformat(), "since": contact.since.isoformat()}, "date")
    log = CadreContactLog(contact=contact, date=date, way=way, note=_text(note or ""), recorded_by=actor)
    _required(log.note, "note", _("联系内容"))
    _model_check(log, ("contact", "recorded_by"))
    log.save()
    return log


@transaction.atomic
def contact_log_remove(*, log: CadreContactLog, actor) -> None:
    _remove(log, log.contact.organization, actor)


# ---- activity attachments ------------------------------------------------------------------------------------------

ATTACHMENTS_PER_ACTIVITY = 20


@transaction.atomic
def activity_attachment_add(*, activity: Activity, actor, file) -> ActivityAttachment:
    """A file of the activity (photo, sign-in sheet, minutes): PDF, PNG/JPEG or Office, judged by its content, within
    the document size limit; kept under MEDIA_ROOT and downloaded only through the scoped download page."""
    organization_editor_check(actor, activity.organization)
    if not file:
        _refuse(_("请选择要上传的文件"), "file")
    if activity.attachments.count() >= ATTACHMENTS_PER_ACTIVITY:
        _refuse(_("每项活动最多 %(n)d 个附件") % {"n": ATTACHMENTS_PER_ACTIVITY}, "file")
    validate_document(file, field="file")
    name = file.name.rsplit("/", 1)[-1]
    attachment = ActivityAttachment(activity=activity, name=name[:255], size=file.size, uploaded_by=actor)
    attachment.file.save(name, file, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def activity_attachment_remove(*, attachment: ActivityAttachment, actor) -> None:
    """Removes the attachment, and its file once the removal is committed."""
    _remove(attachment, attachment.activity.organization, actor)
    storage, name = attachment.file.storage, attachment.file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))
