"""Organization pages (侨联组织): the scoped list, 发起成立 (from a gap row of the census coverage page), the
detail with its procedure timeline and the forms of its parts, and the step / part writes.

Thin: reads through `orgs.organizations.selectors`, writes through the services of `orgs.organizations` and `orgs.homes`. An organization outside
the user's scope is a 404; a user without a writing role gets 403 on every write."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from orgs.access.scoping import (
    ScopedQuerySet,
    get_editable_or_404,
    get_visible_or_404,
    require_writer,
    user_scope,
)
from orgs.common.forms import apply_errors
from orgs.homes.forms import AssessmentForm, HomeForm
from orgs.homes.models import Home
from orgs.homes.selectors import home_with_history
from orgs.homes.services import home_assess, home_save
from orgs.organizations.designations import designation_context
from orgs.organizations.filters import OrganizationFilter
from orgs.organizations.forms import (
    ActivityForm,
    AffiliatedAssociationForm,
    AlumniLinkForm,
    AttachmentForm,
    CadreContactEditForm,
    CadreContactForm,
    CandidateListForm,
    CongressForm,
    ContactLogForm,
    LeaderForm,
    OrganizationCreateForm,
    OrganizationEditForm,
    OverseasAssociationForm,
    PartForm,
    TransitionForm,
    WechatGroupForm,
)
from orgs.organizations.founding import NOMINATE
from orgs.organizations.models import (
    REGION_LEVEL_OF_KIND,
    UNIT_KINDS,
    Activity,
    ActivityAttachment,
    AffiliatedAssociation,
    AlumniLink,
    CadreContact,
    CadreContactLog,
    FoundingStep,
    Organization,
    OrganizationKind,
    OverseasAssociation,
    WechatGroup,
)
from orgs.organizations.network import (
    activity_attachment_add,
    activity_attachment_remove,
    affiliated_association_add,
    affiliated_association_remove,
    affiliated_association_update,
    alumni_link_add,
    alumni_link_remove,
    alumni_link_update,
    cadre_contact_add,
    cadre_contact_remove,
    cadre_contact_update,
    contact_log_add,
    contact_log_remove,
    organization_wechat_rule,
    overseas_association_add,
    overseas_association_remove,
    overseas_association_update,
    wechat_group_add,
    wechat_group_remove,
    wechat_group_update,
    wechat_group_warning,
)
from orgs.organizations.selectors import (
    founding_record,
    organization_for_detail,
    organizations_visible,
    procedure_timeline,
)
from orgs.organizations.services import (
    activity_create,
    allowed_transitions,
    current_candidates,
    leader_add,
    organization_create,
    organization_transition,
    organization_update,
    superior_bodies,
)
from orgs.regions.selectors import region_by_code
from orgs.units.models import Unit, UnitKind

if TYPE_CHECKING:  # pragma: no cover
    from django_stubs_ext import StrOrPromise

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


def _detail_context(request, organization, *, errors_for: int | None = None, **forms) -> dict:
    """The organization page: its procedure, facts, home and parts, and (for its editors) the forms of its parts.
    `forms` are bound forms to show again with their errors; a form of one contact's log or one activity's
    attachments names that row in `errors_for`. A fixed number of queries, whatever the number of parts."""
    steps = list(organization.steps.all())
    scope = user_scope(request.user)
    can_edit = scope.can_write and scope.edits_region(organization.region)
    transitions = allowed_transitions(request.user, organization, steps) if scope.can_write else []
    record = founding_record(organization, steps)
    home = home_with_history(organization)
    contacts = list(organization.cadre_contacts.all())
    activities = list(organization.activities.all()[:20])
    wechat = organization_wechat_rule(organization)
    context = {
        "organization": organization,
        "steps": steps,
        "timeline": procedure_timeline(organization, steps),
        "transitions": transitions,
        "superior_region": record.bodies.region,
        "founding": record,
        "can_edit": can_edit,
        "home": home,
        "assessments": list(home.assessments.all()) if home else [],
        "latest_assessment": next(iter(home.assessments.all()), None) if home else None,
        "leaders": list(organization.leaders.all()),
        "activities": activities,
        "contacts": contacts,
        "wechat": wechat,
        "is_local_federation": organization.kind not in UNIT_KINDS | {OrganizationKind.ASSOCIATION},
    }
    context.update(designation_context(request.user, organization, home, forms, errors_for))  # issue 17 §4
    if any(not t.payload for t in transitions) or "step_form" in forms:
        context["step_form"] = forms.get("step_form") or TransitionForm(transitions=transitions, bodies=record.bodies)
    actions = {t.action for t in transitions}
    if NOMINATE in actions or "candidates_form" in forms:
        context["candidates_form"] = forms.get("candidates_form") or CandidateListForm(previous=record.candidates)
    if "hold_congress" in actions or "congress_form" in forms:
        context["congress_form"] = forms.get("congress_form") or CongressForm(candidates=record.candidates)
    if can_edit:
        context["activity_form"] = forms.get("activity_form") or ActivityForm(initial={"held_on": None})
        context["leader_form"] = forms.get("leader_form") or LeaderForm()
        context["home_form"] = (forms.get("home_form") or HomeForm(
            initial={"name": home.name, "address": home.address, "area_sqm": home.area_sqm, "opened_on": home.opened_on,
                     "kind": home.kind, "unit": home.unit_id, "online_address": home.online_address}
            if home else {"name": f"{organization.name}{_('侨胞之家')}"}
        )).limit_units(Unit.objects.editable_by(request.user).within(organization.region).order_by("name"))
        if home:
            context["assessment_form"] = forms.get("assessment_form") or AssessmentForm()
        for name, kind in PARTS.items():
            offered = (name != "wechat-group" or wechat.tier) and (name != "alumni-link" or context["is_local_federation"])
            if kind.parent is None and (offered or kind.key in forms):
                context[kind.key] = forms.get(kind.key) or kind.form(organization=organization, user=request.user, auto_id=f"{kind.key}_%s")
        # one form per contact (its log) and per activity (its attachments); the one sent back keeps its errors
        for rows, kind in ((contacts, PARTS["contact-log"]), (activities, PARTS["attachment"])):
            for row in rows:
                bound = forms.get(kind.key) if errors_for == row.pk else None
                row.part_form = bound or kind.form(organization=organization, user=request.user, auto_id=f"{kind.key}{row.pk}_%s")
    context["open_form"] = next(iter(forms), "")
    context["errors_for"] = errors_for
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


def _post_part(request, pk: int, form_class, form_key: str, write, success: str, *, form_kwargs=None, errors_for=None,
               anchor: str = ""):
    """A POST of one part form on the detail page: write through the service, or show the page again with
    the errors (status 400)."""
    require_writer(request.user)
    organization = organization_for_detail(request.user, pk)
    extra: dict[str, Any] = {}
    if form_class is TransitionForm:
        extra = {"transitions": allowed_transitions(request.user, organization), "bodies": superior_bodies(organization)}
    if issubclass(form_class, PartForm):
        extra.update(organization=organization, user=request.user)
    form = form_class(request.POST, request.FILES, **extra, **(form_kwargs or {}))
    if form.is_valid():
        try:
            write(organization, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(_detail_url(organization.pk, anchor))
    context = _detail_context(request, organization_for_detail(request.user, pk), errors_for=errors_for, **{form_key: form})
    return render(request, "orgs/organization_detail.html", context, status=400)


def _writes_with(service, request):
    """The `write` of a part form whose fields are the service's keywords."""
    return lambda organization, data: service(organization=organization, actor=request.user, **data)


