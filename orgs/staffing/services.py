"""Writes of 机构登记与人员配备: a step of the office or credit-code procedure (`establishment_step`, the ONLY place
their statuses change), the 统战部 section responsible, and the posts of the staff.

Every write is one transaction, refused with a `ValidationError` whose Chinese message names the field and the value;
nothing is written then. Only users who may change the organization's region write (leadership writes nothing)."""
from __future__ import annotations

import datetime as dt
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.common.documents import validate_document
from orgs.common.identifiers import IdentifierError, validate_uscc
from orgs.homes.services import organization_editor_check
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Employment, Organization
from orgs.staffing.models import (
    CreditCodeStatus,
    Establishment,
    EstablishmentStep,
    PostFunding,
    StaffPost,
)
from orgs.staffing.workflow import BY_ACTION, CHARTER_CLAUSE, CREDIT_CODE, OFFICE, office_allowed

POST_FIELDS = ("title", "holder", "employment", "funding", "is_returned_or_relative")


def _refuse(message: str, field: str | None = None) -> NoReturn:
    raise ValidationError({field: message} if field else message)


def _locked_establishment(organization: Organization) -> Establishment:
    Establishment.objects.get_or_create(organization=organization)
    return Establishment.objects.select_for_update().get(organization=organization)


def office_refusal(organization: Organization) -> str | None:
    """Why the organization may not set up an office (the charter's rule), or None."""
    if office_allowed(organization.kind, organization.region.is_key_area):
        return None
    return _("办事机构只能由县级侨联和重点侨乡的乡镇（街道）侨联设立（章程：“%(clause)s”）：“%(name)s”是%(kind)s%(where)s") % {
        "clause": CHARTER_CLAUSE, "name": organization.name, "kind": organization.get_kind_display(),
        "where": _("，所在乡镇“%(region)s”不是重点侨务地区") % {"region": organization.region.name}
        if organization.kind == "township" else "",
    }


@transaction.atomic
def establishment_step(*, organization: Organization, actor, action: str, date: dt.date, note: str = "",
                       document=None, code: str = "") -> EstablishmentStep:
    """Records one step of the office or credit-code procedure and moves its status. Refuses an unknown step, a step
    out of order, an office where the charter allows none, a future date or one before the track's previous step, a
    missing or invalid code when assigning one, a code another organization holds, and an actor who may not change
    the organization."""
    organization = Organization.objects.select_for_update(of=("self",)).select_related("region").get(pk=organization.pk)
    organization_editor_check(actor, organization)
    step_def = BY_ACTION.get(action)
    if step_def is None:
        _refuse(_("未知的步骤“%(action)s”") % {"action": action}, "action")
    if organization.status == OrganizationStatus.DISSOLVED:
        _refuse(_("“%(name)s”已撤销，不能办理“%(step)s”") % {"name": organization.name, "step": step_def.label}, "action")
    if step_def.track == OFFICE and (why := office_refusal(organization)):
        _refuse(why, "action")
    establishment = _locked_establishment(organization)
    status_field = "office_status" if step_def.track == OFFICE else "credit_code_status"
    current = getattr(establishment, status_field)
    if current != step_def.source:
        label = establishment.get_office_status_display() if step_def.track == OFFICE else establishment.get_credit_code_status_display()
        _refuse(
            _("“%(name)s”的%(track)s当前为“%(status)s”，不能办理“%(step)s”")
            % {"name": organization.name, "track": _("办事机构") if step_def.track == OFFICE else _("统一社会信用代码"),
               "status": label, "step": step_def.label},
            "action",
        )
    if date is None:
        _refuse(_("请填写日期"), "date")
    if date > timezone.localdate():
        _refuse(_("日期 %(value)s 晚于今天，不能是将来的日期") % {"value": date.isoformat()}, "date")
    track_actions = [a.action for a in BY_ACTION.values() if a.track == step_def.track]
    previous = (
        EstablishmentStep.objects.filter(organization=organization, action__in=track_actions).order_by("-date", "-pk").first()
    )
    if previous is not None and date < previous.date:
        _refuse(
            _("日期 %(value)s 早于上一步“%(step)s”的日期 %(previous)s")
            % {"value": date.isoformat(), "step": BY_ACTION[previous.action].label if previous.action in BY_ACTION else previous.action,
               "previous": previous.date.isoformat()},
            "date",
        )
    code = (code or "").strip()
    if step_def.track == CREDIT_CODE and step_def.target == CreditCodeStatus.ASSIGNED:
        if not code:
            _refuse(_("赋码时请填写统一社会信用代码"), "code")
        try:
            code = validate_uscc(code)
        except IdentifierError as error:
            _refuse(_("统一社会信用代码“%(value)s”无效：%(reason)s") % {"value": code, "reason": str(error)}, "code")
        holder = Establishment.objects.filter(credit_code=code).exclude(pk=establishment.pk).select_related("organization").first()
        if holder is not None:
            _refuse(_("统一社会信用代码“%(value)s”已登记给“%(name)s”") % {"value": code, "name": holder.organization.name}, "code")
    elif code:
        _refuse(_("只有“赋予统一社会信用代码”一步填写代码（填写了“%(value)s”）") % {"value": code}, "code")
    if document:
        validate_document(document)
    step = EstablishmentStep(organization=organization, action=action, date=date, code=code, note=(note or "").strip(), actor=actor)
    if document:
        step.document.save(document.name.rsplit("/", 1)[-1], document, save=False)
    step.save()
    setattr(establishment, status_field, step_def.target)
    fields = [status_field, "updated_at"]
    if code:
        establishment.credit_code = code
        fields.append("credit_code")
    establishment.save(update_fields=fields)
    return step


