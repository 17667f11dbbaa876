"""Pages of trainings (培训) and volunteers (志愿者): the scoped training list, a training with its attendance,
create / edit / remove, and the volunteer register's writes (the register is shown on the organization page).

Thin: reads through `orgs.training.selectors`, writes through `orgs.training.services`. A training or volunteer
outside the user's scope is a 404; a user without a writing role gets 403 on every write."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from orgs.access.scoping import get_editable_or_404, require_writer, user_scope
from orgs.common.forms import apply_errors
from orgs.organizations.models import Organization
from orgs.training.filters import TrainingFilter
from orgs.training.forms import AttendanceForm, TrainingForm, VolunteerForm
from orgs.training.models import Training, TrainingAttendance, Volunteer
from orgs.training.selectors import training_attendance, training_for_detail, trainings_visible
from orgs.training.services import (
    attendance_add,
    attendance_remove,
    training_create,
    training_remove,
    training_update,
    volunteer_add,
    volunteer_remove,
    volunteer_update,
)

PAGE_SIZE = 50


@require_safe
@login_required
def training_list(request):
    """The trainings in the user's scope, filtered (year, organiser's region subtree, topic), paginated."""
    base = trainings_visible(request.user)
    filterset = TrainingFilter(request.GET or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset, "form": filterset.form, "page": page, "trainings": page.object_list,
        "total": page.paginator.count, "query": query.urlencode(), "can_create": user_scope(request.user).can_write,
    }
    return render(request, "training/training_list.html", context)


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def training_create_view(request):
    """登记培训; GET ?organizer=<id> pre-selects the organiser (the organization page links here)."""
    require_writer(request.user)
    initial = {}
    if (organizer := request.GET.get("organizer", "")).isdigit():
        initial["organizer"] = int(organizer)
    form = TrainingForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            training = training_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已登记培训“%(topic)s”") % {"topic": training.topic})
            return redirect("training:detail", pk=training.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "training/training_form.html", {"form": form, "creating": True}, status=status)


def _detail_context(request, training: Training, *, attendance_form=None) -> dict:
    scope = user_scope(request.user)
    can_edit = scope.can_write and scope.edits_region(training.organizer.region)
    attendances = training_attendance(training)
    return {
        "training": training,
        "attendances": attendances,
        "by_role": {role: sum(1 for a in attendances if a.role == role) for role in ("cadre", "home_head", "volunteer")},
        "can_edit": can_edit,
        "attendance_form": (attendance_form or AttendanceForm(training=training)) if can_edit else None,
    }


@require_safe
@login_required
def training_detail(request, pk: int):
    training = training_for_detail(request.user, pk)
    return render(request, "training/training_detail.html", _detail_context(request, training))


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def training_edit(request, pk: int):
    require_writer(request.user)
    training = get_editable_or_404(Training.objects.select_related("organizer__region"), request.user, pk=pk)
    initial = {name: getattr(training, name) for name in ("held_on", "topic", "hours", "place", "note")}
    form = TrainingForm(request.POST or None, initial=initial, user=request.user, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            training_update(training=training, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("training:detail", pk=training.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "training/training_form.html", {"form": form, "training": training, "creating": False},
                  status=status)


@require_POST
@login_required
def training_remove_view(request, pk: int):
    require_writer(request.user)
    training = get_editable_or_404(Training.objects.select_related("organizer__region"), request.user, pk=pk)
    organizer_pk, topic = training.organizer_id, training.topic
    training_remove(training=training, actor=request.user)
    messages.success(request, _("已删除培训“%(topic)s”") % {"topic": topic})
    return redirect(f"{reverse('organizations:detail', args=[organizer_pk])}#training")


@require_POST
@login_required
def attendance_add_view(request, pk: int):
    """Adds an attendee to the training `pk`; the page again with the errors (400) when refused."""
    require_writer(request.user)
    training = get_editable_or_404(Training.objects.select_related("organizer__region"), request.user, pk=pk)
    form = AttendanceForm(request.POST, training=training)
    if form.is_valid():
        try:
            attendee = attendance_add(training=training, actor=request.user, **form.service_kwargs())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已添加参训人员“%(name)s”") % {"name": attendee.name})
            return redirect(f"{reverse('training:detail', args=[training.pk])}#attendance")
    context = _detail_context(request, training, attendance_form=form)
    return render(request, "training/training_detail.html", context, status=400)


@require_POST
@login_required
def attendance_remove_view(request, pk: int):
    require_writer(request.user)
    attendance = get_editable_or_404(
        TrainingAttendance.objects.select_related("training__organizer__region"), request.user, pk=pk
    )
    training_pk, name = attendance.training_id, attendance.name
    attendance_remove(attendance=attendance, actor=request.user)
    messages.success(request, _("已移除参训人员“%(name)s”") % {"name": name})
    return redirect(f"{reverse('training:detail', args=[training_pk])}#attendance")


# ---- the volunteer register (shown on the organization page) ----------------------------------------------------


def _volunteers_url(organization_pk: int) -> str:
    return f"{reverse('organizations:detail', args=[organization_pk])}#volunteers"


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def volunteer_add_view(request, pk: int):
    """Registers a volunteer with the organization `pk` (the form is on the organization page; errors here)."""
    require_writer(request.user)
    organization = get_editable_or_404(Organization.objects.select_related("region"), request.user, pk=pk)
    form = VolunteerForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            volunteer = volunteer_add(organization=organization, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已登记志愿者“%(name)s”") % {"name": volunteer.name})
            return redirect(_volunteers_url(organization.pk))
    status = 400 if request.method == "POST" else 200
    return render(request, "training/volunteer_form.html", {"form": form, "organization": organization}, status=status)


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def volunteer_edit_view(request, pk: int):
    require_writer(request.user)
    volunteer = get_editable_or_404(Volunteer.objects.select_related("organization__region"), request.user, pk=pk)
    form = VolunteerForm(request.POST or None, initial=VolunteerForm.initial_of(volunteer))
    if request.method == "POST" and form.is_valid():
        try:
            volunteer_update(volunteer=volunteer, actor=request.user, **form.changes(volunteer))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存志愿者“%(name)s”") % {"name": volunteer.name})
            return redirect(_volunteers_url(volunteer.organization_id))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "organization": volunteer.organization, "volunteer": volunteer}
    return render(request, "training/volunteer_form.html", context, status=status)


@require_POST
@login_required
def volunteer_remove_view(request, pk: int):
    require_writer(request.user)
    volunteer = get_editable_or_404(Volunteer.objects.select_related("organization__region"), request.user, pk=pk)
    organization_pk, name = volunteer.organization_id, volunteer.name
    volunteer_remove(volunteer=volunteer, actor=request.user)
    messages.success(request, _("已删除志愿者“%(name)s”") % {"name": name})
    return redirect(_volunteers_url(organization_pk))
