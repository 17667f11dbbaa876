"""Pages of plans and tasks: the board, the milestone timeline, task detail with its history, my tasks; plans
written in the product (list, a plan with its milestones, milestone forms, previewing and generating tasks)."""
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
from orgs.regions.selectors import own_region_code
from tasks.notifications.selectors import deliveries_of
from tasks.plans.authoring import (
    milestone_delete,
    milestone_save,
    plan_copy,
    plan_create,
    plan_update,
    plan_writable,
    rule_description,
)
from tasks.plans.filters import TaskBoardFilter
from tasks.plans.forms import (
    MilestoneForm,
    PlanForm,
    TaskCreateForm,
    TaskStatusForm,
    TaskUpdateForm,
    milestone_initial,
)
from tasks.plans.models import Milestone, Plan, Task, TaskUpdate
from tasks.plans.selectors import OpenFirstList, board_summary, milestones_progress, plans_listed
from tasks.plans.services import (
    milestone_generate,
    milestone_preview,
    task_create,
    task_status_change,
    task_update_add,
)

PAGE_SIZE = 50


def _list_context(request, queryset, filterset=None):
    today = timezone.localdate()
    summary = board_summary(queryset, today)
    open_count = sum(r["todo"] + r["in_progress"] for r in summary)
    closed_count = sum(r["done"] + r["cancelled"] for r in summary)
    rows = queryset.select_related("region", "milestone").only(
        "pk", "title", "deadline", "status", "responsible_unit", "responsible_person", "region__name", "milestone__name")
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
    for item in progress:  # the generate link: only for those who may write the plan
        item.can_generate = bool(item.milestone.target_rule) and scope.can_write and scope.edits_region(item.milestone.plan.scope_region)
    return render(request, "tasks/timeline.html", {"progress": progress})


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
    if context["can_edit"]:  # the sender's side sees what became of the task's notices
        context["deliveries"] = deliveries_of([f"task:{task.pk}"])
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


# ---- plans written in the product ------------------------------------------------------------------------


@require_safe
@login_required
def plan_list(request):
    """实施方案 the user sees (those of the regions above that cover theirs included), and what they may copy."""
    plans = list(plans_listed(request.user))
    return render(request, "tasks/plan_list.html", {
        "plans": plans, "can_create": user_scope(request.user).can_write,
    })


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def plan_create_view(request):
    """A new plan for a region of the user's scope, blank or copied from a template (?template=<id>)."""
    if not user_scope(request.user).can_write:
        raise PermissionDenied
    if request.method == "POST":
        form = PlanForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            template, region = data.pop("template"), data.pop("region")
            try:
                if template is not None:
                    plan = plan_copy(source=template, editor=request.user, region=region, **data)
                else:
                    plan = plan_create(editor=request.user, region=region, **data)
            except ValidationError as error:
                apply_errors(form, error)
            except PermissionDenied as error:
                form.add_error("region", str(error))
            else:
                messages.success(request, _("已建立方案“%(title)s”") % {"title": plan.title})
                return redirect("tasks:plan-detail", pk=plan.pk)
    else:
        initial = {"region": own_region_code(request.user)}
        template_id = request.GET.get("template", "")
        form = PlanForm(user=request.user, initial=initial)
        if template_id.isdigit():
            template = form.fields["template"].queryset.filter(pk=int(template_id)).first()
            if template is not None:
                form.initial.update({"template": template.pk, "title": template.title, "source_text": template.source_text})
    return render(request, "tasks/plan_form.html", {"form": form, "creating": True})


def _plan_writable_or_404(request, pk: int) -> Plan:
    plan = get_visible_or_404(Plan.objects.select_related("scope_region"), request.user, pk=pk)
    if not plan_writable(request.user, plan.scope_region):
        raise PermissionDenied
    return plan


