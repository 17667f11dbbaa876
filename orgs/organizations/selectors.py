"""Reads of organizations used by the pages, the API and the region panel: scoped lists, the detail
with its parts, the procedure timeline."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import BooleanField, Case, ExpressionWrapper, Prefetch, Q, When
from django.utils.translation import gettext as _

from orgs.access.scoping import ancestors_q, get_visible_or_404, subtree_q, user_scope
from orgs.organizations.election import Candidate, Congress
from orgs.organizations.founding import (
    BY_ACTION,
    CONSULT,
    FEDERATION,
    NOMINATE,
    PROCEDURE,
    UNITED_FRONT,
    OrganizationStatus,
    round_answers,
)
from orgs.organizations.models import (
    REGION_LEVEL_OF_KIND,
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
from orgs.regions.models import Region, RegionLevel

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
        Prefetch("steps", queryset=FoundingStep.objects.select_related("actor", "congress").order_by("date", "pk")),
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



# ---- the superior bodies and the records of the founding steps (Yuxi plan 三(一), 二(一)) ----------------------------


def superior_region(organization: Organization) -> Region | None:
    """The region whose editors act for the superior federation: the superior organization's region, or
    without one the parent region of the organization's region."""
    superior = organization.superior if organization.superior_id else None
    if superior is not None:
        return superior.region
    return organization.region.parent


# Levels whose federation is taken to exist without a row in this system (the 省、市 federations issue the plans).
FEDERATION_ASSUMED_LEVELS = frozenset({RegionLevel.PROVINCE, RegionLevel.CITY})


@dataclass(frozen=True)
class SuperiorBodies:
    """The superior bodies that answer an organization's founding steps (Yuxi 二(一): "市委统战部、市侨联" for a
    county): their names, the federation's row when one exists in the system (the page links it), and the
    region whose editors record their answers."""

    region: Region | None
    united_front: str
    federation: str
    federation_organization: Organization | None
    federation_founded: bool  # False: a county / township federation that does not exist (yet)

    def name_of(self, body: str) -> str:
        return self.united_front if body == UNITED_FRONT else self.federation


def united_front_name(region: Region) -> str:
    """玉溪市 → 玉溪市委统战部, 通海县 → 通海县委统战部; a township has no 统战部: its 党委 answers."""
    if region.level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        return _("%(region)s党委") % {"region": region.name}
    return _("%(region)s委统战部") % {"region": region.name}


def superior_bodies(organization: Organization) -> SuperiorBodies:
    """Who answers: the superior organization when one is named; else the 侨联 of the parent region (玉溪市侨联 for
    通海县侨联, linked when a row of it exists) and that region's 统战部. One query at most."""
    region = superior_region(organization)
    if region is None:
        return SuperiorBodies(None, "—", "—", None, False)
    united_front = united_front_name(region)
    superior = organization.superior if organization.superior_id else None
    if superior is not None:
        return SuperiorBodies(region, united_front, superior.name, superior, superior.status != OrganizationStatus.DISSOLVED)
    name = _("%(region)s侨联") % {"region": region.name}
    row = (
        Organization.objects.filter(region=region, unit__isnull=True)
        .exclude(status=OrganizationStatus.DISSOLVED)
        .filter(Q(kind__in=list(REGION_LEVEL_OF_KIND)) | Q(name=name))
        .order_by(Case(When(status=OrganizationStatus.ACTIVE, then=0), default=1), "pk")
        .first()
    )
    if row is not None:
        founded = row.status == OrganizationStatus.ACTIVE or region.level in FEDERATION_ASSUMED_LEVELS
        return SuperiorBodies(region, united_front, row.name, row, founded)
    return SuperiorBodies(region, united_front, name, None, region.level in FEDERATION_ASSUMED_LEVELS)



@dataclass(frozen=True)
class BodyAnswer:
    body: str
    name: str  # 玉溪市委统战部, 玉溪市侨联
    step: FoundingStep | None  # its answer in the round, None: not answered yet

    @property
    def state(self) -> str:
        if self.step is None:
            return "waiting"
        return "agreed" if BY_ACTION[self.step.action].agrees else "returned"


@dataclass(frozen=True)
class FoundingRecord:
    """What the organization page shows of the procedure beside the timeline: who answers, each body's answer in the
    latest consultation round and to the latest candidate list, that list, and the congress."""

    bodies: SuperiorBodies
    submitted: FoundingStep | None  # the latest submission for consultation
    consultation: tuple[BodyAnswer, ...]
    nomination: FoundingStep | None  # the latest candidate list submitted
    candidates: tuple[Candidate, ...]
    candidates_answer: BodyAnswer | None
    congress: Congress | None


def _congress_of(step: FoundingStep) -> Congress | None:
    try:
        return step.congress  # selected with the steps by `organization_for_detail`
    except Congress.DoesNotExist:
        return None


def founding_record(organization: Organization, steps: list[FoundingStep]) -> FoundingRecord:
    """The founding record of the page from the steps already loaded (two queries: the bodies and the lists)."""
    steps = sorted(steps, key=lambda s: s.pk)
    bodies = superior_bodies(organization)
    submitted = next((s for s in reversed(steps) if s.action == CONSULT), None)
    answers = round_answers(steps, CONSULT)
    consultation = tuple(BodyAnswer(b, bodies.name_of(b), answers.get(b)) for b in (UNITED_FRONT, FEDERATION))
    nomination = next((s for s in reversed(steps) if s.action == NOMINATE), None)
    held = next((s for s in reversed(steps) if s.action == "hold_congress"), None)
    candidates: tuple[Candidate, ...] = ()
    congress = None
    if nomination is not None or held is not None:
        rows = list(
            Candidate.objects.filter(nomination=nomination).select_related("leader") if nomination else ()
        )
        candidates = tuple(rows)
        congress = _congress_of(held) if held else None
    candidates_answer = (
        BodyAnswer(FEDERATION, bodies.federation, round_answers(steps, NOMINATE).get(FEDERATION)) if nomination else None
    )
    return FoundingRecord(bodies, submitted, consultation if submitted else (), nomination, candidates, candidates_answer, congress)
