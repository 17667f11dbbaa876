"""Writes of organizations: creating one (in `planned`), changing its facts, and the founding procedure's
steps (`organization_transition`, the ONLY place an organization's status changes). Who may do which step
is decided by `orgs.organizations.founding` (see its docstring); this module applies it.

Every refusal is a `ValidationError` with a Chinese message naming the field and value; nothing is
written then (one transaction per call)."""
from __future__ import annotations

import datetime as dt
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.access.scoping import user_scope
from orgs.common.documents import validate_document
from orgs.homes.services import organization_editor_check
from orgs.organizations.founding import (
    BY_ACTION,
    CREATE,
    OWN,
    OrganizationStatus,
    Transition,
    transitions_from,
)
from orgs.organizations.models import (
    UNIT_KINDS,
    Activity,
    FoundingStep,
    LeadershipMember,
    Organization,
    OrganizationKind,
    organization_field_errors,
)
from orgs.organizations.network import activity_attachment_add
from orgs.organizations.signals import organization_status_changed
from orgs.regions.models import Region

# The facts of an organization its own side may change (never the status: only transitions change it).
EDITABLE_FIELDS = (
    "name", "superior", "founded_on", "budget_funded", "budget_amount", "responsible_leader", "responsible_leader_is_returned",
    "daily_affairs_cadre", "daily_affairs_cadre_is_returned",
)
# Kinds of which a region holds at most one that is not dissolved (one 县级侨联 per county …).
ONE_PER_REGION = frozenset({OrganizationKind.COUNTY, OrganizationKind.TOWNSHIP, OrganizationKind.VILLAGE})


# ---- who may do what -----------------------------------------------------------------------------------


def superior_region(organization: Organization) -> Region | None:
    """The region whose editors act for the superior federation: the superior organization's region, or
    without one the parent region of the organization's region."""
    superior = organization.superior if organization.superior_id else None
    if superior is not None:
        return superior.region
    return organization.region.parent


def may_act(user, organization: Organization, side: str) -> bool:
    scope = user_scope(user)
    if scope.is_admin:
        return True
    if side == OWN:
        return scope.edits_region(organization.region)
    region = superior_region(organization)
    return region is not None and scope.edits_region(region)


def _consultation_agreed(steps: list[FoundingStep]) -> bool:
    """Whether the superior agreed since the plan was last submitted (steps in the order recorded)."""
    agreed = False
    for step in steps:
        if step.action == "submit_consultation":
            agreed = False
        elif step.action == "agree_consultation":
            agreed = True
    return agreed


def _guard_holds(transition: Transition, steps: list[FoundingStep]) -> bool:
    if transition.guard == "consultation_agreed":
        return _consultation_agreed(steps)
    if transition.guard == "not_agreed":
        return not _consultation_agreed(steps)
    return True


def _ordered_steps(organization: Organization) -> list[FoundingStep]:
    return list(FoundingStep.objects.filter(organization=organization).order_by("pk"))


def allowed_transitions(user, organization: Organization, steps: list[FoundingStep] | None = None) -> list[Transition]:
    """The next steps this user may take now (the only ones the pages and the API offer)."""
    steps = _ordered_steps(organization) if steps is None else sorted(steps, key=lambda s: s.pk)
    return [
        t for t in transitions_from(organization.status) if may_act(user, organization, t.side) and _guard_holds(t, steps)
    ]


def _side_words(organization: Organization, side: str) -> str:
    if side == OWN:
        return _("本组织所在地（%(region)s）有修改权限的工作人员") % {"region": organization.region.name}
    region = superior_region(organization)
    return _("上级侨联（%(region)s）的工作人员") % {"region": region.name if region else _("上级")}


def _refuse(message: str, field: str | None = None) -> NoReturn:
    raise ValidationError({field: message} if field else message)


def _check_date(date: dt.date, previous: FoundingStep | None, *, field: str = "date") -> None:
    if date is None:
        _refuse(_("请填写日期"), field)
    if date > timezone.localdate():
        _refuse(_("日期 %(value)s 晚于今天，不能是将来的日期") % {"value": date.isoformat()}, field)
    if previous is not None and date < previous.date:
        _refuse(
            _("日期 %(value)s 早于上一步“%(step)s”的日期 %(previous)s")
            % {"value": date.isoformat(), "step": previous.action_label, "previous": previous.date.isoformat()},
            field,
        )


