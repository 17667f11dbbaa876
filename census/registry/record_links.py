"""A registered person's records in the organizations (培训与志愿者, Jiangxi 10, 40; Yuxi 三(五)): linking a person
(`Person`) to a volunteer or a leading-body member on an organization's record, and what the person's page shows
through those links (volunteer registrations, trainings attended).

The link lives here, on the census side, because `orgs` must not import the census (orgs ← census ← tasks): the
organization's records are whole without it, and the census reads them. The candidates offered are the records
of the same name the editor may change (two queries), never a search over every record."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from census.registry.models import Person, PersonRecordLink
from orgs.organizations.models import LeadershipMember
from orgs.training.models import TrainingAttendance, Volunteer
from orgs.training.selectors import attended_by_records


@dataclass
class PersonRecords:
    """What the person's page shows: the links (with their records), the trainings attended through them, and for
    an editor the records of the same name not yet linked."""

    links: list[PersonRecordLink]
    attendances: list[TrainingAttendance]
    can_edit: bool = False
    candidates: list[tuple[str, str]] = field(default_factory=list)

    @property
    def volunteer_links(self) -> list[PersonRecordLink]:
        return [link for link in self.links if link.volunteer_id]

    @property
    def leader_links(self) -> list[PersonRecordLink]:
        return [link for link in self.links if link.leader_id]


def person_records(person: Person, user, *, can_edit: bool) -> PersonRecords:
    """The person's linked records the user sees and the trainings attended through them (a fixed number of queries)."""
    links = list(
        PersonRecordLink.objects.filter(person=person)
        .select_related("volunteer__organization", "leader__organization").order_by("pk")
    )
    visible_volunteers = set(Volunteer.objects.visible_to(user).filter(person_links__person=person).values_list("pk", flat=True))
    visible_leaders = set(LeadershipMember.objects.visible_to(user).filter(person_links__person=person).values_list("pk", flat=True))
    links = [link for link in links if link.volunteer_id in visible_volunteers or link.leader_id in visible_leaders]
    attendances = attended_by_records(
        leader_ids=[link.leader_id for link in links if link.leader_id],
        volunteer_ids=[link.volunteer_id for link in links if link.volunteer_id], user=user,
    )
    records = PersonRecords(links, attendances, can_edit=can_edit)
    if can_edit:
        linked_v = {link.volunteer_id for link in links}
        linked_l = {link.leader_id for link in links}
        for v in Volunteer.objects.editable_by(user).filter(name=person.name).select_related("organization").order_by("pk"):
            if v.pk not in linked_v:
                records.candidates.append((f"V{v.pk}", _("志愿者 · %(org)s") % {"org": v.organization.name}))
        for m in LeadershipMember.objects.editable_by(user).filter(name=person.name).select_related("organization").order_by("pk"):
            if m.pk not in linked_l:
                records.candidates.append((f"L{m.pk}", _("%(position)s · %(org)s") % {
                    "position": m.get_position_display(), "org": m.organization.name}))
    return records


def _record(key: str, editor) -> tuple[Volunteer | None, LeadershipMember | None]:
    kind, pk = key[:1], key[1:]
    if not pk.isdigit() or kind not in ("V", "L"):
        raise ValidationError({"record": _("请选择要关联的记录（“%(value)s”无效）") % {"value": key}})
    model = Volunteer if kind == "V" else LeadershipMember
    row = model.objects.editable_by(editor).select_related("organization").filter(pk=int(pk)).first()
    if row is None:
        raise ValidationError({"record": _("记录“%(value)s”不存在或不在您的管辖范围内") % {"value": key}})
    return (row, None) if kind == "V" else (None, row)


@transaction.atomic
def person_record_link(*, person: Person, editor, record: str) -> PersonRecordLink:
    """Links the person to a volunteer (`V<id>`) or leading-body member (`L<id>`) of the same name, both in the
    editor's scope; the same record twice is refused."""
    if not Person.objects.editable_by(editor).filter(pk=person.pk).exists():
        raise Http404
    volunteer, leader = _record(record, editor)
    row = volunteer or leader
    assert row is not None
    if row.name != person.name:
        raise ValidationError({"record": _("记录的姓名“%(record)s”与人员姓名“%(person)s”不同") % {
            "record": row.name, "person": person.name}})
    if PersonRecordLink.objects.filter(person=person, volunteer=volunteer, leader=leader).exists():
        raise ValidationError({"record": _("“%(name)s”已关联此记录") % {"name": person.name}})
    return PersonRecordLink.objects.create(person=person, volunteer=volunteer, leader=leader,
                                           linked_by=editor if getattr(editor, "pk", None) else None)


@transaction.atomic
def person_record_unlink(*, link: PersonRecordLink, editor) -> None:
    """Removes a link (the records themselves stay)."""
    if not Person.objects.editable_by(editor).filter(pk=link.person_id).exists():
        raise Http404
    link.delete()
