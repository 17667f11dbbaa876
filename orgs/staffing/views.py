"""Pages of 机构登记与人员配备 (shown as a section of the organization page, `orgs/includes/organization_staffing.html`):
a step of the office or credit-code procedure, the 统战部 section responsible, the posts (add, edit, remove), a step's
document. Thin: services write, selectors read. Outside the user's scope: 404; without a writing role: 403."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from orgs.access.scoping import get_editable_or_404, get_visible_or_404, require_writer
from orgs.common.forms import apply_errors
from orgs.organizations.models import Organization
from orgs.staffing.forms import EstablishmentStepForm, ResponsibleSectionForm, StaffPostForm
from orgs.staffing.models import EstablishmentStep, StaffPost
from orgs.staffing.selectors import staffing_view
from orgs.staffing.services import (
    POST_FIELDS,
    establishment_step,
    responsible_section_set,
    staff_post_add,
    staff_post_remove,
    staff_post_update,
)

ANCHOR = "staffing"


def _back(organization_pk: int):
    return redirect(f"{reverse('organizations:detail', args=[organization_pk])}#{ANCHOR}")


def _editable_organization(request, pk: int) -> Organization:
    require_writer(request.user)
    return get_editable_or_404(Organization.objects.select_related("region"), request.user, pk=pk)


def _form_page(request, organization, form, title: str, *, status: int = 400):
    """A form shown on its own page: with its errors after a refused write, or to edit one post."""
    context = {"organization": organization, "form": form, "title": title, "anchor": ANCHOR}
    return render(request, "orgs/staffing_form.html", context, status=status)


def _post_form(request, pk: int, form, write, success: str, title: str):
    organization = _editable_organization(request, pk)
    if form.is_valid():
        try:
            write(organization, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, success)
            return _back(organization.pk)
    return _form_page(request, organization, form, title)


@require_POST
@login_required
def step_create(request, pk: int):
    """办理机构登记的一步 (办事机构 or 统一社会信用代码)."""
    organization = _editable_organization(request, pk)
    form = EstablishmentStepForm(request.POST, request.FILES, actions=staffing_view(request.user, organization).actions)
    return _post_form(
        request, pk, form,
        lambda o, data: establishment_step(organization=o, actor=request.user, **data),
        _("已办理"), _("办理机构登记"),
    )


@require_POST
@login_required
def section_save(request, pk: int):
    """负责侨联日常工作的统战部科室."""
    return _post_form(
        request, pk, ResponsibleSectionForm(request.POST),
        lambda o, data: responsible_section_set(organization=o, actor=request.user, **data),
        _("已保存"), _("负责侨联日常工作的统战部科室"),
    )


@require_POST
@login_required
def post_create(request, pk: int):
    return _post_form(
        request, pk, StaffPostForm(request.POST),
        lambda o, data: staff_post_add(organization=o, actor=request.user, **data),
        _("已添加岗位"), _("添加岗位"),
    )


def _editable_post(request, pk: int) -> StaffPost:
    require_writer(request.user)
    return get_editable_or_404(StaffPost.objects.select_related("organization__region"), request.user, pk=pk)


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def post_edit(request, pk: int):
    post = _editable_post(request, pk)
    initial = {name: getattr(post, name) for name in POST_FIELDS}
    form = StaffPostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            staff_post_update(post=post, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存岗位"))
            return _back(post.organization_id)
    return _form_page(request, post.organization, form, _("修改岗位“%(title)s”") % {"title": post.title},
                      status=400 if request.method == "POST" else 200)


@require_POST
@login_required
def post_remove(request, pk: int):
    post = _editable_post(request, pk)
    described = str(post)
    try:
        staff_post_remove(post=post, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已删除岗位“%(name)s”") % {"name": described})
    return _back(post.organization_id)


@require_safe
@login_required
def step_document(request, pk: int):
    """A step's document, to the users who see the organization (outside the scope: 404)."""
    step = get_visible_or_404(EstablishmentStep.objects.select_related("organization"), request.user, pk=pk)
    if not step.document:
        raise Http404
    try:
        handle = step.document.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=step.document_name)