@require_POST
@login_required
def organization_step(request, pk: int):
    """办理成立程序的一步 (only the steps offered to this user are accepted)."""
    return _post_part(request, pk, TransitionForm, "step_form", _writes_with(organization_transition, request), _("已办理"))


@require_POST
@login_required
def candidates_submit(request, pk: int):
    """报送候选人名单: the list the same-level party organization decided, as records (Yuxi plan 三(一))."""

    def write(organization, data):
        organization_transition(
            organization=organization, action=NOMINATE, actor=request.user, date=data["date"], note=data["note"],
            document=data["document"], candidates=data["candidates"],
        )

    return _post_part(request, pk, CandidateListForm, "candidates_form", write, _("已报送候选人名单"))


@require_POST
@login_required
def congress_record(request, pk: int):
    """召开代表大会: delegates and who of the agreed list was elected; the elected become the leading body."""
    candidates = current_candidates(organization_for_detail(request.user, pk))

    def write(organization, data):
        organization_transition(
            organization=organization, action="hold_congress", actor=request.user, date=data["date"], note=data["note"],
            document=data["document"], delegates_expected=data["delegates_expected"],
            delegates_present=data["delegates_present"], elected=data["elected"],
        )

    return _post_part(request, pk, CongressForm, "congress_form", write, _("已记录代表大会，当选人员已列入领导机构"),
                      form_kwargs={"candidates": candidates})


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
        home_assess(home=_home_of(organization), actor=request.user, assessed_on=data["assessed_on"],
                    **AssessmentForm.criteria(data))

    return _post_part(request, pk, AssessmentForm, "assessment_form", write, _("已记录五有评估"))


