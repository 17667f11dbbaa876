"""Plans (实施方案), their milestones (时间节点) and deadline-bound tasks (任务)."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.access.scoping import ScopedQuerySet
from orgs.organizations.models import Organization
from orgs.regions.models import Region
from orgs.units.models import Unit

__all__ = [
    "OPEN_TASK_STATUSES",
    "LeadershipRole",
    "Milestone",
    "MilestoneQuerySet",
    "Plan",
    "PlanLeadershipMember",
    "PlanQuerySet",
    "Recurrence",
    "TargetRule",
    "Task",
    "TaskQuerySet",
    "TaskStatus",
    "TaskUpdate",
    "TaskUpdateKind",
]


class PlanQuerySet(ScopedQuerySet):
    region_field = "scope_region"
    visible_includes_ancestors = True  # a county official sees the city plan that covers the county


class Plan(models.Model):
    """实施方案: a plan issued by a federation for a scope region."""

    title = models.CharField(_("标题"), max_length=200)
    issuing_body = models.CharField(_("发文单位"), max_length=128, blank=True, default="")
    document_number = models.CharField(_("文号"), max_length=64, blank=True, default="")
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    scope_region = models.ForeignKey(Region, verbose_name=_("适用区划"), on_delete=models.PROTECT, related_name="plans")
    source_text = models.TextField(_("原文"), blank=True, default="")
    key = models.SlugField(_("标识"), max_length=40, unique=True, null=True, blank=True, help_text=_("载入的方案以此去重"))
    is_open = models.BooleanField(_("执行中"), default=True, help_text=_("执行中的方案接收新增应建地点的任务"))
    parent = models.ForeignKey(
        "self", verbose_name=_("上级方案"), on_delete=models.PROTECT, null=True, blank=True, related_name="sub_plans",
    )
    parent_milestone = models.ForeignKey(
        "Milestone", verbose_name=_("来自上级方案的时间节点"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="sub_plans",
    )
    copied_from = models.ForeignKey(
        "self", verbose_name=_("所用模板"), on_delete=models.SET_NULL, null=True, blank=True, related_name="copies",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制定人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # 组织领导 (Yuxi 四): the plan's leadership group and where its office sits; members: PlanLeadershipMember
    leadership_group = models.CharField(_("领导小组名称"), max_length=128, blank=True, default="")
    leadership_office = models.CharField(_("领导小组办公室设在"), max_length=128, blank=True, default="")

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("实施方案")
        verbose_name_plural = _("实施方案")
        constraints = [
            # a cascading milestone makes one sub-plan per region, once
            models.UniqueConstraint(fields=["parent_milestone", "scope_region"], name="plan_one_sub_plan_per_region"),
        ]

    def __str__(self) -> str:
        return self.title


class Recurrence(models.TextChoices):
    NONE = "", _("不重复")
    YEARLY = "yearly", _("每年")


class TargetRule(models.TextChoices):
    """How a milestone chooses the places that get a task."""

    NONE = "", _("不生成任务")
    LEVEL = "level", _("该层级的每个区划")
    KEY_AREAS = "key_areas", _("每个重点侨务地区")
    GAPS = "gaps", _("应建未建的地点")
    NAMED = "named", _("指定的区划或单位")
    SUB_PLANS = "sub_plans", _("每个下级区划制定子方案")


class MilestoneQuerySet(ScopedQuerySet):
    region_field = "plan__scope_region"
    visible_includes_ancestors = True


class Milestone(models.Model):
    """时间节点: a named deadline of a plan."""

    plan = models.ForeignKey(Plan, verbose_name=_("实施方案"), on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("名称"), max_length=200)
    deadline = models.DateField(_("完成时限"))
    description = models.TextField(_("说明"), blank=True, default="")
    key = models.SlugField(_("标识"), max_length=40, blank=True, default="")
    gap_levels = models.JSONField(
        _("对应的应建层级"), default=list, blank=True,
        help_text=_("由应建缺口生成任务时所覆盖的层级：county / township / village / unit"),
    )
    key_areas_only = models.BooleanField(_("仅重点侨务地区"), default=False)
    other_areas_only = models.BooleanField(_("仅非重点地区"), default=False)
    task_level = models.CharField(
        _("逐区划任务层级"), max_length=10, blank=True, default="",
        help_text=_("非空时，方案范围内该层级的每个区划各有一项任务（如每个县报送计划）"),
    )
    task_title = models.CharField(_("任务标题模板"), max_length=200, blank=True, default="", help_text=_("可用 {region}、{year}"))
    task_responsible_unit = models.CharField(_("责任单位模板"), max_length=128, blank=True, default="")
    recurrence = models.CharField(_("重复"), max_length=8, choices=Recurrence.choices, blank=True, default=Recurrence.NONE)
    target_rule = models.CharField(_("任务对象"), max_length=12, choices=TargetRule.choices, blank=True, default=TargetRule.NONE)
    target_regions = models.ManyToManyField(Region, verbose_name=_("指定区划"), blank=True, related_name="+")
    target_units = models.ManyToManyField(Unit, verbose_name=_("指定单位"), blank=True, related_name="+")
    task_responsible_person = models.CharField(
        _("责任人"), max_length=128, blank=True, default="", help_text=_("按方案原文，如“县（市、区）委统战部部长”"),
    )

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("时间节点")
        verbose_name_plural = _("时间节点")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.deadline:%Y-%m-%d}）"


class TaskStatus(models.TextChoices):
    TODO = "todo", _("待办")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


OPEN_TASK_STATUSES = frozenset({TaskStatus.TODO, TaskStatus.IN_PROGRESS})


class TaskQuerySet(ScopedQuerySet):
    region_field = "region"

    def open(self):
        return self.filter(status__in=OPEN_TASK_STATUSES)

    def overdue(self, today: datetime.date | None = None):
        return self.open().filter(deadline__lt=today or timezone.localdate())


class Task(models.Model):
    """任务: one deadline-bound piece of work of a plan. `region` is where the task lies (the target's
    region, or the responsible region for a region-wide task): it is what scoping uses."""

    plan = models.ForeignKey(Plan, verbose_name=_("实施方案"), on_delete=models.CASCADE, related_name="tasks")
    milestone = models.ForeignKey(
        Milestone, verbose_name=_("时间节点"), on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    title = models.CharField(_("任务"), max_length=200)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="tasks")
    target_unit = models.ForeignKey(
        Unit, verbose_name=_("目标单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    target_organization = models.ForeignKey(
        Organization, verbose_name=_("目标组织"), on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    responsible_unit = models.CharField(_("责任单位"), max_length=128, blank=True, default="")
    responsible_person = models.CharField(_("责任人"), max_length=128, blank=True, default="", help_text=_("按方案原文"))
    responsible_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人"), blank=True, related_name="responsible_tasks"
    )
    deadline = models.DateField(_("完成时限"), db_index=True)
    status = models.CharField(_("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.TODO, db_index=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    responsible_contacts = models.JSONField(
        _("其他责任人"), default=list, blank=True, help_text=_("未注册的责任人：[{\"name\": 姓名, \"contact\": 联系方式}]")
    )
    description = models.TextField(_("说明"), blank=True, default="")
    evidence = models.TextField(_("完成佐证"), blank=True, default="")
    evidence_file = models.FileField(_("佐证材料"), upload_to="tasks/evidence/%Y/%m/", blank=True)
    place_key = models.CharField(
        _("地点标识"), max_length=40, blank=True, default="",
        help_text=_("由应建缺口或周期性任务生成时的去重键，如 r123、u45、r123:2023"),
    )
    target_requirement = models.ForeignKey(
        "census.Requirement", verbose_name=_("应建评估"), on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    recurrence = models.CharField(_("重复"), max_length=8, choices=Recurrence.choices, blank=True, default=Recurrence.NONE)
    period_start = models.DateField(_("周期开始"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        indexes = [
            models.Index(fields=["status", "deadline"], name="task_status_deadline_idx"),
            models.Index(fields=["deadline"], condition=models.Q(status__in=["todo", "in_progress"]), name="task_open_deadline_idx"),
            # the board's and the API's order: the first page of a province's tasks is read in order from here
            # (0.6 ms) instead of sorting all of them after joining their regions (41 ms for 6,786 tasks)
            models.Index(fields=["deadline", "id"], name="task_deadline_id_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["plan", "place_key"], condition=~models.Q(place_key=""), name="task_unique_place_per_plan"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASK_STATUSES

    def days_left(self, today: datetime.date | None = None) -> int:
        """Days until the deadline (negative when late)."""
        return (self.deadline - (today or timezone.localdate())).days

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open and self.days_left(today) < 0

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def contacts_display(self) -> str:
        return "、".join(
            f"{c.get('name', '')}（{c['contact']}）" if c.get("contact") else c.get("name", "") for c in self.responsible_contacts
        )


class TaskUpdateKind(models.TextChoices):
    CREATED = "created", _("创建")
    PROGRESS = "progress", _("进展")
    STATUS = "status", _("状态变更")
    ASSIGNED = "assigned", _("指派")
    AUTO = "auto", _("系统自动")


def _attachment_path(instance: TaskUpdate, filename: str) -> str:
    return f"tasks/updates/{instance.task_id}/{filename}"


class TaskUpdateQuerySet(ScopedQuerySet):
    region_field = "task__region"


class TaskUpdate(models.Model):
    """进展: one entry of a task's history (progress note with attachment, status change, assignment)."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(_("类别"), max_length=10, choices=TaskUpdateKind.choices, default=TaskUpdateKind.PROGRESS)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    old_status = models.CharField(_("原状态"), max_length=12, choices=TaskStatus.choices, blank=True, default="")
    new_status = models.CharField(_("新状态"), max_length=12, choices=TaskStatus.choices, blank=True, default="")
    note = models.TextField(_("内容"), blank=True, default="")
    attachment = models.FileField(_("附件"), upload_to=_attachment_path, blank=True)

    objects = TaskUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务进展")
        verbose_name_plural = _("任务进展")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.task}：{self.get_kind_display()}"


