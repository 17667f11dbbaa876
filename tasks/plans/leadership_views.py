"""Pages of a plan's leadership group (Yuxi 四): the group's name and office, and its members, kept by the plan's
writers from the plan page (templates/tasks/includes/plan_leadership.html). Thin: writes through
`tasks.plans.leadership`; a plan outside the scope is a 404, a read-only user 403."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from orgs.access.scoping import get_visible_or_404
from orgs.common.forms import apply_errors
from tasks.plans.leadership import (
    leadership_member_add,
    leadership_member_remove,
    leadership_member_update,
    leadership_office_set,
    leadership_writable,
)
from tasks.plans.models import LeadershipRole, Plan, PlanLeadershipMember


class OfficeForm(forms.Form):
    leadership_group = forms.CharField(label=gettext_lazy("领导小组名称"), max_length=128, required=False)
    leadership_office = forms.CharField(label=gettext_lazy("领导小组办公室设在"), max_length=128, required=False)


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("职务"), choices=LeadershipRole.choices)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=64, required=False,
                           help_text=gettext_lazy("方案只写职务时可不填"))
    post = forms.CharField(label=gettext_lazy("单位及职务"), max_length=200)
    order = forms.IntegerField(label=gettext_lazy("顺序"), min_value=0, max_value=32767, required=False)


def _writable_plan_or_404(request, pk: int) -> Plan:
    plan = get_visible_or_404(Plan.objects.select_related("scope_region"), request.user, pk=pk)
    if not leadership_writable(request.user, plan):
        raise PermissionDenied
    return plan


def _writable_member_or_404(request, pk: int) -> PlanLeadershipMember:
    member = get_visible_or_404(PlanLeadershipMember.objects.select_related("plan__scope_region"), request.user, pk=pk)
    if not leadership_writable(request.user, member.plan):
        raise PermissionDenied
    return member


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def plan_leadership(request, pk: int):
    """The group's name and office (POST action=office) and a new member (POST action=member)."""
    plan = _writable_plan_or_404(request, pk)
    office_form = OfficeForm(initial={"leadership_group": plan.leadership_group, "leadership_office": plan.leadership_office})
    member_form = MemberForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "office":
                office_form = OfficeForm(request.POST)
                if office_form.is_valid():
                    leadership_office_set(plan=plan, editor=request.user, **office_form.cleaned_data)
                    messages.success(request, _("已保存领导小组及办公室"))
                    return redirect("tasks:plan-detail", pk=plan.pk)
            else:
                member_form = MemberForm(request.POST)
                if member_form.is_valid():
                    member = leadership_member_add(plan=plan, editor=request.user, **member_form.cleaned_data)
                    messages.success(request, _("已添加%(role)s：%(who)s") % {"role": member.get_role_display(), "who": member.name or member.post})
                    return redirect("tasks:plan-detail", pk=plan.pk)
        except ValidationError as error:
            apply_errors(office_form if action == "office" else member_form, error)
    return render(request, "tasks/plan_leadership.html", {
        "plan": plan, "office_form": office_form, "member_form": member_form,
        "members": list(plan.leadership_members.all()),
    }, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def leadership_member_edit(request, pk: int):
    member = _writable_member_or_404(request, pk)
    form = MemberForm(request.POST or None, initial={f: getattr(member, f) for f in ("role", "name", "post", "order")})
    if request.method == "POST" and form.is_valid():
        try:
            leadership_member_update(member=member, editor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("tasks:plan-detail", pk=member.plan_id)
    return render(request, "tasks/plan_leadership.html", {"plan": member.plan, "member": member, "member_form": form},
                  status=400 if request.method == "POST" else 200)


@require_POST
@login_required
def leadership_member_remove_view(request, pk: int):
    member = _writable_member_or_404(request, pk)
    leadership_member_remove(member=member, editor=request.user)
    messages.success(request, _("已移除%(role)s：%(who)s") % {"role": member.get_role_display(), "who": member.name or member.post})
    return redirect("tasks:plan-detail", pk=member.plan_id)