# ---- the organization's network: WeChat groups, 1+N, 1+Y, alumni links, contact points and their log, activity
# attachments. Each kind of part is a row of PARTS; three views serve them all (add, edit, remove). ----------------


@dataclass(frozen=True)
class PartKind:
    """One kind of part kept on the organization page: its model, forms and services (`orgs.organizations.network`).
    `parent` is the row a part hangs from when that is not the organization itself: (service keyword, model)."""

    key: str  # the add form's name in the page context
    model: type[models.Model]
    form: type[PartForm]
    add: Callable[..., Any]
    remove: Callable[..., Any]
    row: str  # the keyword naming the row in the update and remove services
    label: StrOrPromise
    anchor: str  # the page section it is shown in
    edit_form: type[PartForm] | None = None
    update: Callable[..., Any] | None = None
    parent: tuple[str, type[models.Model]] | None = None
    warn: Callable[[Organization], str | None] | None = None

    def organization_of(self, row) -> Organization:
        return row.organization if self.parent is None else getattr(row, self.parent[0]).organization

    def rows(self) -> ScopedQuerySet:
        path = "organization__region" if self.parent is None else f"{self.parent[0]}__organization__region"
        return cast(ScopedQuerySet, self.model._default_manager.select_related(path))

    def parents(self) -> ScopedQuerySet:
        assert self.parent is not None
        return cast(ScopedQuerySet, self.parent[1]._default_manager.select_related("organization__region"))


