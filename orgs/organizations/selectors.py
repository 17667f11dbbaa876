"""Reads of organizations used by the pages, the API and the region panel: scoped lists, the detail
with its parts, the procedure timeline."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q

from orgs.access.scoping import ancestors_q, get_visible_or_404, subtree_q, user_scope
from orgs.organizations.founding import PROCEDURE, OrganizationStatus
from orgs.organizations.models import (
    Activity,
    AffiliatedAssociation,
    AlumniLink,
    CadreContact,
    CadreContactLog,
    FoundingStep,
    Organization,
    OrganizationKind,
    OverseasAssociation,
    WechatGroup,
)

if TYPE_CHECKING:  # pragma: no cover
    from django_stubs_ext import StrOrPromise


# Yuxi plan 三(三): "成立侨联组织的乡镇(街道)、村(社区)要明确一名班子成员负责分管或联系侨联工作，指定一名干部具体负责侨联
# 组织日常事务" — asked of the township and village federations that are founded (active).
RESPONSIBLE_KINDS = (OrganizationKind.TOWNSHIP, OrganizationKind.VILLAGE)


def responsible_obliged_q(prefix: str = "") -> Q:
    """Organizations (reached through `prefix`, e.g. "organization__") that must name both responsible people."""
    return Q(**{f"{prefix}kind__in": RESPONSIBLE_KINDS, f"{prefix}status": OrganizationStatus.ACTIVE})


def lacks_responsible_q(prefix: str = "") -> Q:
    """Those of them that name no responsible leader or no daily-affairs cadre."""
    return responsible_obliged_q(prefix) & (Q(**{f"{prefix}responsible_leader": ""}) | Q(**{f"{prefix}daily_affairs_cadre": ""}))


def lacks_responsible(organization: Organization) -> bool:
    """`lacks_responsible_q` for one organization in memory."""
    return (
        organization.kind in RESPONSIBLE_KINDS and organization.status == OrganizationStatus.ACTIVE
        and not (organization.responsible_leader and organization.daily_affairs_cadre)
    )


def organizations_visible(user):
    """The organizations the user may see, with what a list row shows (one query), `lacks_responsible` annotated."""
    return (
        Organization.objects.visible_to(user)
        .select_related("region", "unit", "superior", "home")
        .annotate(lacks_responsible=ExpressionWrapper(lacks_responsible_q(), output_field=BooleanField()))
        .order_by("region__tree_id", "region__lft", "kind", "name")
    )


def superior_choices(user):
    """The organizations the user may name as a superior: those they see and those of the regions above
    their scope (a county official names 玉溪市侨联), never a dissolved one."""

    scope = user_scope(user)
    queryset = Organization.objects.exclude(status=OrganizationStatus.DISSOLVED)
    if scope.is_admin:
        return queryset
    if not scope.visible:
        return queryset.none()
    return queryset.filter(subtree_q(scope.visible, "region") | ancestors_q(scope.visible, "region"))


def organization_for_detail(user, pk: int) -> Organization:
    """One visible organization with its parts prefetched (a fixed number of queries); 404 otherwise."""

    contacts = CadreContact.objects.select_related("cadre").order_by("since", "pk").prefetch_related(
        Prefetch("logs", queryset=CadreContactLog.objects.select_related("recorded_by").order_by("-date", "-pk"))
    )
    queryset = Organization.objects.select_related("region", "region__parent", "unit", "superior", "superior__region").prefetch_related(
        Prefetch("steps", queryset=FoundingStep.objects.select_related("actor").order_by("date", "pk")),
        "leaders", Prefetch("cadre_contacts", queryset=contacts),
        Prefetch("wechat_groups", queryset=WechatGroup.objects.order_by("kind", "pk")),
        Prefetch("affiliated_associations", queryset=AffiliatedAssociation.objects.order_by("kind", "pk")),
        Prefetch("overseas_associations", queryset=OverseasAssociation.objects.order_by("country", "pk")),
        Prefetch("alumni_links", queryset=AlumniLink.objects.select_related("university_federation").order_by("pk")),
        "covered_regions",
        Prefetch("activities", queryset=Activity.objects.order_by("-held_on", "-pk").prefetch_related("attachments")),
    )
    return get_visible_or_404(queryset, user, pk=pk)


@dataclass(frozen=True)
class TimelineEntry:
    status: str
    label: StrOrPromise
    state: str  # "done" | "current" | "ahead"
    steps: tuple  # the steps recorded into this status (and answers recorded while in it)


def procedure_timeline(organization: Organization, steps: list[FoundingStep]) -> list[TimelineEntry]:
    """The seven statuses of the procedure, each done / current / ahead, with the steps recorded into it."""
    by_status: dict[str, list[FoundingStep]] = {}
    for step in steps:
        by_status.setdefault(step.to_status, []).append(step)
    current = organization.status
    reached = PROCEDURE.index(current) if current in PROCEDURE else len(PROCEDURE)
    entries = []
    for index, status in enumerate(PROCEDURE):
        state = "done" if index < reached else "current" if index == reached else "ahead"
        if current == OrganizationStatus.DISSOLVED:
            state = "done" if status in by_status else "ahead"
        entries.append(TimelineEntry(status, OrganizationStatus(status).label, state, tuple(by_status.get(status, ()))))
    if current == OrganizationStatus.DISSOLVED:
        entries.append(TimelineEntry(current, OrganizationStatus(current).label, "current", tuple(by_status.get(current, ()))))
    return entries


def organizations_of_region(user, region):
    """The visible organizations serving a region (its own, not its subtree), for the region panel."""
    return list(
        Organization.objects.visible_to(user)
        .filter(Q(region=region) | Q(covered_regions=region))
        .select_related("unit", "home")
        .distinct()
        .order_by("kind", "name")
    )

