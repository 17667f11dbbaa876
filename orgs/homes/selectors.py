"""Reads of 侨胞之家."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch

from orgs.homes.models import Home, HomeAssessment

if TYPE_CHECKING:  # pragma: no cover
    from orgs.organizations.models import Organization


def home_with_history(organization: Organization):
    """The organization's 侨胞之家 with its assessments (newest first) and designations, or None."""
    return (
        Home.objects.filter(organization=organization)
        .prefetch_related(
            Prefetch("assessments", queryset=HomeAssessment.objects.select_related("assessor").order_by("-assessed_on", "-pk")),
            "designations",
        )
        .first()
    )
