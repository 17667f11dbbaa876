"""Writes of trainings, their attendance and the volunteer register (Jiangxi 10, 40; Yuxi 三(五)).

Each service checks that the actor may change the organization concerned (a training: its organiser), runs in
one transaction and refuses bad input with a `ValidationError` naming the field and the value; nothing is written
then. Leadership (read-only) is refused by the same check."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.access.scoping import encloses
from orgs.common.identifiers import IdentifierError, validate_phone
from orgs.common.phones import PHONE_COLUMNS
from orgs.homes.services import organization_editor_check
from orgs.organizations.models import LeadershipMember, Organization
from orgs.training.models import AttendeeRole, Training, TrainingAttendance, Volunteer

# A session longer than this is typed wrongly (a 15-day course is about 120 学时).
MAX_HOURS = Decimal("500")
LEADER_ROLES = frozenset({AttendeeRole.CADRE, AttendeeRole.HOME_HEAD})


def _not_future(value: dt.date | None, field: str, label: str) -> None:
    if value is None:
        raise ValidationError({field: _("请填写%(label)s") % {"label": label}})
    if value > timezone.localdate():
        raise ValidationError({field: _("%(label)s %(value)s 不能是将来的日期") % {"label": label, "value": value.isoformat()}})


def _required(value: str, field: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: _("请填写%(label)s") % {"label": label}})
    return text


# ---- volunteers ------------------------------------------------------------------------------------------------


def _volunteer_values(*, name: str, phone: str, is_returned_or_relative: bool, skills: str, joined_on: dt.date | None,
                      active: bool) -> dict:
    name = _required(name, "name", _("姓名"))
    _not_future(joined_on, "joined_on", _("加入日期"))
    try:
        phone = validate_phone(phone or "")
    except IdentifierError as error:
        raise ValidationError({"phone": str(error)}) from None
    return {"name": name, "phone": phone, "is_returned_or_relative": bool(is_returned_or_relative),
            "skills": (skills or "").strip(), "joined_on": joined_on, "active": bool(active)}


@transaction.atomic
def volunteer_add(*, organization: Organization, actor, name: str, joined_on: dt.date | None, phone: str = "",
                  is_returned_or_relative: bool = False, skills: str = "", active: bool = True) -> Volunteer:
    """Registers a volunteer with the organization (培养侨联志愿者, Jiangxi 10)."""
    organization_editor_check(actor, organization)
    values = _volunteer_values(name=name, phone=phone, is_returned_or_relative=is_returned_or_relative, skills=skills,
                               joined_on=joined_on, active=active)
    return Volunteer.objects.create(organization=organization, **values)


@transaction.atomic
def volunteer_update(*, volunteer: Volunteer, actor, name: str, joined_on: dt.date | None, phone: str = "",
                     is_returned_or_relative: bool = False, skills: str = "", active: bool = True) -> Volunteer:
    """Changes a volunteer's record (a volunteer who left is kept, not active, with the trainings attended)."""
    organization_editor_check(actor, volunteer.organization)
    values = _volunteer_values(name=name, phone=phone, is_returned_or_relative=is_returned_or_relative, skills=skills,
                               joined_on=joined_on, active=active)
    for field, value in values.items():
        setattr(volunteer, field, value)
    volunteer.save(update_fields=[*(name for name in values if name != "phone"), *PHONE_COLUMNS])
    # the attendance keeps the name it was recorded with only for people without a record
    volunteer.training_attendances.update(name=volunteer.name)
    return volunteer


@transaction.atomic
def volunteer_remove(*, volunteer: Volunteer, actor) -> None:
    """Removes a volunteer registered by mistake; the trainings they attended keep them by name."""
    organization_editor_check(actor, volunteer.organization)
    volunteer.delete()


# ---- trainings -------------------------------------------------------------------------------------------------


def _training_values(*, held_on: dt.date | None, topic: str, hours, place: str, note: str) -> dict:
    topic = _required(topic, "topic", _("培训主题"))
    _not_future(held_on, "held_on", _("培训日期"))
    try:
        hours = Decimal(str(hours)) if hours not in (None, "") else None
    except InvalidOperation:
        raise ValidationError({"hours": _("学时“%(value)s”不是数字") % {"value": hours}}) from None
    if hours is None or hours <= 0 or hours > MAX_HOURS:
        raise ValidationError({"hours": _("学时应大于 0 且不超过 %(max)s，实为 %(value)s") % {"max": MAX_HOURS, "value": hours}})
    return {"held_on": held_on, "topic": topic, "hours": hours.quantize(Decimal("0.1")), "place": (place or "").strip(),
            "note": (note or "").strip()}


