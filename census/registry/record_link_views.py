"""The person page's writes of organization records: link a volunteer / leading-body member, remove a link.
Thin: `census.registry.record_links` validates and writes."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from census.registry.models import Person, PersonRecordLink
from census.registry.record_links import person_record_link, person_record_unlink
from orgs.access.scoping import get_editable_or_404, require_writer


def _records_url(pk: int) -> str:
    return f"{reverse('census:person-detail', args=[pk])}#records"


@require_POST
@login_required
def person_record_link_view(request, pk: int):
    require_writer(request.user)
    person = get_editable_or_404(Person.objects.all(), request.user, pk=pk)
    try:
        person_record_link(person=person, editor=request.user, record=request.POST.get("record", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已关联记录"))
    return redirect(_records_url(person.pk))


@require_POST
@login_required
def person_record_unlink_view(request, pk: int, link_pk: int):
    require_writer(request.user)
    person = get_editable_or_404(Person.objects.all(), request.user, pk=pk)
    link = get_editable_or_404(PersonRecordLink.objects.all(), request.user, pk=link_pk, person=person)
    person_record_unlink(link=link, editor=request.user)
    messages.success(request, _("已取消关联"))
    return redirect(_records_url(person.pk))
