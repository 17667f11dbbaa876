"""The organization page's training and volunteer section (templates/orgs/includes/organization_training.html):
the page's include asks for its rows here, so the organization views need not know the training package."""
from __future__ import annotations

from django import template

from orgs.training.forms import VolunteerForm
from orgs.training.selectors import organization_trainings, organization_volunteers

register = template.Library()


@register.simple_tag
def organization_training(organization, can_edit: bool = False) -> dict:
    """The organization's latest trainings and its volunteer register (two queries), and the add form for its editors."""
    return {
        "trainings": organization_trainings(organization),
        "volunteers": organization_volunteers(organization),
        "volunteer_form": VolunteerForm(initial={"active": True}, auto_id="volunteer_%s") if can_edit else None,
    }
