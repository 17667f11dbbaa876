"""The organization page's 督查考核 panel: its latest yearly assessments and, for its superior, the entry link.
An inclusion tag, so the organization page's view needs no change (templates/orgs/includes/organization_assessments.html)."""
from __future__ import annotations

from django import template

from orgs.assessments.selectors import organization_assessments
from orgs.assessments.services import can_assess

register = template.Library()


@register.inclusion_tag("assessments/includes/organization_panel.html", takes_context=True)
def organization_assessment_panel(context, organization):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"organization": organization, "assessments": organization_assessments(organization),
            "can_assess": user is not None and can_assess(user, organization)}