@transaction.atomic
def training_create(*, organizer: Organization, actor, held_on: dt.date | None, topic: str, hours, place: str = "",
                    note: str = "") -> Training:
    """Records a training session the organization held (Jiangxi 40; Yuxi 三(五)); only sessions already held."""
    organization_editor_check(actor, organizer)
    values = _training_values(held_on=held_on, topic=topic, hours=hours, place=place, note=note)
    return Training.objects.create(organizer=organizer, created_by=actor if getattr(actor, "pk", None) else None, **values)


@transaction.atomic
def training_update(*, training: Training, actor, held_on: dt.date | None, topic: str, hours, place: str = "",
                    note: str = "") -> Training:
    """Changes a training's date, topic, hours, place or note (its organiser stays)."""
    organization_editor_check(actor, training.organizer)
    values = _training_values(held_on=held_on, topic=topic, hours=hours, place=place, note=note)
    for field, value in values.items():
        setattr(training, field, value)
    training.save(update_fields=list(values))
    return training


@transaction.atomic
def training_remove(*, training: Training, actor) -> None:
    """Removes a training recorded by mistake, with its attendance."""
    organization_editor_check(actor, training.organizer)
    training.delete()


# ---- attendance --------------------------------------------------------------------------------------------------


def _within_organizer(training: Training, organization: Organization, field: str, who: str) -> None:
    """The attendee's organization must lie in the organiser's region subtree (a county trains its own)."""
    if not encloses(training.organizer.region, organization.region):
        raise ValidationError({field: _("“%(who)s”所在的“%(org)s”不在主办组织“%(organizer)s”的区划内") % {
            "who": who, "org": organization.name, "organizer": training.organizer.name,
        }})


@transaction.atomic
def attendance_add(*, training: Training, actor, role: str, leader: LeadershipMember | None = None,
                   volunteer: Volunteer | None = None, name: str = "", organization: Organization | None = None
                   ) -> TrainingAttendance:
    """Adds one attendee: a leading-body member (as cadre or home head), a volunteer, or a person without a record
    by name (federation staff …, placed in `organization`, by default the organiser). The same person once per
    training: the same record twice, or a name already attending, is refused."""
    organization_editor_check(actor, training.organizer)
    if role not in AttendeeRole.values:
        raise ValidationError({"role": _("未知的参训身份“%(value)s”") % {"value": role}})
    if leader is not None and volunteer is not None:
        raise ValidationError({"leader": _("一条参训记录只能对应一名领导机构成员或一名志愿者")})
    attendances = TrainingAttendance.objects.filter(training=training)
    if leader is not None or volunteer is not None:
        record = leader if leader is not None else volunteer
        assert record is not None
        field = "leader" if leader is not None else "volunteer"
        if leader is not None and role not in LEADER_ROLES:
            raise ValidationError({"role": _("领导机构成员“%(name)s”应以干部或侨胞之家负责人身份参训") % {"name": leader.name}})
        if volunteer is not None and role != AttendeeRole.VOLUNTEER:
            raise ValidationError({"role": _("志愿者“%(name)s”应以侨联志愿者身份参训") % {"name": volunteer.name}})
        _within_organizer(training, record.organization, field, record.name)
        same = Q(**{field: record}) | Q(leader__isnull=True, volunteer__isnull=True, name=record.name)
        if attendances.filter(same).exists():
            raise ValidationError({field: _("“%(name)s”已在本次培训的参训名单中") % {"name": record.name}})
        return TrainingAttendance.objects.create(training=training, role=role, leader=leader, volunteer=volunteer,
                                                 name=record.name, organization=record.organization)
    name = _required(name, "name", _("姓名"))
    organization = organization or training.organizer
    _within_organizer(training, organization, "organization", name)
    if attendances.filter(name=name).exists():
        raise ValidationError({"name": _("“%(name)s”已在本次培训的参训名单中") % {"name": name}})
    return TrainingAttendance.objects.create(training=training, role=role, name=name, organization=organization)


@transaction.atomic
def attendance_remove(*, attendance: TrainingAttendance, actor) -> None:
    """Removes one attendee from a training."""
    organization_editor_check(actor, attendance.training.organizer)
    attendance.delete()
