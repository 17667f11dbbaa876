"""Organization pages (侨联组织): the scoped list, 发起成立 (from a gap row of the census coverage page), the
detail with its procedure timeline and the forms of its parts, and the step / part writes.

Thin: reads through `orgs.organizations.selectors`, writes through the services of `orgs.organizations` and `orgs.homes`. An organization outside
the user's scope is a 404; a user without a writing role gets 403 on every write."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from orgs.access.scoping import (
    get_editable_or_404,
    get_visible_or_404,
    require_writer,
    user_scope,
)
from orgs.common.forms import apply_errors
from orgs.homes.forms import AssessmentForm, DesignationForm, HomeForm
from orgs.homes.models import Home
from orgs.homes.selectors import home_with_history
from orgs.homes.services import home_assess, home_designate, home_save
from orgs.organizations.filters import OrganizationFilter
from orgs.organizations.forms import (
    ActivityForm,
    LeaderForm,
    OrganizationCreateForm,
    OrganizationEditForm,
    TransitionForm,
)
from orgs.organizations.models import (
    REGION_LEVEL_OF_KIND,
    FoundingStep,
    Organization,
    OrganizationKind,
)
from orgs.organizations.selectors import (
    organization_for_detail,
    organizations_visible,
    procedure_timeline,
)
from orgs.organizations.services import (
    activity_create,
    allowed_transitions,
    leader_add,
    organization_create,
    organization_transition,
    organization_update,
    superior_region,
)
from orgs.regions.selectors import region_by_code
from orgs.units.models import UnitKind

PAGE_SIZE = 50



@require_safe
@login_required
def organization_list(request):
    """The organizations in the user's scope, filtered (kind, status, region subtree, 五有), paginated."""
    base = organizations_visible(request.user)
    filterset = OrganizationFilter(request.GET or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "organizations": page.object_list,
        "total": page.paginator.count,
        "query": query.urlencode(),
        "can_create": user_scope(request.user).can_write,
    }
    return render(request, "orgs/organization_list.html", context)


