"""Registry pages: the person list, detail, register, edit, transfer and reveal (the export is in importing); the unit
directory (单位名录): list, detail, register, edit and merge (its import is in importing). Thin: forms validate,
selectors read, services write."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from census.registry.filters import PersonFilter, UnitFilter, person_search_query
from census.registry.forms import DocumentLinkForm, PersonForm, TransferForm, UnitForm, UnitMergeSearchForm
from census.registry.locks import census_locks
from census.registry.models import FLAG_FIELDS, Person, PersonDocument
from census.registry.selectors import (
    history_change_lines,
    merge_candidates,
    person_history,
    unit_headcount_by_category,
    unit_merge_preview,
    unit_people_url,
    unit_requirement,
    units_decorate,
    units_listed,
)
from census.registry.services import (
    person_create,
    person_link_document,
    person_reveal,
    person_transfer,
    person_unlink_document,
    person_update,
    unit_create,
    unit_merge,
    unit_update,
)
from orgs.access.scoping import (
    get_editable_or_404,
    get_visible_or_404,
    require_writer,
    user_scope,
)
from orgs.common.audit import audit_view
from orgs.common.forms import apply_errors
from orgs.common.paging import CappedPaginator
from orgs.organizations.founding import OrganizationStatus
from orgs.units.models import Unit

UNIT_PAGE_SIZE = 50


def _editable_or_403(queryset, request, pk: int):
    """The row to change: outside the user's scope a 404; in it but read-only (leadership) a 403."""
    get_visible_or_404(queryset, request.user, pk=pk)
    try:
        return queryset.editable_by(request.user).get(pk=pk)
    except queryset.model.DoesNotExist:
        raise PermissionDenied(_("只读角色不能修改数据")) from None


def _person_list_redirect(query):
    return redirect(f"{reverse('census:person-list')}?{query.urlencode()}" if query else reverse("census:person-list"))


@require_POST
@login_required
def person_search(request):
    """The list's filter form POSTs here: answered with the list's link, a full phone number in it replaced by its
    keyed hashes, so the number is in no URL, browser history or access log."""
    query, _hid_number = person_search_query(request.POST)
    return _person_list_redirect(query)