class LeadershipRole(models.TextChoices):
    """The roles of a plan's leadership group, in the order Yuxi 四 names them."""

    LEADER = "leader", _("组长")
    DEPUTY = "deputy", _("副组长")
    MEMBER = "member", _("成员")
    OFFICE_DIRECTOR = "office_director", _("办公室主任")
    OFFICE_DEPUTY = "office_deputy", _("办公室副主任")


class PlanLeadershipMemberQuerySet(ScopedQuerySet):
    region_field = "plan__scope_region"
    visible_includes_ancestors = True  # as its plan: a county reads the city plan's group


class PlanLeadershipMember(models.Model):
    """领导小组成员 of a plan (Yuxi 四: "成立市委统战部主要领导任组长……的全市侨联组织建设工作领导小组。领导小组下设办公室
    在市侨联，由市侨联党组书记、主席罗云川兼任办公室主任"): a role, the person's name where the plan names one (it often
    names the post only), the post and unit, and the order within the group."""

    plan = models.ForeignKey(Plan, verbose_name=_("实施方案"), on_delete=models.CASCADE, related_name="leadership_members")
    role = models.CharField(_("职务"), max_length=16, choices=LeadershipRole.choices)
    name = models.CharField(_("姓名"), max_length=64, blank=True, default="")
    post = models.CharField(_("单位及职务"), max_length=200)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    objects = PlanLeadershipMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("领导小组成员")
        verbose_name_plural = _("领导小组成员")
        ordering = ["plan_id", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}：{self.name or self.post}"
