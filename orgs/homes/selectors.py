"""Reads of 侨胞之家 and of the nominations for its designations."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch

from orgs.access.scoping import user_scope
from orgs.homes.models import (
    DesignationNomination,
    DesignationStep,
    Home,
    HomeAssessment,
    NominationStatus,
)
from orgs.homes.nominations import NominationTransition, allowed_steps, may_nominate, reviewing_regions

if TYPE_CHECKING:  # pragma: no cover
    from orgs.organizations.models import Organization

OPEN_NOMINATIONS_SHOWN = 300


def home_with_history(organization: Organization):
    """The organization's 侨胞之家 with its unit, assessments (newest first), designations and nominations (with
    their steps), or None."""
    return (
        Home.objects.filter(organization=organization)
        .select_related("unit")
        .prefetch_related(
            Prefetch("assessments", queryset=HomeAssessment.objects.select_related("assessor").order_by("-assessed_on", "-pk")),
            "designations",
            Prefetch("nominations", queryset=DesignationNomination.objects.select_related("city", "province", "designation").prefetch_related(
                Prefetch("steps", queryset=DesignationStep.objects.select_related("actor").order_by("pk"))
            ).order_by("-created_at", "-pk")),
        )
        .first()
    )


@dataclass
class NominationRow:
    """A nomination with the steps the user may take on it."""

    nomination: DesignationNomination
    steps: list[NominationTransition] = field(default_factory=list)
    form: Any = None  # the step form the organization's page shows where the user may act


def home_nominations(user, organization: Organization, home: Home | None) -> tuple[list[NominationRow], bool]:
    """The home's nominations (newest first) with what the user may do on each, and whether the user may nominate
    it. The home comes from `home_with_history` (nominations prefetched); one query for the reviewing regions."""
    if home is None:
        return [], False
    home.organization = organization  # its region is at hand: no query per nomination
    rows = []
    for nomination in home.nominations.all():
        nomination.home = home  # the home and its organization's region are at hand
        rows.append(NominationRow(nomination, allowed_steps(user, nomination) if user_scope(user).can_write else []))
    can_nominate = False
    if user_scope(user).can_write:
        city, province = reviewing_regions(organization.region)
        can_nominate = (city is not None or province is not None) and may_nominate(user, home, city, province)
    return rows, can_nominate


def nominations_for(user) -> tuple[list[NominationRow], list[NominationRow]]:
    """待审推荐: the open nominations the user sees (one query), split into those waiting for the user's action and the
    others. In memory after the one query: which steps the user may take on each."""
    rows = (
        DesignationNomination.objects.visible_to(user)
        .exclude(status=NominationStatus.AWARDED)
        .select_related("home__organization__region", "home__unit", "city", "province", "nominated_by")
        .order_by("-updated_at", "-pk")[:OPEN_NOMINATIONS_SHOWN]
    )
    writes = user_scope(user).can_write
    mine: list[NominationRow] = []
    others: list[NominationRow] = []
    for nomination in rows:
        row = NominationRow(nomination, allowed_steps(user, nomination) if writes else [])
        (mine if row.steps else others).append(row)
    return mine, others
