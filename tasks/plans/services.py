"""Writes of plans and tasks: create, assign, report progress, change status; tasks generated from a milestone
(one per region, yearly occurrences) and from coverage gaps (one per required-but-missing place, idempotent
through the unique (plan, place_key)); completion when the place's organization becomes active. And loading
the shipped plans (fixtures/plans/*.json): the Yuxi implementation plan with its milestones and the tasks its
item list names (fixtures/yuxi_plan_2020.csv), and the Jiangxi measures with their yearly tasks."""
from __future__ import annotations

import bisect
import csv
import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from census.coverage.models import (
    FulfilmentChoice,
    PlaceLevel,
    Requirement,
    VerdictChoice,
)
from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.common.documents import validate_document
from orgs.common.identifiers import holds_number
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from orgs.regions.models import Region, RegionLevel
from orgs.units.models import Unit
from tasks.notifications.models import Notification, OutboxMessage
from tasks.notifications.services import notifications_send, outbox_kick, outbox_message, recipients_get
from tasks.plans.leadership import leadership_group_load
from tasks.plans.models import (
    OPEN_TASK_STATUSES,
    Milestone,
    Plan,
    Recurrence,
    TargetRule,
    Task,
    TaskStatus,
    TaskUpdate,
    TaskUpdateKind,
)

# Which organizations fulfil a gap task of a place of this level.
FULFILLING_KINDS: dict[str, set[OrganizationKind]] = {
    PlaceLevel.COUNTY: {OrganizationKind.COUNTY},
    PlaceLevel.TOWNSHIP: {OrganizationKind.TOWNSHIP, OrganizationKind.JOINT, OrganizationKind.BRANCH,
                          OrganizationKind.GROUP, OrganizationKind.WORKSTATION},
    PlaceLevel.VILLAGE: {OrganizationKind.VILLAGE, OrganizationKind.JOINT, OrganizationKind.BRANCH,
                         OrganizationKind.GROUP, OrganizationKind.WORKSTATION},
    PlaceLevel.UNIT: {OrganizationKind.ORGAN, OrganizationKind.UNIVERSITY, OrganizationKind.ENTERPRISE,
                      OrganizationKind.BRANCH, OrganizationKind.GROUP, OrganizationKind.WORKSTATION},
}


ALLOWED_TRANSITIONS = {
    TaskStatus.TODO: {TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED},
    TaskStatus.IN_PROGRESS: {TaskStatus.DONE, TaskStatus.CANCELLED, TaskStatus.TODO},
    TaskStatus.DONE: set(),
    TaskStatus.CANCELLED: set(),
}


def region_place_key(region_id: int) -> str:
    return f"r{region_id}"


def unit_place_key(unit_id: int) -> str:
    return f"u{unit_id}"


def task_url(task_id: int) -> str:
    return reverse("tasks:detail", kwargs={"pk": task_id})


# ---------------------------------------------------------------------------------------------------------------
# Where a place lies: its county, and who answers for it there.

@dataclass(frozen=True)
class CountyInfo:
    county_id: int | None
    county_name: str
    responsible_user_ids: tuple[int, ...]


NO_COUNTY = CountyInfo(None, "", ())


def counties_of_regions(region_ids: Iterable[int]) -> dict[int, CountyInfo]:
    """Region id → its county (itself when a county) and the county officials there (staff when none). Three
    queries whatever the number of regions: the regions' tree positions, the counties of their trees (matched by
    MPTT range in memory, a bisection per region), the officials."""
    ids = set(region_ids)
    if not ids:
        return {}
    regions = list(Region.objects.filter(pk__in=ids).values_list("pk", "tree_id", "lft", "rght"))
    counties_by_tree: dict[int, list[tuple[int, int, int, str]]] = {}
    for pk, tree_id, lft, rght, name in Region.objects.filter(
        level=RegionLevel.COUNTY, tree_id__in={tree for _pk, tree, _l, _r in regions}
    ).order_by("tree_id", "lft").values_list("pk", "tree_id", "lft", "rght", "name"):
        counties_by_tree.setdefault(tree_id, []).append((lft, rght, pk, name))
    lefts = {tree: [c[0] for c in counties] for tree, counties in counties_by_tree.items()}
    county_of: dict[int, tuple[int | None, str]] = {}
    for pk, tree_id, lft, rght in regions:
        counties = counties_by_tree.get(tree_id, [])
        index = bisect.bisect_right(lefts.get(tree_id, []), lft) - 1  # the last county starting at or before it
        found = counties[index] if index >= 0 else None
        county_of[pk] = (found[2], found[3]) if found and found[0] <= lft and rght <= found[1] else (None, "")
    county_ids = {c for c, _n in county_of.values() if c}
    people: dict[int, dict[str, list[int]]] = {}
    for region_id, role, user_id in Membership.objects.filter(
        region_id__in=county_ids, role__in=(Role.COUNTY_OFFICIAL, Role.STAFF), user__is_active=True
    ).order_by("user_id").values_list("region_id", "role", "user_id"):
        people.setdefault(region_id, {}).setdefault(role, []).append(user_id)
    result = {}
    for region_id, (county_id, county_name) in county_of.items():
        roles = people.get(county_id, {}) if county_id else {}
        users = roles.get(Role.COUNTY_OFFICIAL) or roles.get(Role.STAFF) or []
        result[region_id] = CountyInfo(county_id, county_name, tuple(users))
    return result


# ---------------------------------------------------------------------------------------------------------------
# Validation (no database)

