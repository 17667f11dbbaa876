"""Registry pages: the person list, detail, register, edit, transfer and reveal (the export is in importing). Thin: forms
validate, services write."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from census.registry.filters import PersonFilter
from census.registry.forms import DocumentLinkForm, PersonForm, TransferForm
from census.registry.locks import census_locks
from census.registry.models import FLAG_FIELDS, Person, PersonDocument
from census.registry.selectors import history_change_lines, person_history
from census.registry.services import (
    person_create,
    person_link_document,
    person_reveal,
    person_transfer,
    person_unlink_document,
    person_update,
)
from orgs.access.scoping import (
    get_editable_or_404,
    get_visible_or_404,
    require_writer,
    user_scope,
)
from orgs.common.forms import apply_errors


def _editable_or_403(queryset, request, pk: int):
    """The row to change: outside the user's scope a 404; in it but read-only (leadership) a 403."""
    get_visible_or_404(queryset, request.user, pk=pk)
    try:
        return queryset.editable_by(request.user).get(pk=pk)
    except queryset.model.DoesNotExist:
        raise PermissionDenied(_("只读角色不能修改数据")) from None


@require_safe
@login_required
def person_list(request):
    """The registry in the user's scope, filtered (django-filter) and paginated."""
    people = Person.objects.visible_to(request.user).select_related("region", "unit").order_by("region__code", "name", "pk")
    person_filter = PersonFilter(request.GET or None, queryset=people, request=request)
    page = Paginator(person_filter.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "census/person_list.html",
        {"filter": person_filter, "page": page, "query": query.urlencode(), "can_write": user_scope(request.user).can_write},
    )




@require_safe
@login_required
def person_detail(request, pk: int):
    person = get_visible_or_404(Person.objects.select_related("region", "unit", "verified_campaign"), request.user, pk=pk)
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
    form = PersonForm(request.POST or None, user=request.user, creating=False, initial=PersonForm.initial_for(person))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
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
