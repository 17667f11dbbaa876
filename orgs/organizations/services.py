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
from orgs.organizations.election import Candidate, Congress
from orgs.organizations.founding import (
    AGREEMENTS,
    BY_ACTION,
    CONSULT,
    CREATE,
    FEDERATION,
    NOMINATE,
    OWN,
    UNITED_FRONT,
    OrganizationStatus,
    Transition,
    round_agreed,
    round_answers,
    transitions_from,
)
from orgs.organizations.models import (
    UNIT_KINDS,
    Activity,
    Employment,
    FoundingStep,
    LeaderPosition,
    LeadershipMember,
    Organization,
    OrganizationKind,
    organization_field_errors,
)
from orgs.organizations.network import activity_attachment_add
from orgs.organizations.selectors import SuperiorBodies, superior_bodies, superior_region
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

__all__ = ["SuperiorBodies", "superior_bodies", "superior_region"]  # reads kept where the pages import them from


def transition_label(transition: Transition, bodies: SuperiorBodies | None) -> str:
    """The label of a step as offered to a user: an answer names its body ("玉溪市委统战部同意（录入复函）")."""
    if transition.named and bodies is not None and bodies.region is not None:
        return str(transition.named) % {"body": bodies.name_of(transition.body)}
    return str(transition.label)


def may_act(user, organization: Organization, side: str) -> bool:
    scope = user_scope(user)
    if scope.is_admin:
        return True
    if side == OWN:
        return scope.edits_region(organization.region)
    region = superior_region(organization)
    return region is not None and scope.edits_region(region)


def _guard_holds(transition: Transition, steps: list[FoundingStep]) -> bool:
    if transition.guard in AGREEMENTS:
        submission, bodies = AGREEMENTS[transition.guard]
        return round_agreed(steps, submission, bodies)
    if transition.guard == "not_answered":
        return transition.body not in round_answers(steps, transition.answers)
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


def _guard_refusal(transition: Transition, organization: Organization, steps: list[FoundingStep]) -> NoReturn:
    bodies = superior_bodies(organization)
    if transition.guard == "consultation_agreed":
        answers = round_answers(steps, CONSULT)
        missing = [bodies.name_of(b) for b in (UNITED_FRONT, FEDERATION) if b not in answers]
        _refuse(
            _("%(bodies)s尚未答复同意，不能记录同级党组织批准（玉溪方案 三(一)：经向上级统战、侨联组织征求意见后，报同级党组织批准）")
            % {"bodies": "、".join(missing)},
            "action",
        )
    if transition.guard == "candidates_agreed":
        _refuse(
            _("%(body)s尚未同意候选人名单，不能记录代表大会（玉溪方案 三(一)：候选人名单征求上一级侨联意见后确定）")
            % {"body": bodies.federation},
            "action",
        )
    _refuse(_("%(body)s在本轮已答复，无需重复答复") % {"body": bodies.name_of(transition.body)}, "action")


# ---- the records of two steps: the candidate list and the congress ------------------------------------------------


def _choice(value, choices, label: str, field: str, row: int) -> str:
    if value not in choices.values:
        _refuse(_("第 %(row)s 行：%(label)s“%(value)s”无效") % {"row": row, "label": label, "value": value}, field)
    return str(value)


def _clean_candidates(candidates) -> list[dict]:
    """The candidate list as submitted: names, intended positions, 专兼职, 归侨侨眷; at least one, a 主席 among
    them, no name twice."""
    rows = [c for c in (candidates or ()) if str(c.get("name") or "").strip()]
    if not rows:
        _refuse(_("请填写候选人名单（至少一人，含主席候选人）"), "candidates")
    cleaned, seen = [], set()
    for number, row in enumerate(rows, start=1):
        name = str(row["name"]).strip()
        if len(name) > 64:
            _refuse(_("第 %(row)s 行：姓名“%(value)s”超过 64 个字") % {"row": number, "value": name}, "candidates")
        if name in seen:
            _refuse(_("第 %(row)s 行：候选人“%(value)s”重复") % {"row": number, "value": name}, "candidates")
        seen.add(name)
        cleaned.append({
            "name": name,
            "position": _choice(row.get("position"), LeaderPosition, _("拟任职务"), "candidates", number),
            "employment": _choice(row.get("employment") or Employment.PART_TIME, Employment, _("专兼职"), "candidates", number),
            "is_returned_or_relative": bool(row.get("is_returned_or_relative")),
        })
    if not any(row["position"] == LeaderPosition.CHAIR for row in cleaned):
        _refuse(_("候选人名单中没有主席候选人"), "candidates")
    return cleaned


def current_candidates(organization: Organization) -> list[Candidate]:
    """The candidate list of the latest submission (empty before the first)."""
    latest = FoundingStep.objects.filter(organization=organization, action=NOMINATE).order_by("-pk").first()
    return list(latest.candidates.all()) if latest else []