@require_safe
@login_required
def plan_detail(request, pk: int):
    plan = get_visible_or_404(Plan.objects.select_related("scope_region", "parent", "parent_milestone", "copied_from"),
                              request.user, pk=pk)
    progress = milestones_progress(request.user, plan_id=plan.pk)
    for item in progress:
        item.rule = rule_description(item.milestone)
    can_write = plan_writable(request.user, plan.scope_region)
    return render(request, "tasks/plan_detail.html", {
        "plan": plan, "progress": progress, "can_write": can_write,
        "deliveries": deliveries_of([f"plan:{plan.pk}"]) if can_write else [],
        "sub_plans": list(plan.sub_plans.select_related("scope_region", "parent_milestone").order_by("scope_region__code")),
    })


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def plan_edit(request, pk: int):
    plan = _plan_writable_or_404(request, pk)
    fields = ("title", "issuing_body", "document_number", "issued_on", "source_text")
    form = PlanForm(request.POST or None, user=request.user, creating=False, initial={f: getattr(plan, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        try:
            plan_update(plan=plan, editor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("tasks:plan-detail", pk=plan.pk)
    return render(request, "tasks/plan_form.html", {"form": form, "plan": plan, "creating": False})


def _milestone_form_page(request, plan: Plan, milestone: Milestone | None):
    if request.method == "POST":
        form = MilestoneForm(request.POST, plan=plan)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                milestone = milestone_save(plan=plan, editor=request.user, milestone=milestone, **data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("已保存时间节点“%(name)s”") % {"name": milestone.name})
                return redirect("tasks:plan-detail", pk=plan.pk)
    else:
        form = MilestoneForm(plan=plan, initial=milestone_initial(milestone) if milestone else {"target_rule": "gaps"})
    return render(request, "tasks/milestone_form.html", {"form": form, "plan": plan, "milestone": milestone})


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def milestone_create_view(request, pk: int):
    return _milestone_form_page(request, _plan_writable_or_404(request, pk), None)


def _milestone_writable_or_404(request, pk: int) -> Milestone:
    milestone = get_visible_or_404(Milestone.objects.select_related("plan__scope_region"), request.user, pk=pk)
    if not plan_writable(request.user, milestone.plan.scope_region):
        raise PermissionDenied
    return milestone


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def milestone_edit(request, pk: int):
    milestone = _milestone_writable_or_404(request, pk)
    return _milestone_form_page(request, milestone.plan, milestone)


@require_POST
@login_required
def milestone_delete_view(request, pk: int):
    milestone = _milestone_writable_or_404(request, pk)
    try:
        milestone_delete(milestone=milestone, editor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已删除时间节点“%(name)s”") % {"name": milestone.name})
    return redirect("tasks:plan-detail", pk=milestone.plan_id)


PREVIEW_SHOWN = 200


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def milestone_generate_view(request, pk: int):
    """GET: what generating would do (how many tasks, for which places, which done at once, which sub-plans);
    POST: does it (idempotent: a second time creates nothing)."""
    milestone = _milestone_writable_or_404(request, pk)
    if request.method == "POST":
        result = milestone_generate(milestone=milestone, actor=request.user)
        text = _("已生成 %(n)d 项任务") % {"n": len(result.created)}
        if result.done_at_once:
            text += _("，其中 %(done)d 项的地点已有侨联组织，已完成") % {"done": result.done_at_once}
        if result.sub_plans:
            text += _("；新建子方案 %(plans)d 个") % {"plans": len(result.sub_plans)}
        messages.success(request, text)
        return redirect("tasks:plan-detail", pk=milestone.plan_id)
    preview = milestone_preview(milestone)
    new = preview.new
    return render(request, "tasks/milestone_generate.html", {
        "milestone": milestone, "plan": milestone.plan, "preview": preview, "new": new[:PREVIEW_SHOWN],
        "new_count": len(new), "done_count": len(preview.done_at_once), "existing_count": len(preview.existing_keys),
        "sub_plan_count": len(preview.sub_plans), "rule": rule_description(milestone),
        "closing_count": len(preview.open_tasks_fulfilled()),
    })
