"""Reads of 机构登记与人员配备 for the organization page and the API: one organization's establishment, its steps and
posts, the steps it may take next (a fixed number of queries)."""
from __future__ import annotations

from dataclasses import dataclass, field

from orgs.access.scoping import user_scope
from orgs.organizations.models import Organization
from orgs.organizations.selectors import RESPONSIBLE_KINDS, lacks_responsible
from orgs.staffing.models import Establishment, EstablishmentStep, OfficeStatus, StaffPost
from orgs.staffing.services import office_refusal
from orgs.staffing.workflow import EstablishmentAction, action_label, next_actions


@dataclass
class StaffingView:
    """What the page's 机构与人员 section shows."""

    organization: Organization
    establishment: Establishment
    steps: list[EstablishmentStep]
    posts: list[StaffPost]
    can_edit: bool
    actions: list[EstablishmentAction] = field(default_factory=list)
    office_refusal: str | None = None

    @property
    def has_office(self) -> bool:
        return self.establishment.office_status in (OfficeStatus.APPROVED, OfficeStatus.REGISTERED)

    @property
    def responsible_asked(self) -> bool:
        """Township and village federations name a responsible leader and a daily-affairs cadre (Yuxi 三(三))."""
        return self.organization.kind in RESPONSIBLE_KINDS

    @property
    def lacks_responsible(self) -> bool:
        return lacks_responsible(self.organization)

    @property
    def full_time(self) -> int:
        return sum(1 for p in self.posts if p.employment == "full_time")

    @property
    def part_time(self) -> int:
        return len(self.posts) - self.full_time


def establishment_of(organization: Organization) -> Establishment:
    """The organization's establishment, or an unsaved blank one (nothing recorded yet)."""
    found = Establishment.objects.filter(organization=organization).first()
    return found or Establishment(organization=organization)


def establishment_steps(organization: Organization) -> list[EstablishmentStep]:
    steps = list(EstablishmentStep.objects.filter(organization=organization).select_related("actor").order_by("date", "pk"))
    for step in steps:
        step.label = action_label(step.action)  # type: ignore[attr-defined]
    return steps


def staffing_view(user, organization: Organization) -> StaffingView:
    """The section for `organization` (already checked visible to `user`): three queries."""
    scope = user_scope(user)
    establishment = establishment_of(organization)
    refusal = office_refusal(organization)
    can_edit = scope.can_write and scope.edits_region(organization.region) and organization.status != "dissolved"
    return StaffingView(
        organization=organization,
        establishment=establishment,
        steps=establishment_steps(organization),
        posts=list(StaffPost.objects.filter(organization=organization).order_by("employment", "pk")),
        can_edit=can_edit,
        actions=next_actions(establishment.office_status, establishment.credit_code_status, office_is_allowed=refusal is None)
        if can_edit else [],
        office_refusal=refusal,
    )