PARTS: dict[str, PartKind] = {
    "wechat-group": PartKind("wechat_group_form", WechatGroup, WechatGroupForm, wechat_group_add, wechat_group_remove,
                             "group", gettext_lazy("微信群"), "network", WechatGroupForm, wechat_group_update,
                             warn=wechat_group_warning),
    "affiliated-association": PartKind("affiliated_form", AffiliatedAssociation, AffiliatedAssociationForm,
                                       affiliated_association_add, affiliated_association_remove, "association",
                                       gettext_lazy("1+N 涉侨社团"), "network", AffiliatedAssociationForm,
                                       affiliated_association_update),
    "overseas-association": PartKind("overseas_form", OverseasAssociation, OverseasAssociationForm,
                                     overseas_association_add, overseas_association_remove, "association",
                                     gettext_lazy("1+Y 海外社团"), "network", OverseasAssociationForm,
                                     overseas_association_update),
    "alumni-link": PartKind("alumni_form", AlumniLink, AlumniLinkForm, alumni_link_add, alumni_link_remove, "link",
                            gettext_lazy("地方侨联+高校侨联+校友会"), "network", AlumniLinkForm, alumni_link_update),
    "cadre-contact": PartKind("contact_form", CadreContact, CadreContactForm, cadre_contact_add, cadre_contact_remove,
                              "contact", gettext_lazy("干部联系点"), "contacts", CadreContactEditForm, cadre_contact_update),
    "contact-log": PartKind("log_form", CadreContactLog, ContactLogForm, contact_log_add, contact_log_remove, "log",
                            gettext_lazy("联系记录"), "contacts", parent=("contact", CadreContact)),
    "attachment": PartKind("attachment_form", ActivityAttachment, AttachmentForm, activity_attachment_add,
                           activity_attachment_remove, "attachment", gettext_lazy("活动附件"), "activities",
                           parent=("activity", Activity)),
}


def _detail_url(pk: int, anchor: str = "") -> str:
    url = reverse("organizations:detail", args=[pk])
    return f"{url}#{anchor}" if anchor else url


def _kind(part: str) -> PartKind:
    return PARTS[part]


@require_POST
@login_required
def part_create(request, pk: int, part: str):
    """Adds a part to the organization `pk` (or to its contact / activity `pk` for a log or an attachment)."""
    kind = _kind(part)
    parent = None
    if kind.parent is not None:
        require_writer(request.user)
        parent = get_editable_or_404(kind.parents(), request.user, pk=pk)
        pk = parent.organization_id

    def write(organization, data):
        if parent is not None:
            kind.add(**{kind.parent[0]: parent}, actor=request.user, **data)
        else:
            kind.add(organization=organization, actor=request.user, **data)
        if kind.warn and (warning := kind.warn(organization)):
            messages.warning(request, warning)

    auto_id = f"{kind.key}{parent.pk}_%s" if parent is not None else f"{kind.key}_%s"
    return _post_part(
        request, pk, kind.form, kind.key, write, _("已添加%(what)s") % {"what": kind.label},
        form_kwargs={"auto_id": auto_id}, errors_for=parent.pk if parent is not None else None, anchor=kind.anchor,
    )


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def part_edit(request, pk: int, part: str):
    """The edit page of one part (its editable fields, filled in)."""
    require_writer(request.user)
    kind = _kind(part)
    assert kind.edit_form is not None and kind.update is not None
    row = get_editable_or_404(kind.rows(), request.user, pk=pk)
    organization = kind.organization_of(row)
    initial = {name: getattr(row, name) for name in kind.edit_form.base_fields}
    form = kind.edit_form(request.POST or None, initial=initial, organization=organization, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            kind.update(**{kind.row: row}, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存%(what)s") % {"what": kind.label})
            return redirect(_detail_url(organization.pk, kind.anchor))
    context = {"form": form, "organization": organization, "row": row, "kind": kind}
    return render(request, "orgs/part_form.html", context, status=400 if request.method == "POST" else 200)


@require_POST
@login_required
def part_remove(request, pk: int, part: str):
    """Removes one part; back to the organization page with what was removed."""
    require_writer(request.user)
    kind = _kind(part)
    row = get_editable_or_404(kind.rows(), request.user, pk=pk)
    organization = kind.organization_of(row)
    described = str(row)
    try:
        kind.remove(**{kind.row: row}, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已删除%(what)s“%(name)s”") % {"what": kind.label, "name": described})
    return redirect(_detail_url(organization.pk, kind.anchor))


@require_safe
@login_required
def attachment_download(request, pk: int):
    """An activity's attachment, to whoever sees its organization (outside the scope: 404)."""
    attachment = get_visible_or_404(ActivityAttachment.objects.select_related("activity"), request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name)