def task_status_validate(*, old: str, new: str, completed_on: datetime.date | None, evidence: str,
                         has_evidence_file: bool = False, today: datetime.date | None = None) -> dict[str, str]:
    """Errors of a status change, by field (empty when valid)."""
    errors: dict[str, str] = {}
    if new not in TaskStatus.values:
        return {"status": _("未知状态：%(v)s") % {"v": new}}
    if new == old:
        return errors
    if new not in ALLOWED_TRANSITIONS[TaskStatus(old)]:
        errors["status"] = _("任务状态不能从“%(old)s”改为“%(new)s”") % {
            "old": TaskStatus(old).label, "new": TaskStatus(new).label}
        return errors
    if new == TaskStatus.DONE:
        if completed_on is None:
            errors["completed_on"] = _("标记完成须填写完成日期")
        elif completed_on > (today or timezone.localdate()):
            errors["completed_on"] = _("完成日期 %(d)s 晚于今天") % {"d": completed_on.isoformat()}
        if not evidence.strip() and not has_evidence_file:
            errors["evidence"] = _("标记完成须填写完成佐证或上传佐证材料")
    return errors


def contacts_validate(contacts: list) -> list[dict[str, str]]:
    """Named responsible persons without an account: a list of {name, contact}; a name is required. The contact is
    a unit or post, never a phone or document number: those are kept only encrypted (an account's mobile), and this
    list is plain text shown to everyone who sees the task."""
    cleaned = []
    for index, item in enumerate(contacts or [], start=1):
        name = str((item or {}).get("name", "")).strip()
        contact = str((item or {}).get("contact", "")).strip()
        if not name:
            raise ValidationError({"responsible_contacts": _("第 %(n)d 位责任人缺少姓名") % {"n": index}})
        if holds_number(f"{name} {contact}"):  # never kept in the clear (issue 21 §3)
            raise ValidationError({"responsible_contacts": _(
                "第 %(n)d 位责任人：不能填写电话或证件号码（号码只加密保存）。请写单位或职务；需要接收通知的人，请为其开通账号并登记手机号"
            ) % {"n": index}})
        cleaned.append({"name": name[:64], "contact": contact[:64]})
    return cleaned


# ---------------------------------------------------------------------------------------------------------------
# Single-task writes

def _user_ids(users: Iterable) -> list[int]:
    """Users or their ids → ids."""
    return [u.pk if hasattr(u, "pk") else u for u in users]


def responsible_users_validate(*, region: Region, user_ids: Iterable[int]) -> None:
    """Every responsible user must see the task's region (a membership on it or above it, or an administrator):
    otherwise the task and its notifications would point them to a page they cannot open."""
    from django.contrib.auth import get_user_model

    ids = set(user_ids)
    if not ids:
        return
    seeing = set(Membership.objects.covering(region).filter(user_id__in=ids).values_list("user_id", flat=True))
    seeing |= set(get_user_model().objects.filter(pk__in=ids - seeing).filter(
        Q(is_superuser=True) | Q(memberships__role=Role.ADMIN)).values_list("pk", flat=True))
    outside = ids - seeing
    if outside:
        names = get_user_model().objects.filter(pk__in=outside).order_by("username").values_list("username", flat=True)
        raise ValidationError({"responsible_users": _("责任人 %(users)s 不能查看%(region)s的任务，不能指定为责任人") % {
            "users": "、".join(names) or ", ".join(map(str, sorted(outside))), "region": region.name}})


def _assignment_notify(task: Task, user_ids: Iterable[int], actor=None) -> None:
    user_ids = [u for u in user_ids if not actor or u != actor.pk]
    if user_ids:
        title = _("新任务：%(t)s") % {"t": task.title}
        body = _("您被指定为任务“%(t)s”的责任人，完成时限 %(d)s。") % {"t": task.title, "d": task.deadline.isoformat()}
        # The key names the content (notifications_send adds the person and the day): taken off the task and put back
        # on the same day, a person is not sent the same notice again on any channel; a new title or deadline is news.
        content = hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()[:16]
        notifications_send(user_ids=user_ids, title=title, body=body, url=task_url(task.pk), key=f"assign:t{task.pk}:{content}",
                           source=f"task:{task.pk}")


@transaction.atomic
def task_create(*, plan: Plan, title: str, region: Region, deadline: datetime.date, milestone: Milestone | None = None,
                responsible_unit: str = "", responsible_users: Iterable = (), responsible_contacts: list | None = None,
                description: str = "", target_unit=None, target_organization=None, place_key: str = "",
                recurrence: str = Recurrence.NONE, actor=None) -> Task:
    """Creates one task, records it in the history and tells its responsible persons (inbox + e-mail outbox)."""
    if milestone is not None and milestone.plan_id != plan.pk:
        raise ValidationError({"milestone": _("时间节点“%(m)s”不属于方案“%(p)s”") % {"m": milestone.name, "p": plan.title}})
    if not region.is_descendant_of(plan.scope_region, include_self=True):
        raise ValidationError({"region": _("区划“%(r)s”不在方案“%(p)s”的适用范围（%(s)s）内") % {
            "r": region.name, "p": plan.title, "s": plan.scope_region.name}})
    users = _user_ids(responsible_users)
    responsible_users_validate(region=region, user_ids=users)
    task = Task(
        plan=plan, milestone=milestone, title=title, region=region, deadline=deadline, responsible_unit=responsible_unit,
        responsible_contacts=contacts_validate(responsible_contacts or []), description=description,
        target_unit=target_unit, target_organization=target_organization, place_key=place_key, recurrence=recurrence,
        period_start=datetime.date(deadline.year, 1, 1) if recurrence == Recurrence.YEARLY else None,
    )
    task.full_clean(exclude=["responsible_users"])
    task.save()
    task.responsible_users.set(users)
    TaskUpdate.objects.create(task=task, kind=TaskUpdateKind.CREATED, author=actor, new_status=task.status,
                              note=_("创建任务"))
    _assignment_notify(task, users, actor)
    return task


