"""Scope-matrix cases of plans and tasks: the board, my tasks, the timeline (and its gap-task button), task
detail (progress reports are writes), the inbox, and the API of plans, milestones, tasks and notifications.

Each placed object gets its own plan scoped to its county, so a county official sees only their own; the
notifications of the inbox are addressed to the county official of the region."""
from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model

from tasks.notifications.models import Digest, Notification, OutboxMessage
from tasks.plans.models import Milestone, Plan, Task
from tests.scope.registry import (
    API,
    FOREIGN_REGION,
    OWN_REGION,
    WEB,
    Placed,
    Probe,
    RouteCase,
    Write,
    admin_only_cases,
    register,
)

User = get_user_model()
READ_METHODS = ("GET", "HEAD", "OPTIONS")
COUNTY_OFFICIALS = {OWN_REGION: "tonghai_official", FOREIGN_REGION: "huaning_official"}


def _short(region) -> str:
    return region.name[:2]


def _plan(region) -> Plan:
    plan, _ = Plan.objects.get_or_create(key=f"matrix-{region.code}", defaults={"title": f"{_short(region)}矩阵方案", "scope_region": region})
    return plan


def _milestone(region) -> Milestone:
    plan = _plan(region)
    milestone, _ = Milestone.objects.get_or_create(plan=plan, key="matrix", defaults={
        "name": f"{_short(region)}矩阵节点", "deadline": datetime.date(2030, 12, 31), "gap_levels": ["village"],
        "target_rule": "level", "task_level": "township", "task_title": "{region}矩阵生成任务"})
    return milestone


def _task(region) -> Task:
    milestone = _milestone(region)
    task = Task.objects.create(plan=milestone.plan, milestone=milestone, title=f"{_short(region)}矩阵任务", region=region,
                               deadline=datetime.date(2030, 6, 30), responsible_unit=f"{_short(region)}统战部")
    task.responsible_users.set([User.objects.get(username=COUNTY_OFFICIALS[region.code])])
    return task


PLAN = Placed("plan", make=_plan, markers=lambda p: (p.title,),
              rows=lambda: list(Plan.objects.values_list()) + list(Milestone.objects.values_list()))
MILESTONE = Placed("milestone", make=_milestone, markers=lambda m: (m.name,),
                   rows=lambda: list(Task.objects.values_list()) + list(Milestone.objects.values_list()))
TASK = Placed("task", make=_task, markers=lambda t: (t.title,),
              rows=lambda: list(Task.objects.values_list()) + list(Task.updates.rel.related_model.objects.values_list()))
NOTIFICATION = Placed(
    "notification",
    make=lambda region: Notification.objects.create(user=User.objects.get(username=COUNTY_OFFICIALS[region.code]),
                                                    title=f"{_short(region)}矩阵消息"),
    markers=lambda n: (n.title,), rows=lambda: list(Notification.objects.values_list()),
)
by_pk = lambda obj: {"pk": obj.pk}  # noqa: E731


def task_form(world, obj, region):
    """A new task of the region's own plan, placed in `region`, with its county official responsible."""
    return {"plan": _plan(region).pk, "title": f"{_short(region)}新建矩阵任务", "region": region.code,
            "deadline": "2030-05-01", "responsible_unit": "统战部", "responsible_users": [_official(region).pk],
            "contacts": "张三 通海县侨联", "milestone": "", "description": ""}

def plan_form(world, obj, region):
    return {"title": f"{_short(region)}网页方案", "region": region.code, "template": "", "issuing_body": "",
            "document_number": "", "issued_on": "", "source_text": ""}


def milestone_body(region) -> dict:
    """Every township of the region (the own county has some; a foreign one is refused before that matters)."""
    return {"name": f"{_short(region)}新矩阵节点", "deadline": "2031-06-30", "target_rule": "level", "task_level": "township",
            "task_title": "{region}建会", "task_responsible_unit": "{county}委统战部", "description": ""}


