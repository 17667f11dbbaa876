"""Reads of 督查考核 used by the pages, the API and the organization page's panel."""
from __future__ import annotations

from orgs.assessments.models import OrganizationAssessment, ScoringSheet

PANEL_YEARS = 5


def sheets_visible(user):
    """The sheets a user reads: those of their regions and of the regions above (they are assessed on them)."""
    return ScoringSheet.objects.visible_to(user).select_related("region").prefetch_related("items").order_by("-year", "region__code")


def assessments_visible(user):
    return (
        OrganizationAssessment.objects.visible_to(user)
        .select_related("organization__region", "sheet", "assessed_by")
        .order_by("-year", "organization__region__tree_id", "organization__region__lft", "organization__name")
    )


def organization_assessments(organization, *, limit: int = PANEL_YEARS) -> list[OrganizationAssessment]:
    """The organization's latest yearly assessments (the caller checked that the user sees it)."""
    return list(organization.yearly_assessments.select_related("assessed_by", "sheet").order_by("-year")[:limit])