@transaction.atomic
def task_assign(*, task: Task, responsible_users: Iterable, responsible_unit: str | None = None,
                responsible_contacts: list | None = None, actor=None) -> Task:
    """Changes who answers for a task; newly named users are notified."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    before = set(task.responsible_users.values_list("pk", flat=True))
    users = _user_ids(responsible_users)
    responsible_users_validate(region=task.region, user_ids=set(users) - before)
    task.responsible_users.set(users)
    fields = ["updated_at"]
    if responsible_unit is not None:
        task.responsible_unit = responsible_unit
        fields.append("responsible_unit")
    if responsible_contacts is not None:
        task.responsible_contacts = contacts_validate(responsible_contacts)
        fields.append("responsible_contacts")
    task.save(update_fields=fields)
    TaskUpdate.objects.create(task=task, kind=TaskUpdateKind.ASSIGNED, author=actor, note=_("调整责任人"))
    _assignment_notify(task, set(users) - before, actor)
    return task


@transaction.atomic
def task_update_add(*, task: Task, author, note: str, attachment=None) -> TaskUpdate:
    """A progress report (进展) with an optional attachment; a todo task moves to in progress."""
    if not note.strip() and not attachment:
        raise ValidationError({"note": _("请填写进展内容或上传附件")})
    if attachment:
        validate_document(attachment, field="attachment")
    task = Task.objects.select_for_update().get(pk=task.pk)
    update = TaskUpdate(task=task, kind=TaskUpdateKind.PROGRESS, author=author, note=note.strip())
    if attachment:
        update.attachment = attachment
    if task.status == TaskStatus.TODO:
        update.old_status, update.new_status = TaskStatus.TODO, TaskStatus.IN_PROGRESS
        task.status = TaskStatus.IN_PROGRESS
        task.save(update_fields=["status", "updated_at"])
    update.save()
    return update


@transaction.atomic
def task_status_change(*, task: Task, status: str, actor=None, completed_on: datetime.date | None = None,
                       evidence: str = "", evidence_file=None, note: str = "", target_organization=None,
                       kind: str = TaskUpdateKind.STATUS) -> Task:
    """todo → in_progress → done (completion date and evidence required) or cancelled. Completing a yearly task
    creates its next occurrence."""
    if evidence_file:
        validate_document(evidence_file, field="evidence_file")
    task = Task.objects.select_for_update().get(pk=task.pk)
    errors = task_status_validate(old=task.status, new=status, completed_on=completed_on, evidence=evidence,
                                  has_evidence_file=bool(evidence_file or task.evidence_file))
    if errors:
        raise ValidationError(errors)
    old = task.status
    task.status = status
    if status == TaskStatus.DONE:
        task.completed_on, task.evidence = completed_on, evidence.strip()
        if evidence_file:
            task.evidence_file = evidence_file
        if target_organization is not None:
            task.target_organization = target_organization
    task.save()
    TaskUpdate.objects.create(task=task, kind=kind, author=actor, old_status=old, new_status=status,
                              note=note or evidence)
    if status == TaskStatus.DONE and task.recurrence == Recurrence.YEARLY:
        task_next_occurrence_create(task=task)
    return task


def _shift_year(day: datetime.date, year: int) -> datetime.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def _occurrence_key(milestone_id: int, region_id: int, year: int | None) -> str:
    return f"m{milestone_id}:r{region_id}" + (f":{year}" if year else "")


def _plan_lock(plan_id: int) -> None:
    """Two runs at once (a retried beat job, the page's button, a census commit, a completed yearly task) would
    both pass a "place key unused?" check and collide on the unique (plan, place_key): the plan's row lock makes
    the second wait and then see the first one's tasks."""
    list(Plan.objects.select_for_update().filter(pk=plan_id).values_list("pk", flat=True))


def task_next_occurrence_create(*, task: Task) -> Task | None:
    """The next year's occurrence of a yearly task (idempotent through its place key)."""
    year = task.deadline.year + 1
    if task.milestone_id:
        key = _occurrence_key(task.milestone_id, task.region_id, year)
    else:
        key = f"{task.place_key or f't{task.pk}'}:{year}"
    # The daily job may create the same occurrence (same key) at the same moment.
    _plan_lock(task.plan_id)
    if Task.objects.filter(plan_id=task.plan_id, place_key=key).exists():
        return None
    title = task.title.replace(str(task.deadline.year), str(year))
    nxt = Task.objects.create(
        plan_id=task.plan_id, milestone_id=task.milestone_id, title=title, region_id=task.region_id,
        deadline=_shift_year(task.deadline, year), responsible_unit=task.responsible_unit,
        responsible_contacts=task.responsible_contacts, description=task.description, place_key=key,
        recurrence=task.recurrence, period_start=datetime.date(year, 1, 1),
    )
    nxt.responsible_users.set(task.responsible_users.all())
    TaskUpdate.objects.create(task=nxt, kind=TaskUpdateKind.AUTO, new_status=nxt.status,
                              note=_("由上一周期任务自动生成"))
    return nxt


# ---------------------------------------------------------------------------------------------------------------
# Generated tasks (bulk, idempotent)

@dataclass
class GeneratedTask:
    title: str
    region_id: int
    place_key: str
    deadline: datetime.date
    responsible_unit: str = ""
    responsible_person: str = ""
    description: str = ""
    target_unit_id: int | None = None
    target_organization_id: int | None = None
    place_name: str = ""
    target_requirement_id: int | None = None
    recurrence: str = ""
    period_start: datetime.date | None = None
    status: str = TaskStatus.TODO
    completed_on: datetime.date | None = None
    evidence: str = ""


def _tasks_bulk_create(plan: Plan, milestone: Milestone | None, drafts: list[GeneratedTask], *, notify: bool = True) -> list[Task]:
    """Creates the drafts whose place key the plan has not used yet; assigns each to its county's officials and
    tells each of them once (one inbox message and e-mail listing their new tasks)."""
    if not drafts:
        return []
    _plan_lock(plan.pk)
    existing = set(Task.objects.filter(plan=plan, place_key__in=[d.place_key for d in drafts]).values_list("place_key", flat=True))
    drafts = [d for d in {d.place_key: d for d in drafts}.values() if d.place_key not in existing]
    if not drafts:
        return []
    counties = counties_of_regions(d.region_id for d in drafts)
    tasks = []
    for d in drafts:
        info = counties.get(d.region_id, NO_COUNTY)
        tasks.append(Task(
            plan=plan, milestone=milestone, title=d.title.replace("{county}", info.county_name)[:200], region_id=d.region_id,
            place_key=d.place_key,
            deadline=d.deadline, responsible_unit=(d.responsible_unit.replace("{county}", info.county_name))[:128],
            responsible_person=(d.responsible_person.replace("{county}", info.county_name))[:128],
            description=d.description, target_unit_id=d.target_unit_id, target_requirement_id=d.target_requirement_id,
            target_organization_id=d.target_organization_id,
            recurrence=d.recurrence, period_start=d.period_start, status=d.status, completed_on=d.completed_on,
            evidence=d.evidence,
        ))
    created = Task.objects.bulk_create(tasks, batch_size=1000)
    through = Task.responsible_users.through
    through.objects.bulk_create(
        [through(task_id=t.pk, user_id=u) for t in created for u in counties.get(t.region_id, NO_COUNTY).responsible_user_ids],
        batch_size=2000, ignore_conflicts=True,
    )
    TaskUpdate.objects.bulk_create(
        [TaskUpdate(task_id=t.pk, kind=TaskUpdateKind.AUTO, new_status=t.status, note=_("由系统生成")) for t in created],
        batch_size=2000,
    )
    if notify:
        _bulk_assignment_notify(created, counties)
    return created


def _bulk_assignment_notify(created: list[Task], counties: dict[int, CountyInfo]) -> None:

    by_user: dict[int, list[Task]] = {}
    for task in created:
        if task.status in OPEN_TASK_STATUSES:
            for user_id in counties.get(task.region_id, NO_COUNTY).responsible_user_ids:
                by_user.setdefault(user_id, []).append(task)
    recipients = recipients_get(by_user)
    notifications, outbox = [], []
    now = timezone.now()
    for user_id, recipient in recipients.items():
        tasks = by_user[user_id]
        title = _("新任务 %(n)d 项：%(t)s 等") % {"n": len(tasks), "t": tasks[0].title} if len(tasks) > 1 else _("新任务：%(t)s") % {"t": tasks[0].title}
        body = "\n".join(
            _("· %(t)s（%(r)s，完成时限 %(d)s）") % {"t": t.title, "r": t.responsible_unit, "d": t.deadline.isoformat()}
            for t in tasks[:50])
        url = task_url(tasks[0].pk) if len(tasks) == 1 else reverse("tasks:mine")
        notifications.append(Notification(user_id=user_id, title=title[:200], body=body, url=url, created_at=now))
        if recipient.outbound and recipient.immediate:
            outbox.append(outbox_message(recipient, key=f"assign:t{tasks[0].pk}:u{user_id}", title=title, body=body, url=url,
                                         source=f"plan:{tasks[0].plan_id}", now=now))
    Notification.objects.bulk_create(notifications, batch_size=2000)
    if outbox:
        OutboxMessage.objects.bulk_create(outbox, batch_size=2000, ignore_conflicts=True)
        transaction.on_commit(outbox_kick)


GAP_TITLES = {
    PlaceLevel.COUNTY: gettext_lazy("成立{place}侨联"),
    PlaceLevel.TOWNSHIP: gettext_lazy("{place}成立乡镇(街道)侨联组织"),
    PlaceLevel.VILLAGE: gettext_lazy("{place}成立村(社区)侨联组织"),
    PlaceLevel.UNIT: gettext_lazy("{place}成立单位侨联组织"),
}


GAP_TITLE_OTHER = gettext_lazy("{place}成立侨联组织")


def _gap_drafts(requirements, deadline: datetime.date, milestone: Milestone | None = None) -> list[GeneratedTask]:
    drafts = []
    for req in requirements:
        place = req["unit__name"] if req["unit_id"] else req["region__name"]
        title = str(GAP_TITLES.get(req["level"], GAP_TITLE_OTHER)).format(place=place)
        if milestone is not None and milestone.task_title:
            title = template_fill(milestone.task_title, region=place)
        drafts.append(GeneratedTask(
            title=title, region_id=req["region_id"], place_name=place,
            place_key=unit_place_key(req["unit_id"]) if req["unit_id"] else region_place_key(req["region_id"]),
            deadline=deadline,
            responsible_unit=(template_fill(milestone.task_responsible_unit, region=place) if milestone else "") or "{county}委统战部",
            responsible_person=template_fill(milestone.task_responsible_person, region=place) if milestone else "",
            description=req["reason"], target_unit_id=req["unit_id"], target_requirement_id=req["pk"],
        ))
    return drafts


def _milestone_requirements(milestone: Milestone):
    qs = Requirement.objects.within(milestone.plan.scope_region).filter(
        verdict=VerdictChoice.REQUIRED, status=FulfilmentChoice.MISSING, level__in=milestone.gap_levels
    )
    if milestone.key_areas_only:
        qs = qs.filter(region__is_key_area=True, unit__isnull=True)
    if milestone.other_areas_only:
        qs = qs.exclude(region__is_key_area=True, unit__isnull=True)
    return qs


@transaction.atomic
def tasks_from_gaps(*, milestone: Milestone) -> list[Task]:
    """One task for every required-but-missing place of the milestone's levels in the plan's scope that has no
    task in this plan yet. Running it twice creates nothing new."""
    if not milestone.gap_levels:
        return []
    rows = _milestone_requirements(milestone).values("pk", "region_id", "unit_id", "level", "reason", "region__name", "unit__name")
    return _tasks_bulk_create(milestone.plan, milestone, _gap_drafts(rows, milestone.deadline, milestone))


def _regions_of_level(plan: Plan, level: str):
    return Region.objects.within(plan.scope_region).filter(level=level).order_by("code")


@transaction.atomic
def milestone_tasks_create(*, milestone: Milestone, year: int | None = None, done_before: datetime.date | None = None,
                           notify: bool = True) -> list[Task]:
    """One task per region of the milestone's `task_level` in the plan's scope; for a yearly milestone, the
    occurrence of `year`. Idempotent. `done_before`: tasks whose deadline is before it are created done (demo)."""
    if not milestone.task_level:
        return []
    drafts = _level_drafts(milestone, year)
    for draft in drafts:
        if done_before and draft.deadline < done_before:
            draft.status, draft.completed_on, draft.evidence = TaskStatus.DONE, draft.deadline, _("已按时报送（演示数据）")
    return _tasks_bulk_create(milestone.plan, milestone, drafts, notify=notify)


def _level_drafts(milestone: Milestone, year: int | None) -> list[GeneratedTask]:
    """One draft per region of the milestone's level in the plan's scope (a yearly milestone: the `year` occurrence)."""
    yearly = milestone.recurrence == Recurrence.YEARLY
    deadline = _shift_year(milestone.deadline, year) if yearly and year else milestone.deadline
    year = deadline.year if yearly else None
    drafts = []
    for region in _regions_of_level(milestone.plan, milestone.task_level or RegionLevel.COUNTY).values("pk", "name"):
        words = {"region": region["name"], "county": region["name"], "year": year or ""}
        drafts.append(GeneratedTask(
            title=template_fill(milestone.task_title, **words) or f"{milestone.name}（{region['name']}）",
            region_id=region["pk"], place_name=region["name"], place_key=_occurrence_key(milestone.pk, region["pk"], year),
            deadline=deadline, responsible_unit=template_fill(milestone.task_responsible_unit, **words),
            responsible_person=template_fill(milestone.task_responsible_person, **words),
            description=milestone.description, recurrence=milestone.recurrence,
            period_start=datetime.date(year, 1, 1) if year else None,
        ))
    return drafts


# ---------------------------------------------------------------------------------------------------------------
# A milestone's targets, previewed and generated (pages and API: tasks.plans.authoring is the writing side)

TEMPLATE_WORDS = ("region", "county", "year")


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def template_fill(template: str, **words) -> str:
    """A plan's wording with {region}, {county}, {year} filled where given; other braces kept as written."""
    if not template:
        return ""
    try:
        return template.format_map(_KeepUnknown(words))
    except (ValueError, IndexError):  # a stray brace: the text as the plan words it
        return template


def _region_drafts(milestone: Milestone, regions: list[dict]) -> list[GeneratedTask]:
    drafts = []
    for region in regions:
        words = {"region": region["name"]}
        drafts.append(GeneratedTask(
            title=template_fill(milestone.task_title, **words) or f"{region['name']}{_('成立侨联组织')}",
            region_id=region["pk"], place_name=region["name"], place_key=region_place_key(region["pk"]),
            deadline=milestone.deadline, responsible_unit=template_fill(milestone.task_responsible_unit, **words),
            responsible_person=template_fill(milestone.task_responsible_person, **words), description=milestone.description,
        ))
    return drafts


def _unit_drafts(milestone: Milestone, units: list[dict]) -> list[GeneratedTask]:
    drafts = []
    for unit in units:
        words = {"region": unit["name"]}
        drafts.append(GeneratedTask(
            title=template_fill(milestone.task_title, **words) or f"{unit['name']}{_('成立单位侨联组织')}",
            region_id=unit["region_id"], place_name=unit["name"], place_key=unit_place_key(unit["pk"]),
            deadline=milestone.deadline, responsible_unit=template_fill(milestone.task_responsible_unit, **words),
            responsible_person=template_fill(milestone.task_responsible_person, **words), description=milestone.description,
            target_unit_id=unit["pk"],
        ))
    return drafts


def milestone_drafts(milestone: Milestone, *, today: datetime.date | None = None) -> list[GeneratedTask]:
    """The tasks the milestone's rule chooses, one per place, inside the plan's scope (nothing written)."""
    plan = milestone.plan
    rule = milestone.target_rule
    if rule in (TargetRule.LEVEL, TargetRule.SUB_PLANS):
        year = (today or timezone.localdate()).year if milestone.recurrence == Recurrence.YEARLY else None
        return _level_drafts(milestone, year)
    if rule == TargetRule.KEY_AREAS:
        regions = Region.objects.within(plan.scope_region).filter(is_key_area=True)
        if milestone.task_level:
            regions = regions.filter(level=milestone.task_level)
        return _region_drafts(milestone, list(regions.order_by("code").values("pk", "name")))
    if rule == TargetRule.GAPS:
        rows = _milestone_requirements(milestone).order_by("region__code", "unit__name").values(
            "pk", "region_id", "unit_id", "level", "reason", "region__name", "unit__name")
        return _gap_drafts(rows, milestone.deadline, milestone)
    if rule == TargetRule.NAMED:
        regions = Region.objects.within(plan.scope_region).filter(pk__in=milestone.target_regions.values("pk"))
        units = Unit.objects.within(plan.scope_region).filter(pk__in=milestone.target_units.values("pk"))
        regions, units = regions.order_by("code").values("pk", "name"), units.order_by("name").values("pk", "name", "region_id")
        return _region_drafts(milestone, list(regions)) + _unit_drafts(milestone, list(units))
    return []


def _mark_fulfilled(drafts: list[GeneratedTask], today: datetime.date) -> None:
    """Places an active organization already fulfils get their task done at once, linked to it (two queries)."""
    region_ids = {d.region_id for d in drafts if d.target_unit_id is None}
    unit_ids = {d.target_unit_id for d in drafts if d.target_unit_id is not None}
    if not drafts:
        return
    active = Organization.objects.filter(status=OrganizationStatus.ACTIVE).filter(
        Q(unit__isnull=True, region_id__in=region_ids) | Q(unit_id__in=unit_ids))
    levels = dict(Region.objects.filter(pk__in=region_ids).values_list("pk", "level"))
    by_region: dict[int, tuple[int, str]] = {}
    by_unit: dict[int, tuple[int, str]] = {}
    for pk, name, kind, region_id, unit_id in active.order_by("pk").values_list("pk", "name", "kind", "region_id", "unit_id"):
        if unit_id is not None:
            if kind in FULFILLING_KINDS[PlaceLevel.UNIT]:
                by_unit.setdefault(unit_id, (pk, name))
        elif kind in FULFILLING_KINDS.get(levels.get(region_id, ""), set()):
            by_region.setdefault(region_id, (pk, name))
    for draft in drafts:
        found = by_unit.get(draft.target_unit_id) if draft.target_unit_id is not None else by_region.get(draft.region_id)
        if found is not None:
            draft.status, draft.completed_on, draft.target_organization_id = TaskStatus.DONE, today, found[0]
            draft.evidence = _("%(org)s已成立（生成任务时已完成）") % {"org": found[1]}


@dataclass
class GenerationPreview:
    """What generating a milestone's tasks would do: the places chosen, those that already have their task in
    the plan, those fulfilled already (their task is created done), and for a cascade the sub-plans to open."""

    milestone: Milestone
    drafts: list[GeneratedTask]
    existing_keys: set[str]

    @property
    def new(self) -> list[GeneratedTask]:
        return [d for d in self.drafts if d.place_key not in self.existing_keys]

    @property
    def done_at_once(self) -> list[GeneratedTask]:
        return [d for d in self.new if d.status == TaskStatus.DONE]

    def open_tasks_fulfilled(self):
        """Tasks generated before whose place has since got its organization but are still open: generating closes
        them too (one query)."""
        fulfilled = {d.place_key: d for d in self.drafts if d.status == TaskStatus.DONE and d.place_key in self.existing_keys}
        tasks = Task.objects.filter(plan=self.milestone.plan, place_key__in=fulfilled, status__in=OPEN_TASK_STATUSES)
        return [(task, fulfilled[task.place_key]) for task in tasks]

    @property
    def sub_plans(self) -> list[GeneratedTask]:
        if self.milestone.target_rule != TargetRule.SUB_PLANS:
            return []
        opened = set(Plan.objects.filter(parent_milestone=self.milestone).values_list("scope_region_id", flat=True))
        return [d for d in self.drafts if d.region_id not in opened]


def milestone_preview(milestone: Milestone, *, today: datetime.date | None = None) -> GenerationPreview:
    """The preview shows each task as it will read: {county} filled with the place's county (two queries)."""
    today = today or timezone.localdate()
    drafts = milestone_drafts(milestone, today=today)
    counties = counties_of_regions(d.region_id for d in drafts if "{county}" in d.title + d.responsible_unit + d.responsible_person)
    for draft in drafts:
        info = counties.get(draft.region_id)
        if info is not None:
            draft.title, draft.responsible_unit, draft.responsible_person = (
                text.replace("{county}", info.county_name) for text in (draft.title, draft.responsible_unit, draft.responsible_person))
    if milestone.target_rule in (TargetRule.KEY_AREAS, TargetRule.NAMED):  # a gap is missing by definition
        _mark_fulfilled(drafts, today)
    keys = [d.place_key for d in drafts]
    existing = set(Task.objects.filter(plan=milestone.plan, place_key__in=keys).values_list("place_key", flat=True))
    return GenerationPreview(milestone, drafts, existing)


@dataclass
class GenerationResult:
    created: list[Task]
    sub_plans: list[Plan]

    @property
    def done_at_once(self) -> int:
        return sum(1 for t in self.created if t.status == TaskStatus.DONE)


@transaction.atomic
def milestone_generate(*, milestone: Milestone, actor=None, today: datetime.date | None = None, notify: bool = True) -> GenerationResult:
    """Creates what the preview shows: the missing tasks (fulfilled places done at once, linked to their
    organization) and, for a cascading milestone, each region's sub-plan. Running it again creates nothing."""
    preview = milestone_preview(milestone, today=today)
    sub_plans = []
    if milestone.target_rule == TargetRule.SUB_PLANS:
        sub_plans = _sub_plans_open(milestone, preview.sub_plans, actor)
    created = _tasks_bulk_create(milestone.plan, milestone, preview.new, notify=notify)
    for task, draft in preview.open_tasks_fulfilled():
        task_status_change(task=task, status=TaskStatus.DONE, actor=actor, completed_on=draft.completed_on,
                           evidence=draft.evidence, target_organization=Organization.objects.get(pk=draft.target_organization_id),
                           kind=TaskUpdateKind.AUTO)
    return GenerationResult(created, sub_plans)


def _sub_plans_open(milestone: Milestone, drafts: list[GeneratedTask], actor) -> list[Plan]:
    """A sub-plan per region (its officials write its milestones), bulk created; ON CONFLICT keeps one per region."""
    parent = milestone.plan
    plans = [
        Plan(title=f"{d.place_name}{milestone.name}", issuing_body="", scope_region_id=d.region_id, parent=parent,
             parent_milestone=milestone, created_by=actor if getattr(actor, "is_authenticated", False) else None,
             source_text=milestone.description)
        for d in drafts
    ]
    Plan.objects.bulk_create(plans, ignore_conflicts=True)
    return list(Plan.objects.filter(parent_milestone=milestone, scope_region_id__in=[d.region_id for d in drafts]))


def recurring_tasks_ensure(*, today: datetime.date) -> int:
    """Creates the occurrences of yearly milestones of open plans whose period (the calendar year) has started."""
    created = 0
    for milestone in Milestone.objects.filter(plan__is_open=True, recurrence=Recurrence.YEARLY).exclude(task_level="").select_related("plan", "plan__scope_region"):
        if milestone.deadline.year <= today.year:
            created += len(milestone_tasks_create(milestone=milestone, year=today.year))
    return created


# ---------------------------------------------------------------------------------------------------------------
# Events

def _open_plans():
    """Open plans, each with its milestones, the innermost scope first: the first one whose scope contains a
    region is the plan covering it (plans are few; one query for them, one for their milestones)."""
    return list(Plan.objects.filter(is_open=True).select_related("scope_region").prefetch_related("milestones")
                .order_by("-scope_region__lft", "-issued_on", "pk"))


def _plan_covering(plans: list[Plan], region: Region) -> Plan | None:
    return next((p for p in plans if region.is_descendant_of(p.scope_region, include_self=True)), None)


def _milestone_for(plan: Plan, level: str, is_key_area: bool, today: datetime.date) -> Milestone | None:
    candidates = [
        m for m in plan.milestones.all()
        if level in (m.gap_levels or []) and not (m.key_areas_only and not is_key_area)
        and not (m.other_areas_only and is_key_area and level != PlaceLevel.UNIT)
    ]
    upcoming = [m for m in candidates if m.deadline >= today]
    if upcoming:
        return min(upcoming, key=lambda m: m.deadline)
    return max(candidates, key=lambda m: m.deadline) if candidates else None


@transaction.atomic
def tasks_for_crossings(*, crossings: list[dict], today: datetime.date | None = None) -> list[Task]:
    """For places that became required: a task in the open plan covering each (the plan's milestone for the
    place's level; its deadline, or 90 days from today when the milestone has passed)."""
    today = today or timezone.localdate()
    required = [c for c in crossings if c.get("new") == VerdictChoice.REQUIRED]
    if not required:
        return []
    region_ids = {c["region_id"] for c in required}
    regions = Region.objects.in_bulk(region_ids)
    reqs = {
        r["pk"]: r for r in Requirement.objects.filter(
            Q(pk__in=[c["requirement_id"] for c in required if c.get("requirement_id")])
        ).values("pk", "region_id", "unit_id", "level", "reason", "region__name", "unit__name")
    }
    plans = _open_plans()
    # Drafts grouped by (plan, milestone), in the crossings' order: one bulk create (and one message per
    # responsible person) per group, not a round of queries per crossing.
    groups: dict[tuple, tuple[Plan, Milestone | None, dict[str, GeneratedTask]]] = {}
    for crossing in required:
        region = regions.get(crossing["region_id"])
        requirement_id = crossing.get("requirement_id")
        req = reqs.get(requirement_id) if requirement_id is not None else None
        if region is None or req is None:
            continue
        plan = _plan_covering(plans, region)
        if plan is None:
            continue
        milestone = _milestone_for(plan, crossing["level"], region.is_key_area, today)
        deadline = milestone.deadline if milestone and milestone.deadline >= today else today + datetime.timedelta(days=90)
        drafts = groups.setdefault((plan.pk, milestone.pk if milestone else None), (plan, milestone, {}))[2]
        draft = _gap_drafts([req], deadline, milestone)[0]  # worded as the milestone words its tasks
        drafts.setdefault(draft.place_key, draft)  # the first crossing of a place wins
    created: list[Task] = []
    for plan, milestone, drafts in groups.values():
        created += _tasks_bulk_create(plan, milestone, list(drafts.values()))
    return created


@transaction.atomic
def tasks_complete_for_organization(*, organization: Organization, actor=None, today: datetime.date | None = None) -> list[Task]:
    """The place's open tasks (by place key) that this organization fulfils are done, linked to it."""
    today = today or timezone.localdate()
    keys = {region_place_key(organization.region_id)}
    if organization.unit_id:
        keys = {unit_place_key(organization.unit_id)}
    level = PlaceLevel.UNIT if organization.unit_id else organization.region.level
    if organization.kind not in FULFILLING_KINDS.get(level, set()):
        return []
    done = []
    for task in Task.objects.filter(place_key__in=keys, status__in=OPEN_TASK_STATUSES):
        done.append(task_status_change(
            task=task, status=TaskStatus.DONE, actor=actor, completed_on=today, target_organization=organization,
            evidence=_("%(org)s已成立（状态：已成立）") % {"org": organization.name}, kind=TaskUpdateKind.AUTO,
        ))
    return done


FIXTURES = Path(settings.BASE_DIR) / "fixtures"


PLAN_FILES = (FIXTURES / "plans" / "yuxi_2020.json", FIXTURES / "plans" / "jiangxi_measures.json")


MILESTONE_FIELDS = ("name", "deadline", "description", "gap_levels", "key_areas_only", "other_areas_only",
                    "task_level", "task_title", "task_responsible_unit", "task_responsible_person", "recurrence",
                    "target_rule")


@dataclass
class PlanLoadResult:
    plan: Plan
    milestones: int
    tasks: int


def _region(code: str) -> Region:
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise ValidationError({"scope_region": _("区划代码 %(c)s 不存在，请先导入区划") % {"c": code}}) from None


@transaction.atomic
def plan_load(*, path: Path, today: datetime.date | None = None) -> PlanLoadResult:
    """Creates or updates one plan and its milestones from a JSON fixture, then the tasks it names (idempotent;
    nobody is notified: reminders follow the deadlines)."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    source = path.parent / spec["source_file"] if spec.get("source_file") else None
    plan, _created = Plan.objects.update_or_create(key=spec["key"], defaults={
        "title": spec["title"], "issuing_body": spec.get("issuing_body", ""),
        "document_number": spec.get("document_number", ""),
        "issued_on": datetime.date.fromisoformat(spec["issued_on"]) if spec.get("issued_on") else None,
        "scope_region": _region(spec["scope_region"]),
        "source_text": source.read_text(encoding="utf-8") if source and source.exists() else "",
    })
    leadership_group_load(plan, spec.get("leadership_group"))  # the group of Yuxi 四, when the plan names one
    tasks = 0
    for item in spec.get("milestones", []):
        values = {f: item[f] for f in MILESTONE_FIELDS if f in item}
        values["deadline"] = datetime.date.fromisoformat(values["deadline"])
        values.setdefault("target_rule", _rule_of(item))
        milestone, _c = Milestone.objects.update_or_create(plan=plan, key=item["key"], defaults=values)
        if item.get("csv_item"):
            milestone.target_regions.set(_csv_regions(item, FIXTURES / spec["items_csv"]))
            # loading a plan is not an assignment: nobody is notified (reminders follow the deadlines)
            tasks += len(milestone_generate(milestone=milestone, today=today, notify=False).created)
        elif milestone.task_level:
            # One-off per-region tasks already past (the 2020 reports) are loaded as done.
            year = (today or timezone.localdate()).year if milestone.recurrence else None
            tasks += len(milestone_tasks_create(milestone=milestone, year=year, done_before=today, notify=False))
    return PlanLoadResult(plan, plan.milestones.count(), tasks)


def _rule_of(item: dict) -> str:
    if item.get("csv_item"):
        return TargetRule.NAMED  # the plan's own list of places (one per county federation or key area)
    if item.get("task_level"):
        return TargetRule.LEVEL
    return TargetRule.GAPS if item.get("gap_levels") else TargetRule.NONE


def _csv_regions(item: dict, csv_path: Path) -> list[int]:
    """The regions the plan's item list names, by county code and place name inside that county."""
    with csv_path.open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["item"] == item["csv_item"]]
    counties = {r.code: r for r in Region.objects.filter(code__in={r["county_code"] for r in rows})}
    named = list(Region.objects.filter(name__in={r["name"] for r in rows}).values("pk", "name", "tree_id", "lft", "rght"))
    region_ids = []
    for row in rows:
        county = counties.get(row["county_code"])
        if county is None:
            continue
        if row["level"] == "county":
            region_ids.append(county.pk)
            continue
        matches = [n["pk"] for n in named if n["name"] == row["name"] and n["tree_id"] == county.tree_id
                   and county.lft < n["lft"] and n["rght"] < county.rght]
        region_ids += matches[:1]
    return region_ids


def plans_load(*, today: datetime.date | None = None) -> list[PlanLoadResult]:
    """Every shipped plan."""
    return [plan_load(path=path, today=today) for path in PLAN_FILES]