register(
    RouteCase("tasks:board", WEB, TASK, methods=("GET", "HEAD"),
              reads=(Probe(), Probe(data=lambda world, obj: {"q": "矩阵"}, name="q"),
                     Probe(data=lambda world, obj: {"county": FOREIGN_REGION}, shows_own=False, name="foreign-county"))),
    RouteCase("tasks:create", WEB, TASK, methods=("GET", "HEAD"), reads=(Probe(shows_own=False),), leader_reads=False,
              writes=(Write("POST", task_form, action="create", moves=True),)),
    RouteCase("tasks:mine", WEB, TASK, methods=("GET", "HEAD"), reads=(Probe(leader_sees_both=False),)),
    RouteCase("tasks:timeline", WEB, MILESTONE, methods=("GET", "HEAD")),
    RouteCase(
        "tasks:detail", WEB, TASK, kwargs=by_pk, methods=("GET", "HEAD"),
        writes=(Write("POST", lambda world, obj, region: {"action": "update", "note": "矩阵进展"}, action="change"),),
    ),
    RouteCase("tasks:inbox", WEB, NOTIFICATION, methods=("GET", "HEAD", "POST"), reads=(Probe(leader_sees_both=False),)),
    RouteCase("api:plan-list", API, PLAN, methods=READ_METHODS,
              writes=(Write("POST", lambda world, obj, region: {"title": f"{_short(region)}接口方案", "region": region.code},
                            action="create", moves=True, json=True),)),
    RouteCase("api:plan-detail", API, PLAN, kwargs=by_pk, methods=READ_METHODS,
              writes=(Write("PATCH", lambda world, obj, region: {"title": "接口改名方案"}, json=True),
                      Write("PUT", lambda world, obj, region: {"title": "接口改名方案", "document_number": "1号"}, json=True))),
    RouteCase("api:milestone-list", API, MILESTONE, methods=READ_METHODS,
              writes=(Write("POST", lambda world, obj, region: milestone_body(region) | {"plan": _plan(region).pk},
                            action="create", moves=True, json=True),)),
    RouteCase("api:milestone-detail", API, MILESTONE, kwargs=by_pk, methods=READ_METHODS,
              writes=(Write("PATCH", lambda world, obj, region: {"name": "接口改名节点"}, json=True),
                      Write("PUT", lambda world, obj, region: {"name": "接口改名节点", "deadline": "2031-01-01"}, json=True))),
    RouteCase("api:milestone-preview", API, MILESTONE, kwargs=by_pk, methods=("GET", "HEAD", "OPTIONS"), leader_reads=False),
    RouteCase("api:milestone-generate", API, MILESTONE, kwargs=by_pk, methods=("POST",), reads=(),
              writes=(Write("POST", json=True),)),
    RouteCase("tasks:plan-list", WEB, PLAN, methods=("GET", "HEAD")),
    RouteCase("tasks:plan-create", WEB, PLAN, methods=("GET", "HEAD", "OPTIONS", "POST"), reads=(Probe(shows_own=False),),
              leader_reads=False, writes=(Write("POST", plan_form, action="create", moves=True),)),
    RouteCase("tasks:plan-detail", WEB, PLAN, kwargs=by_pk, methods=("GET", "HEAD")),
    RouteCase("tasks:plan-edit", WEB, PLAN, kwargs=by_pk, methods=("GET", "HEAD", "OPTIONS", "POST"), leader_reads=False,
              writes=(Write("POST", lambda world, obj, region: {"title": "网页改名方案"}),)),
    RouteCase("tasks:milestone-create", WEB, PLAN, kwargs=by_pk, methods=("GET", "HEAD", "OPTIONS", "POST"), leader_reads=False,
              writes=(Write("POST", lambda world, obj, region: milestone_body(region)),)),
    RouteCase("tasks:milestone-edit", WEB, MILESTONE, kwargs=by_pk, methods=("GET", "HEAD", "OPTIONS", "POST"), leader_reads=False,
              writes=(Write("POST", lambda world, obj, region: milestone_body(region) | {"name": "网页改名节点"}),)),
    RouteCase("tasks:milestone-delete", WEB, MILESTONE, kwargs=by_pk, methods=("POST",), reads=(), writes=(Write("POST"),)),
    RouteCase("tasks:milestone-generate", WEB, MILESTONE, kwargs=by_pk, methods=("GET", "HEAD", "OPTIONS", "POST"),
              leader_reads=False, writes=(Write("POST"),)),
    RouteCase("api:task-list", API, TASK, methods=READ_METHODS,
              reads=(Probe(), Probe(data=lambda world, obj: {"region": FOREIGN_REGION}, shows_own=False, name="foreign-region"),
                     Probe(data=lambda world, obj: {"overdue": "false", "status": "todo"}, name="filters"))),
    RouteCase("api:task-detail", API, TASK, kwargs=by_pk, methods=READ_METHODS),
    RouteCase("api:notification-list", API, NOTIFICATION, methods=READ_METHODS, reads=(Probe(leader_sees_both=False),)),
)