KIND_OF_LEVEL = {level: kind for kind, level in REGION_LEVEL_OF_KIND.items()}  # 县 → 县级侨联 …
# The organization a unit founds (the kinds that satisfy a unit's requirement).
KIND_OF_UNIT = {
    UnitKind.ORGAN: OrganizationKind.ORGAN,
    UnitKind.PUBLIC_INSTITUTION: OrganizationKind.ORGAN,
    UnitKind.SCHOOL: OrganizationKind.ORGAN,
    UnitKind.RESEARCH: OrganizationKind.ORGAN,
    UnitKind.UNIVERSITY: OrganizationKind.UNIVERSITY,
    UnitKind.SOCIAL_ORGANIZATION: OrganizationKind.ASSOCIATION,
}


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def organization_create_view(request):
    """发起成立: GET ?region=<code>&kind=…&unit=<id> pre-fills the form (the gap page links here)."""
    require_writer(request.user)
    if request.method == "POST":
        form = OrganizationCreateForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                organization = organization_create(
                    actor=request.user, name=data["name"], kind=data["kind"], region=data["region"], unit=data["unit"],
                    superior=data["superior"], covered_regions=data["covered_regions"], planned_on=data["planned_on"],
                    note=data["note"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("已将“%(name)s”列入成立计划") % {"name": organization.name})
                return redirect("organizations:detail", pk=organization.pk)
    else:
        initial = {}
        code = request.GET.get("region", "").strip()
        region = region_by_code(code) if code else None
        if region is not None and user_scope(request.user).edits_region(region):
            initial["region"] = region.code
            kind = request.GET.get("kind") or KIND_OF_LEVEL.get(region.level)
            if kind in OrganizationKind.values:
                initial["kind"] = kind
                initial["name"] = f"{region.name}{_('侨联')}"
        unit_id = request.GET.get("unit", "")
        if unit_id.isdigit():
            form_for_units = OrganizationCreateForm(user=request.user)
            unit = form_for_units.fields["unit"].queryset.filter(pk=int(unit_id)).first()
            if unit is not None:
                initial.update({"unit": unit.pk, "region": unit.region.code, "name": f"{unit.name}{_('侨联')}"})
                initial["kind"] = KIND_OF_UNIT.get(unit.kind, OrganizationKind.ENTERPRISE)
        form = OrganizationCreateForm(initial=initial, user=request.user)
    return render(request, "orgs/organization_form.html", {"form": form, "creating": True})


def _detail_context(request, organization, **forms) -> dict:
    steps = list(organization.steps.all())
    scope = user_scope(request.user)
    can_edit = scope.can_write and scope.edits_region(organization.region)
    transitions = allowed_transitions(request.user, organization, steps) if scope.can_write else []
    home = home_with_history(organization)
    context = {
        "organization": organization,
        "steps": steps,
        "timeline": procedure_timeline(organization, steps),
        "transitions": transitions,
        "superior_region": superior_region(organization),
        "can_edit": can_edit,
        "home": home,
        "assessments": list(home.assessments.all()) if home else [],
        "latest_assessment": next(iter(home.assessments.all()), None) if home else None,
        "leaders": list(organization.leaders.all()),
        "activities": list(organization.activities.all()[:20]),
    }
    if transitions or "step_form" in forms:
        context["step_form"] = forms.get("step_form") or TransitionForm(transitions=transitions)
    if can_edit:
        context["activity_form"] = forms.get("activity_form") or ActivityForm(initial={"held_on": None})
        context["leader_form"] = forms.get("leader_form") or LeaderForm()
        context["home_form"] = forms.get("home_form") or HomeForm(
            initial={"name": home.name, "address": home.address, "area_sqm": home.area_sqm, "opened_on": home.opened_on}
            if home else {"name": f"{organization.name}{_('侨胞之家')}"}
        )
        if home:
            context["assessment_form"] = forms.get("assessment_form") or AssessmentForm()
            context["designation_form"] = forms.get("designation_form") or DesignationForm()
    context["open_form"] = next(iter(forms), "")
    return context


@require_safe
@login_required
def organization_detail(request, pk: int):
    organization = organization_for_detail(request.user, pk)
    return render(request, "orgs/organization_detail.html", _detail_context(request, organization))


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def organization_edit(request, pk: int):
    require_writer(request.user)
    organization = get_editable_or_404(Organization.objects.select_related("region"), request.user, pk=pk)
    form = OrganizationEditForm(request.POST or None, instance=organization, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            organization_update(organization=organization, actor=request.user, **changes)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("organizations:detail", pk=organization.pk)
    return render(request, "orgs/organization_form.html", {"form": form, "organization": organization, "creating": False})


def _post_part(request, pk: int, form_class, form_key: str, write, success: str):
    """A POST of one part form on the detail page: write through the service, or show the page again with
    the errors (status 400)."""
    require_writer(request.user)
    organization = organization_for_detail(request.user, pk)
    extra = {"transitions": allowed_transitions(request.user, organization)} if form_class is TransitionForm else {}
    form = form_class(request.POST, request.FILES, **extra)
    if form.is_valid():
        try:
            write(organization, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("organizations:detail", pk=organization.pk)
    context = _detail_context(request, organization_for_detail(request.user, pk), **{form_key: form})
    return render(request, "orgs/organization_detail.html", context, status=400)


def _writes_with(service, request):
    """The `write` of a part form whose fields are the service's keywords."""
    return lambda organization, data: service(organization=organization, actor=request.user, **data)


@require_POST
@login_required
def organization_step(request, pk: int):
    """办理成立程序的一步 (only the steps offered to this user are accepted)."""
    return _post_part(request, pk, TransitionForm, "step_form", _writes_with(organization_transition, request), _("已办理"))


@require_safe
@login_required
def step_document(request, pk: int):
    """A step's document, to the users who may see the organization."""
    step = get_visible_or_404(FoundingStep.objects.select_related("organization"), request.user, pk=pk)
    if not step.document:
        raise Http404
    return FileResponse(step.document.open("rb"), as_attachment=True, filename=step.document.name.rsplit("/", 1)[-1])


@require_POST
@login_required
def activity_create_view(request, pk: int):
    return _post_part(request, pk, ActivityForm, "activity_form", _writes_with(activity_create, request), _("已登记活动"))


@require_POST
@login_required
def leader_create_view(request, pk: int):
    return _post_part(request, pk, LeaderForm, "leader_form", _writes_with(leader_add, request), _("已添加领导机构成员"))


@require_POST
@login_required
def home_save_view(request, pk: int):
    return _post_part(request, pk, HomeForm, "home_form", _writes_with(home_save, request), _("已保存侨胞之家"))


def _home_of(organization) -> Home:
    home = Home.objects.filter(organization=organization).first()
    if home is None:
        raise ValidationError(_("请先登记侨胞之家"))
    return home


@require_POST
@login_required
def home_assess_view(request, pk: int):
    def write(organization, data):
        criteria, evidence = AssessmentForm.criteria(data)
        home_assess(home=_home_of(organization), actor=request.user, assessed_on=data["assessed_on"], criteria=criteria,
                    evidence=evidence)

    return _post_part(request, pk, AssessmentForm, "assessment_form", write, _("已记录五有评估"))


@require_POST
@login_required
def home_designate_view(request, pk: int):
    def write(organization, data):
        home_designate(home=_home_of(organization), actor=request.user, **data)

    return _post_part(request, pk, DesignationForm, "designation_form", write, _("已记录称号"))
