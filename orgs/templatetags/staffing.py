"""`{% staffing_of organization as staffing %}`: the organization page's 机构与人员 section data (establishment, steps,
posts, the steps the user may take, the forms), read through `orgs.staffing.selectors` in a fixed number of queries.

A tag rather than the detail view's context so that the section stays in its own concern (`orgs.staffing` stands
above `orgs.organizations`, whose view cannot import it)."""
from __future__ import annotations

from django import template

from orgs.staffing.forms import EstablishmentStepForm, ResponsibleSectionForm, StaffPostForm
from orgs.staffing.selectors import staffing_view

register = template.Library()


@register.simple_tag(takes_context=True)
def staffing_of(context, organization):
    request = context.get("request")
    view = staffing_view(getattr(request, "user", None), organization)
    if view.can_edit:
        view.step_form = EstablishmentStepForm(actions=view.actions, auto_id="establishment_%s") if view.actions else None
        view.section_form = ResponsibleSectionForm(
            initial={"responsible_section": view.establishment.responsible_section}, auto_id="section_%s")
        view.post_form = StaffPostForm(auto_id="post_%s")
    return view
