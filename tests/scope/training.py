"""Scope-matrix cases of trainings and volunteers (issue 17 §3; Jiangxi 10, 40; Yuxi 三(五)): the training pages and
their attendance, the volunteer register's writes, the person page's record links, and the trainings and volunteers
API. Each county gets a 县级侨联 with a leading-body member, a volunteer, a training with one attendee and a
registered person linked to the volunteer, all named after the county, so a 通海县 official never reaches 华宁县's."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from census.registry.models import Person, PersonRecordLink
from census.registry.services import person_create
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import LeadershipMember, Organization, OrganizationKind
from orgs.training.models import Training, TrainingAttendance, Volunteer
from tests.scope.census import _admin, _id_number
from tests.scope.registry import API, WEB, Placed, Probe, RouteCase, Write, register


def _short(region) -> str:
    return region.name[:2]


def _today() -> str:
    return timezone.localdate().isoformat()


@dataclass
class TrainingWorld:
    organization: Organization
    leader: LeadershipMember
    volunteer: Volunteer
    training: Training
    attendance: TrainingAttendance
    person: Person
    link: PersonRecordLink


def _world(region, tag: str, salt: int) -> TrainingWorld:
    name = f"{_short(region)}{tag}"
    today = timezone.localdate()
    organization = Organization.objects.create(name=f"{name}矩阵培训侨联", kind=OrganizationKind.COUNTY, region=region,
                                               status=OrganizationStatus.ACTIVE)
    leader = LeadershipMember.objects.create(organization=organization, name=f"{name}矩阵主席", position="chair",
                                             term_start=today - dt.timedelta(days=400))
    volunteer = Volunteer.objects.create(organization=organization, name=f"{name}矩阵志愿者", phone="13912345678",
                                         joined_on=today - dt.timedelta(days=30))
    linked = Volunteer.objects.create(organization=organization, name=f"{name}矩阵侨眷", joined_on=today - dt.timedelta(days=30))
    # the same person registered again as a volunteer of the organization: the record the link route links
    Volunteer.objects.create(organization=organization, name=linked.name, joined_on=today - dt.timedelta(days=10))
    training = Training.objects.create(organizer=organization, held_on=today - dt.timedelta(days=2), topic=f"{name}矩阵培训",
                                       hours=Decimal("4.0"))
    attendance = TrainingAttendance.objects.create(training=training, role="cadre", name=f"{name}矩阵学员", organization=organization)
    person = person_create(editor=_admin(), name=f"{name}矩阵侨眷", id_number=_id_number(region, salt), category="relative",
                           region=region)
    link = PersonRecordLink.objects.create(person=person, volunteer=linked)
    return TrainingWorld(organization, leader, volunteer, training, attendance, person, link)


def _rows():
    return [
        list(Training.objects.order_by("pk").values_list("pk", "organizer_id", "held_on", "topic", "hours", "place", "note")),
        list(TrainingAttendance.objects.order_by("pk").values_list("pk", "training_id", "role", "leader_id", "volunteer_id",
                                                                    "name", "organization_id")),
        list(Volunteer.objects.order_by("pk").values_list("pk", "organization_id", "name", "phone_hash", "skills", "joined_on", "active")),
        list(PersonRecordLink.objects.order_by("pk").values_list("pk", "person_id", "volunteer_id", "leader_id")),
    ]


def _placed(label: str, tag: str, salt: int, pick, marker) -> Placed:
    """`salt` keeps each kind's registered person distinct (tests/scope/census.py uses salts below 20)."""
    return Placed(label, make=lambda region: pick(_world(region, tag, salt)), markers=lambda obj: (marker(obj),), rows=_rows)


ORGANIZATION = _placed("training-organization", "组", 41, lambda w: w.organization, lambda o: o.name)
TRAINING = _placed("training", "训", 42, lambda w: w.training, lambda t: t.topic)
ATTENDANCE = _placed("training-attendance", "学", 43, lambda w: w.attendance, lambda a: a.name)
VOLUNTEER = _placed("training-volunteer", "志", 44, lambda w: w.volunteer, lambda v: v.name)
PERSON = _placed("training-person", "人", 45, lambda w: w.person, lambda p: p.name)
LINK = _placed("training-person-link", "链", 46, lambda w: w.link, lambda link: link.person.name)

by_pk = lambda obj: {"pk": obj.pk}  # noqa: E731


def _organizer_in(world, region) -> Organization:
    """The placed organization of `region` (the own or the foreign county)."""
    return (world.own(ORGANIZATION) if region == world.own_region else world.foreign(ORGANIZATION))


def _training_body(world, obj, region):
    return {"organizer": _organizer_in(world, region).pk, "held_on": _today(), "topic": "新建矩阵培训", "hours": "3.5",
            "place": "会议室"}


def _training_edit_body(world, training, region):
    return {"held_on": _today(), "topic": training.topic + "改", "hours": "6", "place": "礼堂", "note": ""}