@transaction.atomic
def responsible_section_set(*, organization: Organization, actor, responsible_section: str) -> Establishment:
    """Names the 统战部 section (科室) responsible for the federation's daily work while it has no office (Yuxi plan
    三(三): "在县（市、区）委统战部设立内设科室负责侨联日常工作，或者指定某内设科室负责侨联日常工作")."""
    organization_editor_check(actor, organization)
    value = (responsible_section or "").strip()
    if len(value) > 64:
        _refuse(_("科室名称过长（%(n)d 字，最多 64 字）：“%(value)s”") % {"n": len(value), "value": value[:20]}, "responsible_section")
    establishment = _locked_establishment(organization)
    establishment.responsible_section = value
    establishment.save(update_fields=["responsible_section", "updated_at"])
    return establishment


def _post_validate(post: StaffPost) -> None:
    if not post.title:
        _refuse(_("请填写岗位名称"), "title")
    if post.employment not in Employment.values:
        _refuse(_("专兼职“%(value)s”无效：应为%(choices)s") % {"value": post.employment, "choices": "、".join(str(label) for label in Employment.labels)},
                "employment")
    if post.funding not in PostFunding.values:
        _refuse(_("保障方式“%(value)s”无效：应为%(choices)s") % {"value": post.funding, "choices": "、".join(str(label) for label in PostFunding.labels)},
                "funding")
    for field, limit in (("title", 64), ("holder", 64)):
        value = getattr(post, field)
        if len(value) > limit:
            _refuse(_("“%(value)s”过长（%(n)d 字，最多 %(limit)d 字）") % {"value": value[:20], "n": len(value), "limit": limit}, field)


@transaction.atomic
def staff_post_add(*, organization: Organization, actor, title: str, funding: str, holder: str = "",
                   employment: str = Employment.PART_TIME, is_returned_or_relative: bool = False) -> StaffPost:
    """Adds a post of the organization's staff (Yuxi plan 三(三): 专、兼职结合; 编制、政府购买服务、公益性岗位)."""
    organization_editor_check(actor, organization)
    post = StaffPost(organization=organization, title=(title or "").strip(), holder=(holder or "").strip(), employment=employment,
                     funding=funding, is_returned_or_relative=bool(is_returned_or_relative))
    _post_validate(post)
    post.save()
    return post


@transaction.atomic
def staff_post_update(*, post: StaffPost, actor, **changes) -> StaffPost:
    """Changes a post's title, holder, 专兼职, funding or 归侨侨眷 mark."""
    organization_editor_check(actor, post.organization)
    unknown = sorted(set(changes) - set(POST_FIELDS))
    if unknown:
        _refuse(_("不能在此修改：%(fields)s") % {"fields": "、".join(unknown)})
    fresh = StaffPost.objects.select_for_update().get(pk=post.pk)
    for name, value in changes.items():
        setattr(fresh, name, value.strip() if isinstance(value, str) else value)
    _post_validate(fresh)
    fresh.save()
    return fresh


@transaction.atomic
def staff_post_remove(*, post: StaffPost, actor) -> None:
    organization_editor_check(actor, post.organization)
    post.delete()