# ---- the founding procedure ------------------------------------------------------------------------------


@transaction.atomic
def organization_transition(
    *, organization: Organization, action: str, actor, date: dt.date, note: str = "", document=None
) -> FoundingStep:
    """Records one step of the founding procedure and moves the status as the table says. Refuses an
    unknown or illegal step, a step the actor may not take, a future date or one before the previous step.
    Sends `organization_status_changed` after the commit when the status changed."""
    given = organization
    organization = Organization.objects.select_for_update(of=("self",)).select_related("region", "superior__region").get(pk=given.pk)
    transition = BY_ACTION.get(action)
    if transition is None:
        _refuse(_("未知的步骤“%(action)s”") % {"action": action}, "action")
    old_status = organization.status
    if old_status not in transition.sources:
        _refuse(
            _("“%(name)s”当前状态为“%(status)s”，不能办理“%(step)s”")
            % {"name": organization.name, "status": organization.get_status_display(), "step": transition.label},
            "action",
        )
    if not user_scope(actor).can_write or not may_act(actor, organization, transition.side):
        _refuse(
            _("“%(step)s”只能由%(who)s办理") % {"step": transition.label, "who": _side_words(organization, transition.side)},
            "action",
        )
    steps = _ordered_steps(organization)
    if not _guard_holds(transition, steps):
        if transition.guard == "consultation_agreed":
            _refuse(_("上级侨联尚未答复同意，不能记录同级党组织批准"), "action")
        _refuse(_("上级侨联已答复同意，无需重复答复"), "action")
    previous = max(steps, key=lambda s: (s.date, s.pk)) if steps else None
    _check_date(date, previous)
    if document:
        validate_document(document)
    step = FoundingStep(
        organization=organization, action=action, from_status=old_status,
        to_status=transition.target or old_status, date=date, actor=actor, note=(note or "").strip(),
    )
    if document:
        step.document.save(document.name.rsplit("/", 1)[-1], document, save=False)
    step.save()
    new_status = transition.target
    if new_status and new_status != old_status:
        organization.status = new_status
        fields = ["status", "updated_at"]
        if new_status == OrganizationStatus.ACTIVE and not organization.founded_on:
            congress = next((s for s in reversed(steps) if s.action == "hold_congress"), None)
            organization.founded_on = congress.date if congress else date
            fields.append("founded_on")
        organization.save(update_fields=fields)
        given.status, given.founded_on = organization.status, organization.founded_on
        transaction.on_commit(
            lambda: organization_status_changed.send(
                sender=Organization, organization=organization, old_status=old_status, new_status=new_status,
                actor=actor, step=step,
            )
        )
    return step


# ---- creating and changing organizations ---------------------------------------------------------------


def _check_scope(actor, organization: Organization, covered_regions) -> None:
    scope = user_scope(actor)
    if not scope.can_write:
        _refuse(_("只读角色不能创建或修改侨联组织"))
    if not scope.edits_region(organization.region):
        _refuse(_("您无权在“%(region)s”创建或修改侨联组织") % {"region": organization.region.path}, "region")
    for region in covered_regions or ():
        if not scope.edits_region(region):
            _refuse(_("联合覆盖的区划“%(region)s”不在您的辖区内") % {"region": region.path}, "covered_regions")


def _check_unique(organization: Organization) -> None:
    if organization.kind not in ONE_PER_REGION or organization.unit_id:
        return
    existing = (
        Organization.objects.filter(region=organization.region, kind=organization.kind)
        .exclude(status=OrganizationStatus.DISSOLVED)
        .exclude(pk=organization.pk)
        .first()
    )
    if existing:
        _refuse(
            _("%(region)s已有%(kind)s“%(name)s”（%(status)s），不能重复成立")
            % {"region": organization.region.name, "kind": organization.get_kind_display(), "name": existing.name,
               "status": existing.get_status_display()},
            "kind",
        )