def _official(region):
    return User.objects.get(username=COUNTY_OFFICIALS[region.code])


DIGEST = Placed(
    "digest", make=lambda region: Digest.objects.create(user=_official(region), day=datetime.date(2030, 1, 1), items=[]),
    markers=lambda d: (d.user.username,), rows=lambda: list(Digest.objects.values_list()),
)
OUTBOX = Placed(
    "outboxmessage",
    make=lambda region: OutboxMessage.objects.create(key=f"matrix:{region.code}", recipient=_official(region),
                                                     to_address=f"m{region.code}@example.org", subject=f"{_short(region)}矩阵邮件", body="-"),
    markers=lambda m: (m.subject,), rows=lambda: list(OutboxMessage.objects.values_list()),
)

# The Django admin of plans and tasks is for administrators: the scoped staff users of the matrix hold no tasks
# permissions (their admins are scoped all the same, through ScopedAdminMixin).
register(
    *admin_only_cases(PLAN, "tasks.plan"),
    *admin_only_cases(MILESTONE, "tasks.milestone"),
    *admin_only_cases(TASK, "tasks.task"),
    *admin_only_cases(NOTIFICATION, "tasks.notification"),
    *admin_only_cases(DIGEST, "tasks.digest"),
    *admin_only_cases(OUTBOX, "tasks.outboxmessage"),
    # 消息发送 (the outbox's delivery state, not bound to a region): the system administrator's, 403 for everyone else
    RouteCase("tasks:outbox", WEB, OUTBOX, admin_only=True),
)


# Files of tasks (evidence, progress attachments) are served only through scoped views: the file holds the
# object's marker, so the own county's download proves it is served and the foreign one that it is not.
def _evidence_task(region) -> Task:
    from django.core.files.base import ContentFile

    task = _task(region)
    task.evidence_file.save(f"matrix-{region.code}.pdf", ContentFile(f"%PDF-1.4 {_short(region)}矩阵佐证".encode()), save=True)
    return task


def _attachment_update(region):
    from django.core.files.base import ContentFile

    from tasks.plans.models import TaskUpdate

    update = TaskUpdate(task=_task(region), note="-")
    update.attachment.save(f"matrix-{region.code}.pdf", ContentFile(f"%PDF-1.4 {_short(region)}矩阵附件".encode()), save=True)
    return update


EVIDENCE = Placed("taskevidence", make=_evidence_task, markers=lambda t: (f"{_short(t.region)}矩阵佐证",),
                  rows=lambda: list(Task.objects.values_list()))
ATTACHMENT = Placed("taskattachment", make=_attachment_update, markers=lambda u: (f"{_short(u.task.region)}矩阵附件",),
                    rows=lambda: list(Task.updates.rel.related_model.objects.values_list()))
register(
    RouteCase("tasks:evidence", WEB, EVIDENCE, kwargs=by_pk, methods=("GET", "HEAD")),
    RouteCase("tasks:update-attachment", WEB, ATTACHMENT, kwargs=by_pk, methods=("GET", "HEAD")),
)
