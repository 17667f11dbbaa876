"""Reads of plans and tasks used by pages and the API (all scoped by the caller)."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tasks.plans.models import OPEN_TASK_STATUSES, Milestone, Plan, Task, TaskStatus


class OpenFirstList:
    """A paginable sequence: open tasks by deadline (so the overdue ones come first), then closed ones. Each part
    is its own ORDER BY deadline LIMIT query, which the partial index on open deadlines serves; the counts come
    from the board summary, so paging costs no COUNT."""

    def __init__(self, queryset, open_count: int, closed_count: int, today: datetime.date):
        self.open = queryset.filter(status__in=OPEN_TASK_STATUSES).order_by("deadline", "pk")
        self.closed = queryset.exclude(status__in=OPEN_TASK_STATUSES).order_by("-deadline", "-pk")
        self.open_count, self.closed_count, self.today = open_count, closed_count, today

    def count(self) -> int:
        return self.open_count + self.closed_count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list:
        start, stop = window.start or 0, window.stop if window.stop is not None else self.count()
        rows = list(self.open[start:min(stop, self.open_count)]) if start < self.open_count else []
        if stop > self.open_count:
            rows += list(self.closed[max(0, start - self.open_count):stop - self.open_count])
        for task in rows:
            task.board_rank = (0 if task.deadline < self.today else 1) if task.status in OPEN_TASK_STATUSES else 2
        return rows


def board_summary(queryset, today: datetime.date | None = None) -> list[dict]:
    """Per milestone: counts by status and overdue (one aggregate over task rows, grouped by the milestone id;
    names and deadlines then from the few milestones)."""
    today = today or timezone.localdate()
    rows = list(queryset.order_by().values("milestone_id").annotate(
        total=Count("pk"),
        todo=Count("pk", filter=Q(status=TaskStatus.TODO)),
        in_progress=Count("pk", filter=Q(status=TaskStatus.IN_PROGRESS)),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        cancelled=Count("pk", filter=Q(status=TaskStatus.CANCELLED)),
        overdue=Count("pk", filter=Q(status__in=OPEN_TASK_STATUSES, deadline__lt=today)),
    ))
    milestones = Milestone.objects.select_related("plan").only("name", "deadline", "plan__title").in_bulk(
        [r["milestone_id"] for r in rows if r["milestone_id"]])
    for row in rows:
        milestone = milestones.get(row["milestone_id"])
        row["milestone__name"] = milestone.name if milestone else ""
        row["milestone__deadline"] = milestone.deadline if milestone else None
        row["plan__title"] = milestone.plan.title if milestone else ""
    return sorted(rows, key=lambda r: (r["milestone__deadline"] is None, r["milestone__deadline"] or today, r["milestone_id"] or 0))


@dataclass
class MilestoneProgress:
    milestone: Milestone
    total: int
    done: int
    overdue: int
    today: datetime.date
    can_generate: bool = False
    rule: str = ""  # the target rule in words (plan page)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def days_left(self) -> int:
        return (self.milestone.deadline - self.today).days

    @property
    def days_late(self) -> int:
        return -self.days_left


def milestones_progress(user, today: datetime.date | None = None, plan_id: int | None = None) -> list[MilestoneProgress]:
    """Milestones the user sees, each with done / total of the tasks the user sees (two queries)."""
    today = today or timezone.localdate()
    milestones = Milestone.objects.visible_to(user).select_related("plan", "plan__scope_region")
    if plan_id:
        milestones = milestones.filter(plan_id=plan_id)
    counts = {
        r["milestone_id"]: r for r in Task.objects.visible_to(user).exclude(status=TaskStatus.CANCELLED)
        .filter(milestone__isnull=False).values("milestone_id").annotate(
            total=Count("pk"), done=Count("pk", filter=Q(status=TaskStatus.DONE)),
            overdue=Count("pk", filter=Q(status__in=OPEN_TASK_STATUSES, deadline__lt=today)))
    }
    return [
        MilestoneProgress(m, counts.get(m.pk, {}).get("total", 0), counts.get(m.pk, {}).get("done", 0),
                          counts.get(m.pk, {}).get("overdue", 0), today)
        for m in milestones.order_by("deadline", "pk")
    ]


def plan_templates(user):
    """Plans a federation may copy into its own: the shipped ones (loaded by key: the Yuxi plan, the Jiangxi
    measures) and any plan the user sees."""
    return Plan.objects.visible_to(user).select_related("scope_region").order_by("-key", "-issued_on", "pk")


def plans_listed(user):
    """The plans the user sees, with their milestones and tasks counted (one query)."""
    def counted(queryset):
        rows = queryset.filter(plan=OuterRef("pk")).order_by().values("plan").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))

    return (
        Plan.objects.visible_to(user).select_related("scope_region", "parent")
        .annotate(milestone_count=counted(Milestone.objects), task_count=counted(Task.objects),
                  done_count=counted(Task.objects.filter(status=TaskStatus.DONE)))
        .order_by("scope_region__tree_id", "scope_region__lft", "-issued_on", "pk")
    )