def _validate(organization: Organization) -> None:
    errors = organization_field_errors(organization)
    if organization.unit_id and organization.kind not in UNIT_KINDS | {
        OrganizationKind.BRANCH, OrganizationKind.GROUP, OrganizationKind.WORKSTATION, OrganizationKind.ASSOCIATION,
    }:
        errors.setdefault("unit", _("%(kind)s不设在单位内，请不要选择单位") % {"kind": organization.get_kind_display()})
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def organization_create(
    *, actor, name: str, kind: str, region: Region, unit=None, superior: Organization | None = None,
    covered_regions=(), planned_on: dt.date | None = None, note: str = "", **facts,
) -> Organization:
    """A new organization in `planned` (列入成立计划), with its first step recorded. A 跨区域联合侨联
    names the regions it covers (at least two with its own region)."""
    planned_on = planned_on or timezone.localdate()
    organization = Organization(
        name=(name or "").strip(), kind=kind, region=region, unit=unit, superior=superior,
        status=OrganizationStatus.PLANNED, **{k: v for k, v in facts.items() if k in EDITABLE_FIELDS},
    )
    _check_scope(actor, organization, covered_regions)
    if not organization.name:
        _refuse(_("请填写组织名称"), "name")
    _validate(organization)
    covered = [r for r in (covered_regions or ()) if r.pk != region.pk]
    if kind == OrganizationKind.JOINT and not covered:
        _refuse(_("跨区域联合侨联应覆盖多个区划：请选择除所在区划外至少一个联合覆盖的区划"), "covered_regions")
    if kind != OrganizationKind.JOINT and covered:
        _refuse(_("只有跨区域联合侨联可以选择联合覆盖的区划"), "covered_regions")
    _check_unique(organization)
    _check_date(planned_on, None, field="planned_on")
    organization.save()
    if covered:
        organization.covered_regions.set(covered)
    FoundingStep.objects.create(
        organization=organization, action=CREATE, from_status="", to_status=OrganizationStatus.PLANNED,
        date=planned_on, actor=actor, note=(note or "").strip(),
    )
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, actor, **changes) -> Organization:
    """Changes an organization's facts (name, superior, funding, responsible people …; the office and registration are
    `orgs.staffing`'s steps);
    never its status, kind, region or unit."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        _refuse(_("不能在此修改：%(fields)s（状态只能通过成立程序变更）") % {"fields": "、".join(sorted(unknown))})
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _check_scope(actor, organization, ())
    for field, value in changes.items():
        setattr(organization, field, value.strip() if isinstance(value, str) else value)
    if not organization.name:
        _refuse(_("请填写组织名称"), "name")
    _validate(organization)
    organization.save()
    return organization


@transaction.atomic
def activity_create(*, organization: Organization, actor, duty: str, title: str, held_on: dt.date,
                    participants: int = 0, description: str = "", visits_left_behind_children: bool = False,
                    visits_empty_nest_elderly: bool = False, attachment=None) -> Activity:
    """Logs an activity (they feed 有活动), with a first attachment when one is given (more are added on its page)."""
    organization_editor_check(actor, organization)
    activity = Activity(
        organization=organization, duty=duty, title=(title or "").strip(), held_on=held_on,
        participants=participants or 0, description=(description or "").strip(),
        visits_left_behind_children=visits_left_behind_children, visits_empty_nest_elderly=visits_empty_nest_elderly,
        recorded_by=actor,
    )
    activity.full_clean(exclude=["organization", "recorded_by"])
    if attachment:
        validate_document(attachment, field="attachment")
    activity.save()
    if attachment:
        activity_attachment_add(activity=activity, actor=actor, file=attachment)
    return activity


@transaction.atomic
def leader_add(*, organization: Organization, actor, name: str, position: str, employment: str,
               is_returned_or_relative: bool, term_start: dt.date, term_end: dt.date | None = None) -> LeadershipMember:
    """Adds a member of the leading body."""
    organization_editor_check(actor, organization)
    member = LeadershipMember(
        organization=organization, name=(name or "").strip(), position=position, employment=employment,
        is_returned_or_relative=is_returned_or_relative, term_start=term_start, term_end=term_end,
    )
    member.full_clean(exclude=["organization"])
    member.save()
    return member
