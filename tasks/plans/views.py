"""Pages of plans and tasks: the board, the milestone timeline, task detail with its history, my tasks."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from orgs.access.scoping import get_editable_or_404, get_visible_or_404, user_scope
from orgs.common.forms import apply_errors
from tasks.plans.filters import TaskBoardFilter
from tasks.plans.forms import TaskCreateForm, TaskStatusForm, TaskUpdateForm
from tasks.plans.models import Milestone, Task, TaskUpdate
from tasks.plans.selectors import OpenFirstList, board_summary, milestones_progress
from tasks.plans.services import (
    task_create,
    task_status_change,
    task_update_add,
    tasks_from_gaps,
)

PAGE_SIZE = 50


def _list_context(request, queryset, filterset=None):
    today = timezone.localdate()
    summary = board_summary(queryset, today)
    open_count = sum(r["todo"] + r["in_progress"] for r in summary)
    closed_count = sum(r["done"] + r["cancelled"] for r in summary)
    rows = queryset.select_related("region", "milestone").only(
        "pk", "title", "deadline", "status", "responsible_unit", "region__name", "milestone__name")
    page = Paginator(OpenFirstList(rows, open_count, closed_count, today), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "today": today, "query": query.urlencode(), "filter": filterset, "summary": summary}


@require_safe
@login_required
def task_board(request):
    """计划任务看板: the user's scope, per milestone and status, overdue first, with filters."""
    base = Task.objects.visible_to(request.user)
    filterset = TaskBoardFilter(request.GET or None, queryset=base, user=request.user)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    context = _list_context(request, queryset, filterset)
    return render(request, "tasks/board.html", context)


@require_safe
@login_required
def my_tasks(request):
    """我的任务: the open and recent tasks the user answers for."""
    queryset = Task.objects.visible_to(request.user).filter(responsible_users=request.user)
    return render(request, "tasks/mine.html", _list_context(request, queryset))


@require_safe
@login_required
def milestone_timeline(request):
    """时间节点: each milestone with done / total and days left or late."""
    plan = request.GET.get("plan", "")
    progress = milestones_progress(request.user, plan_id=int(plan) if plan.isdigit() else None)
    scope = user_scope(request.user)
    for item in progress:  # the gap-task button: only for those who may change the plan's whole scope
        item.can_generate = bool(item.milestone.gap_levels) and scope.edits_region(item.milestone.plan.scope_region)
    return render(request, "tasks/timeline.html", {"progress": progress})


@require_POST
@login_required
def milestone_gap_tasks(request, pk: int):
    """Creates the missing gap tasks of a milestone (staff of the plan's whole scope only; idempotent)."""
    milestone = get_visible_or_404(Milestone.objects.select_related("plan__scope_region"), request.user, pk=pk)
    if not user_scope(request.user).edits_region(milestone.plan.scope_region):
        raise Http404
    created = tasks_from_gaps(milestone=milestone)
    messages.success(request, _("已为“%(m)s”生成 %(n)d 项任务") % {"m": milestone.name, "n": len(created)})
    return redirect("tasks:timeline")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def task_detail(request, pk: int):
    """Task detail with its history; writers report progress or change the status here."""
    task = get_visible_or_404(
        Task.objects.select_related("plan", "milestone", "region", "target_unit", "target_organization"), request.user, pk=pk
    )
    update_form, status_form = TaskUpdateForm(), TaskStatusForm(initial={"status": task.status})
    if request.method == "POST":
        task = get_editable_or_404(Task.objects.all(), request.user, pk=pk)
        action = request.POST.get("action")
        try:
            if action == "status":
                status_form = TaskStatusForm(request.POST, request.FILES)
                if status_form.is_valid():
                    data = status_form.cleaned_data
                    task_status_change(task=task, status=data["status"], actor=request.user, completed_on=data["completed_on"],
                                       evidence=data["evidence"], evidence_file=data["evidence_file"], note=data["note"])
                    messages.success(request, _("任务状态已更新"))
                    return redirect("tasks:detail", pk=task.pk)
            else:
                update_form = TaskUpdateForm(request.POST, request.FILES)
                if update_form.is_valid():
                    task_update_add(task=task, author=request.user, note=update_form.cleaned_data["note"],
                                    attachment=update_form.cleaned_data["attachment"])
                    messages.success(request, _("进展已记录"))
                    return redirect("tasks:detail", pk=task.pk)
        except ValidationError as error:
            apply_errors(status_form if action == "status" else update_form, error)
        task.refresh_from_db()
    context = {
        "task": task, "today": timezone.localdate(), "updates": task.updates.select_related("author"),
        "responsible": task.responsible_users.all(), "update_form": update_form, "status_form": status_form,
        "can_edit": user_scope(request.user).edits_region(task.region),
    }
    return render(request, "tasks/detail.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def task_new(request):
    """新建任务 (writing roles only): assigns the responsible persons, who are told through inbox and e-mail."""
    if not user_scope(request.user).can_write:
        raise PermissionDenied
    form = TaskCreateForm(request.POST or None, user=request.user, initial={"plan": request.GET.get("plan")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = task_create(
                plan=data["plan"], milestone=data["milestone"], title=data["title"], region=data["region"],
                deadline=data["deadline"], responsible_unit=data["responsible_unit"],
                responsible_users=data["responsible_users"], responsible_contacts=data["contacts"],
                description=data["description"], actor=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("任务已创建，已通知责任人"))
            return redirect("tasks:detail", pk=task.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "tasks/task_form.html", {"form": form}, status=status)


def _file_response(field) -> FileResponse:
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=field.name.rsplit("/", 1)[-1])


@require_safe
@login_required
def task_evidence(request, pk: int):
    """A task's evidence file (佐证材料), for whoever sees the task (media files are never served directly)."""
    task = get_visible_or_404(Task.objects.only("pk", "region_id", "evidence_file"), request.user, pk=pk)
    return _file_response(task.evidence_file)


@require_safe
@login_required
def update_attachment(request, pk: int):
    """The attachment of a progress report, for whoever sees its task."""
    update = get_visible_or_404(TaskUpdate.objects.only("pk", "task_id", "attachment"), request.user, pk=pk)
    return _file_response(update.attachment)