def _clean_congress(organization: Organization, delegates_present, delegates_expected, elected) -> list[tuple[Candidate, str]]:
    """The congress as recorded: delegates present (more than half of those expected, when given) and who of the
    agreed list was elected to which position (a 主席 among them, each candidate once)."""
    if not delegates_present or delegates_present < 1:
        _refuse(_("请填写实到代表人数"), "delegates_present")
    if delegates_expected is not None:
        if delegates_present > delegates_expected:
            _refuse(
                _("实到代表 %(present)s 人多于应到代表 %(expected)s 人")
                % {"present": delegates_present, "expected": delegates_expected},
                "delegates_present",
            )
        if delegates_present * 2 <= delegates_expected:
            _refuse(
                _("实到代表 %(present)s 人未超过应到代表 %(expected)s 人的半数，不能进行选举")
                % {"present": delegates_present, "expected": delegates_expected},
                "delegates_present",
            )
    candidates = {c.pk: c for c in current_candidates(organization)}
    chosen: list[tuple[Candidate, str]] = []
    for number, row in enumerate(elected or (), start=1):
        key = row.get("candidate")
        candidate = candidates.get(key.pk if isinstance(key, Candidate) else key)
        if candidate is None:
            _refuse(_("第 %(row)s 行：“%(value)s”不在上级侨联同意的候选人名单中") % {"row": number, "value": key}, "elected")
        if any(c.pk == candidate.pk for c, _position in chosen):
            _refuse(_("第 %(row)s 行：候选人“%(value)s”重复") % {"row": number, "value": candidate.name}, "elected")
        chosen.append((candidate, _choice(row.get("position"), LeaderPosition, _("当选职务"), "elected", number)))
    if not chosen:
        _refuse(_("请填写当选人员（从候选人名单中选择）"), "elected")
    if not any(position == LeaderPosition.CHAIR for _candidate, position in chosen):
        _refuse(_("当选人员中没有主席"), "elected")
    return chosen


def _payload_refused(transition: Transition, candidates, delegates_present, elected) -> None:
    if candidates and transition.payload != "candidates":
        _refuse(_("只有“报送候选人名单”一步可以提交候选人"), "candidates")
    if (elected or delegates_present) and transition.payload != "congress":
        _refuse(_("只有“召开代表大会”一步可以提交代表人数和当选人员"), "elected")


# ---- the founding procedure ------------------------------------------------------------------------------


@transaction.atomic
def organization_transition(
    *, organization: Organization, action: str, actor, date: dt.date, note: str = "", document=None,
    candidates=None, delegates_present: int | None = None, delegates_expected: int | None = None, elected=None,
) -> FoundingStep:
    """Records one step of the founding procedure and moves the status as the table says. Refuses an
    unknown or illegal step, a step the actor may not take, a future date or one before the previous step.
    `submit_candidates` carries the candidate list (`candidates`: name, position, employment,
    is_returned_or_relative); `hold_congress` the delegates and who was elected (`elected`: candidate, position),
    who become the leading body with the congress date as the start of their term.
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
        _guard_refusal(transition, organization, steps)
    previous = max(steps, key=lambda s: (s.date, s.pk)) if steps else None
    _check_date(date, previous)
    _payload_refused(transition, candidates, delegates_present, elected)
    if transition.document_required and not document:
        _refuse(
            _("“%(step)s”须附%(document)s") % {"step": transition.label, "document": transition.document_hint},
            "document",
        )
    if document:
        validate_document(document)
    nominated = _clean_candidates(candidates) if transition.payload == "candidates" else []
    chosen = (
        _clean_congress(organization, delegates_present, delegates_expected, elected)
        if transition.payload == "congress" else []
    )
    step = FoundingStep(
        organization=organization, action=action, from_status=old_status,
        to_status=transition.target or old_status, date=date, actor=actor, note=(note or "").strip(),
    )
    if document:
        step.document.save(document.name.rsplit("/", 1)[-1], document, save=False)
    step.save()
    if nominated:
        Candidate.objects.bulk_create(
            Candidate(organization=organization, nomination=step, order=order, **row) for order, row in enumerate(nominated)
        )
    if transition.payload == "congress":
        _record_congress(organization, step, chosen, delegates_present, delegates_expected)
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


def _record_congress(organization: Organization, step: FoundingStep, chosen, present, expected) -> None:
    """The congress and its result: the elected become members of the leading body from the congress date."""
    Congress.objects.create(organization=organization, step=step, delegates_present=present, delegates_expected=expected)
    leaders = LeadershipMember.objects.bulk_create(
        LeadershipMember(
            organization=organization, name=candidate.name, position=position, employment=candidate.employment,
            is_returned_or_relative=candidate.is_returned_or_relative, term_start=step.date,
        )
        for candidate, position in chosen
    )
    for (candidate, position), leader in zip(chosen, leaders, strict=True):
        candidate.elected_position, candidate.leader = position, leader
    Candidate.objects.bulk_update([candidate for candidate, _position in chosen], ["elected_position", "leader"])


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