@require_safe
@login_required
def person_list(request):
    """The registry in the user's scope, filtered (django-filter) and paginated. A phone number in a link's `q` (an
    old bookmark, a link typed by hand) is answered with the hashed link at once, so the page's links never repeat it."""
    hashed_query, hid_number = person_search_query(request.GET)
    if hid_number:
        return _person_list_redirect(hashed_query)
    people = Person.objects.visible_to(request.user).select_related("region", "unit").order_by("region__code", "name", "pk")
    person_filter = PersonFilter(request.GET or None, queryset=people, request=request)
    page = CappedPaginator(person_filter.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    without_phone = query.copy()
    without_phone.pop("phone_hash", None)
    return render(
        request,
        "census/person_list.html",
        {
            "filter": person_filter,
            "page": page,
            "query": query.urlencode(),
            "phone_searched": bool(query.get("phone_hash")),
            "without_phone": without_phone.urlencode(),
            "can_write": user_scope(request.user).can_write,
        },
    )




@require_safe
@login_required
def person_detail(request, pk: int):
    person = get_visible_or_404(Person.objects.select_related("region", "unit", "verified_campaign"), request.user, pk=pk)
    audit_view(user=request.user, instance=person, request=request)
    events = person_history(person)[:100]
    history_change_lines(events)
    can_edit = Person.objects.editable_by(request.user).filter(pk=pk).exists()
    # An approved county's rows are locked (the services refuse any change): say so instead of offering the forms.
    locks = census_locks([person.region_id]) if can_edit else []
    can_edit = can_edit and not locks
    return render(
        request,
        "census/person_detail.html",
        {
            "person": person,
            "events": events,
            "can_edit": can_edit,
            "can_reveal": request.user.has_perm("census.reveal_id_number"),
            "transfer_form": TransferForm(user=request.user) if can_edit else None,
            "documents": person.documents.all(),
            "document_form": DocumentLinkForm() if can_edit else None,
            "lock": locks[0] if locks else None,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def person_create_view(request):
    require_writer(request.user)
    form = PersonForm(request.POST or None, user=request.user, creating=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = person_create(editor=request.user, **{k: v for k, v in data.items() if v not in (None, "") or k in FLAG_FIELDS})
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已登记：%(person)s") % {"person": person})
            return redirect("census:person-detail", pk=person.pk)
    return render(request, "census/person_form.html", {"form": form, "creating": True})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def person_edit(request, pk: int):
    person = _editable_or_403(Person.objects.select_related("region", "unit"), request, pk)
    form = PersonForm(request.POST or None, user=request.user, creating=False, initial=PersonForm.initial_for(person, user=request.user))
    if request.method == "POST" and form.is_valid():
        data = form.changes()
        id_number = data.pop("id_number") or None
        id_type = data.pop("id_type")
        if not data.get("gender"):
            data.pop("gender")
        if not data.get("birth_date"):
            data.pop("birth_date")
        try:
            person_update(person=person, editor=request.user, id_number=id_number, id_type=id_type, **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("census:person-detail", pk=person.pk)
    return render(request, "census/person_form.html", {"form": form, "creating": False, "person": person})


@login_required
@require_POST
def person_transfer_view(request, pk: int):
    person = get_editable_or_404(Person.objects.all(), request.user, pk=pk)
    form = TransferForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            person_transfer(person=person, editor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, _("已迁移至 %(region)s") % {"region": form.cleaned_data["to_region"].full_name})
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("census:person-detail", pk=person.pk)


@login_required
@require_POST
def person_document_link(request, pk: int):
    """关联证件: another document of this person (a record holding it is merged into this one)."""
    person = get_editable_or_404(Person.objects.all(), request.user, pk=pk)
    form = DocumentLinkForm(request.POST)
    if form.is_valid():
        try:
            person_link_document(person=person, editor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, _("已关联证件"))
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("census:person-detail", pk=person.pk)


@login_required
@require_POST
def person_document_unlink(request, pk: int, document_pk: int):
    document = get_editable_or_404(PersonDocument.objects.filter(person_id=pk), request.user, pk=document_pk)
    person_unlink_document(document=document, editor=request.user)
    messages.success(request, _("已取消关联证件"))
    return redirect("census:person-detail", pk=pk)


@login_required
@require_POST
def person_reveal_view(request, pk: int):
    """The full document number and phone, as JSON, for users with the permission (audited by the service)."""
    person = get_visible_or_404(Person.objects.all(), request.user, pk=pk)
    return JsonResponse(person_reveal(person=person, viewer=request.user, request=request))


# ---- the unit directory (单位名录) -------------------------------------------------------------------------


@require_safe
@login_required
def unit_list(request):
    """单位名录: the units in the user's scope, filtered (kind, region subtree, 两新组织, has an organization, name or
    credit code) and paginated; its people and organizations added per page (a fixed number of queries)."""
    unit_filter = UnitFilter(request.GET or None, queryset=units_listed(request.user), request=request)
    page = Paginator(unit_filter.qs, UNIT_PAGE_SIZE).get_page(request.GET.get("page"))
    units = units_decorate(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "census/unit_list.html",
        {"filter": unit_filter, "page": page, "units": units, "query": query.urlencode(), "can_write": user_scope(request.user).can_write},
    )


@require_safe
@login_required
def unit_detail(request, pk: int):
    """A unit: its facts, its people by category, its verdict (应建) with the reason, its organizations."""
    unit = get_visible_or_404(Unit.objects.select_related("region", "requirement__policy"), request.user, pk=pk)
    can_edit = Unit.objects.editable_by(request.user).filter(pk=pk).exists()
    organizations = list(unit.organizations.select_related("region").order_by("name", "pk"))
    by_category = unit_headcount_by_category(unit)
    return render(
        request, "census/unit_detail.html",
        {
            "unit": unit, "requirement": unit_requirement(unit), "by_category": by_category,
            "people": sum(c.n for c in by_category), "people_url": unit_people_url(unit.pk),
            "organizations": organizations,
            "has_standing_organization": any(o.status != OrganizationStatus.DISSOLVED for o in organizations),
            "can_edit": can_edit, "merge_form": UnitMergeSearchForm() if can_edit else None,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def unit_create_view(request):
    require_writer(request.user)
    form = UnitForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            unit = unit_create(editor=request.user, **form.changes())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已登记单位：%(unit)s") % {"unit": unit.name})
            return redirect("census:unit-detail", pk=unit.pk)
    return render(request, "census/unit_form.html", {"form": form, "creating": True})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def unit_edit(request, pk: int):
    unit = _editable_or_403(Unit.objects.select_related("region"), request, pk)
    form = UnitForm(request.POST or None, user=request.user, initial=UnitForm.initial_for(unit))
    if request.method == "POST" and form.is_valid():
        try:
            unit_update(unit=unit, editor=request.user, **form.changes())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("census:unit-detail", pk=unit.pk)
    return render(request, "census/unit_form.html", {"form": form, "creating": False, "unit": unit})


def _absorbed_of(request, survivor: Unit, value) -> Unit | None:
    """The unit to merge into `survivor`, by id, among the units the user may edit (None: none such)."""
    text = str(value or "").strip()
    if not text.isdigit() or int(text) == survivor.pk:
        return None
    return Unit.objects.editable_by(request.user).select_related("region", "requirement").filter(pk=int(text)).first()


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def unit_merge_view(request, pk: int):
    """合并到本单位: the other unit found by name or credit code (?q=), what would move shown for confirmation
    (?absorbed=<id>), then merged (POST absorbed=<id>): both units must be in the user's editable scope."""
    survivor = _editable_or_403(Unit.objects.select_related("region"), request, pk)
    if request.method == "POST":
        absorbed = _absorbed_of(request, survivor, request.POST.get("absorbed"))
        if absorbed is None:
            messages.error(request, _("要并入的单位不存在或不在您的管辖范围内"))
            return redirect("census:unit-merge", pk=survivor.pk)
        try:
            moved = unit_merge(survivor=survivor, absorbed=absorbed, editor=request.user, request=request)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
            return redirect(f"{reverse('census:unit-merge', kwargs={'pk': survivor.pk})}?absorbed={absorbed.pk}")
        messages.success(
            request, _("已将“%(absorbed)s”并入本单位：人员 %(people)d 人、侨联组织 %(organizations)d 个随之迁移")
            % {"absorbed": absorbed.name, "people": moved.get("persons", 0), "organizations": moved.get("organizations", 0)},
        )
        return redirect("census:unit-detail", pk=survivor.pk)
    context: dict = {"unit": survivor, "search_form": UnitMergeSearchForm(request.GET if "q" in request.GET else None)}
    if "absorbed" in request.GET:
        absorbed = _absorbed_of(request, survivor, request.GET["absorbed"])
        if absorbed is None:
            context["not_found"] = True
        else:
            context.update(absorbed=absorbed, preview=unit_merge_preview(survivor=survivor, absorbed=absorbed))
    elif context["search_form"].is_valid():
        context["candidates"] = merge_candidates(request.user, survivor, context["search_form"].cleaned_data["q"])
    return render(request, "census/unit_merge.html", context)