def _volunteer_body(world, obj, region):
    return {"name": "新建矩阵志愿者", "phone": "13800001111", "joined_on": _today(), "active": "on", "skills": "翻译"}


def _volunteer_edit_body(world, volunteer, region):
    return {"name": volunteer.name, "phone": "13800002222", "joined_on": volunteer.joined_on.isoformat(), "skills": "法律"}


def _link_body(world, person, region):
    volunteer = Volunteer.objects.filter(name=person.name, person_links__isnull=True).order_by("pk").first()
    return {"record": f"V{volunteer.pk}" if volunteer else ""}


register(
    RouteCase("training:list", WEB, TRAINING, reads=(
        Probe(),
        Probe(data=lambda world, obj: {"year": timezone.localdate().year, "topic": "矩阵"}, name="year-topic"),
        Probe(data=lambda world, obj: {"region": world.foreign_region.code}, shows_own=False, name="foreign-region"),
    )),
    RouteCase("training:create", WEB, TRAINING, reads=(Probe(shows_own=False),),
              writes=(Write("POST", _training_body, action="create", moves=True),), leader_reads=False),
    RouteCase("training:detail", WEB, TRAINING, kwargs=by_pk),
    RouteCase("training:edit", WEB, TRAINING, kwargs=by_pk, writes=(Write("POST", _training_edit_body),), leader_reads=False),
    RouteCase("training:remove", WEB, TRAINING, kwargs=by_pk, methods=(), reads=(), writes=(Write("POST", action="delete"),)),
    RouteCase("training:attendance-add", WEB, TRAINING, kwargs=by_pk, methods=(), reads=(),
              writes=(Write("POST", lambda world, t, region: {"role": "volunteer", "name": "新矩阵学员"}),)),
    RouteCase("training:attendance-remove", WEB, ATTENDANCE, kwargs=by_pk, methods=(), reads=(),
              writes=(Write("POST", action="delete"),)),
    RouteCase("training:volunteer-add", WEB, ORGANIZATION, kwargs=by_pk, writes=(Write("POST", _volunteer_body),),
              leader_reads=False),
    RouteCase("training:volunteer-edit", WEB, VOLUNTEER, kwargs=by_pk, writes=(Write("POST", _volunteer_edit_body),),
              leader_reads=False),
    RouteCase("training:volunteer-remove", WEB, VOLUNTEER, kwargs=by_pk, methods=(), reads=(),
              writes=(Write("POST", action="delete"),)),
    RouteCase("census:person-record-link", WEB, PERSON, kwargs=by_pk, methods=(), reads=(),
              writes=(Write("POST", _link_body),)),
    RouteCase("census:person-record-unlink", WEB, LINK, kwargs=lambda link: {"pk": link.person_id, "link_pk": link.pk},
              methods=(), reads=(), writes=(Write("POST", action="delete"),)),
    # ---- API ----
    RouteCase("api:training-list", API, TRAINING, reads=(
        Probe(),
        Probe(data=lambda world, obj: {"year": timezone.localdate().year}, name="year"),
        Probe(data=lambda world, obj: {"region": world.foreign_region.code}, shows_own=False, name="foreign-region"),
    ), writes=(Write("POST", _training_body, action="create", moves=True, json=True),)),
    RouteCase("api:training-detail", API, TRAINING, kwargs=by_pk, methods=("GET", "HEAD", "OPTIONS"), writes=(
        Write("PATCH", lambda world, t, region: {"topic": t.topic + "改"}, json=True, name="patch"),
        Write("PUT", _training_edit_body, json=True, name="put"),
        Write("DELETE", action="delete", json=True, name="delete"),
    )),
    RouteCase("api:training-attendances", API, TRAINING, kwargs=by_pk, reads=(Probe(shows_own=False),),
              writes=(Write("POST", lambda world, t, region: {"role": "cadre", "name": "接口矩阵学员"}, json=True),)),
    RouteCase("api:training-attendance", API, ATTENDANCE,
              kwargs=lambda a: {"pk": a.training_id, "attendance_id": a.pk}, methods=(), reads=(),
              writes=(Write("DELETE", action="delete", json=True),)),
    RouteCase("api:volunteer-list", API, VOLUNTEER, reads=(
        Probe(),
        Probe(data=lambda world, obj: {"active": "true"}, name="active"),
    ), writes=(Write("POST", lambda world, obj, region: {**_volunteer_body(world, obj, region), "active": True,
                                                          "organization": _organizer_in(world, region).pk},
                     action="create", moves=True, json=True),)),
    RouteCase("api:volunteer-detail", API, VOLUNTEER, kwargs=by_pk, writes=(
        Write("PATCH", lambda world, v, region: {"skills": "调解"}, json=True, name="patch"),
        Write("PUT", lambda world, v, region: {"name": v.name, "joined_on": v.joined_on.isoformat(), "phone": "13800003333",
                                               "active": False}, json=True, name="put"),
        Write("DELETE", action="delete", json=True, name="delete"),
    )),
)
