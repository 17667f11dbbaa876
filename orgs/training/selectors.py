"""Reads of trainings and volunteers: the scoped list, one training with its attendance, the attendees a training
may pick from, and what an organization's page shows. A fixed number of queries each, whatever the rows."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q

from orgs.access.scoping import get_visible_or_404
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import LeadershipMember, Organization
from orgs.training.models import Training, TrainingAttendance, Volunteer

if TYPE_CHECKING:  # pragma: no cover
    from django.db.models import QuerySet

# How many of an organization's trainings its page lists (the training list has them all).
ORGANIZATION_TRAININGS_SHOWN = 10


def trainings_visible(user) -> QuerySet[Training]:
    """The trainings the user sees (by the organiser's region), with their attendance counted."""
    return (
        Training.objects.visible_to(user)
        .select_related("organizer__region")
        .annotate(attendees=Count("attendances"))
        .order_by("-held_on", "-pk")
    )


def training_for_detail(user, pk: int) -> Training:
    """One training the user sees (404 otherwise)."""
    return get_visible_or_404(Training.objects.select_related("organizer__region", "created_by"), user, pk=pk)


def training_attendance(training: Training) -> list[TrainingAttendance]:
    return list(training.attendances.select_related("organization", "leader", "volunteer").order_by("role", "name", "pk"))


def attendee_records(training: Training) -> tuple[list[LeadershipMember], list[Volunteer]]:
    """Whom a training may list by record: the leading-body members and the active volunteers of the organizations
    in the organiser's region subtree (not dissolved), by organization."""
    organizations = Organization.objects.within(training.organizer.region).exclude(status=OrganizationStatus.DISSOLVED)
    leaders = list(
        LeadershipMember.objects.filter(organization__in=organizations)
        .select_related("organization").order_by("organization__name", "name", "pk")
    )
    volunteers = list(
        Volunteer.objects.filter(organization__in=organizations, active=True)
        .select_related("organization").order_by("organization__name", "name", "pk")
    )
    return leaders, volunteers


def attendee_organizations(training: Training) -> QuerySet[Organization]:
    """The organizations an attendee without a record may be placed in: the organiser's subtree."""
    return (
        Organization.objects.within(training.organizer.region)
        .exclude(status=OrganizationStatus.DISSOLVED).order_by("region__tree_id", "region__lft", "name")
    )


def organization_trainings(organization: Organization) -> list[Training]:
    """The latest trainings the organization held or its people attended (Yuxi 三(五): 持续开展基层侨联专兼职干部和
    "侨胞之家"负责人的培训), with the attendance counted and how many of the attendees are its own people."""
    return list(
        # attended: a subquery, so that the counts below join the training's whole attendance, not the rows matched
        Training.objects.filter(
            Q(organizer=organization)
            | Q(pk__in=TrainingAttendance.objects.filter(organization=organization).values("training_id"))
        )
        .annotate(
            attendees=Count("attendances", distinct=True),
            own_attendees=Count("attendances", filter=Q(attendances__organization=organization), distinct=True),
        )
        .select_related("organizer")
        .order_by("-held_on", "-pk")[:ORGANIZATION_TRAININGS_SHOWN]
    )


def organization_volunteers(organization: Organization) -> list[Volunteer]:
    """The organization's volunteer register, with how many trainings each attended."""
    return list(
        Volunteer.objects.filter(organization=organization)
        .annotate(trainings=Count("training_attendances"))
        .order_by("-active", "name", "pk")
    )


def attended_by_records(*, leader_ids: list[int], volunteer_ids: list[int], user) -> list[TrainingAttendance]:
    """The attendance of these leading-body members and volunteers in trainings the user sees (a person's page)."""
    if not leader_ids and not volunteer_ids:
        return []
    return list(
        TrainingAttendance.objects.visible_to(user)
        .filter(Q(leader_id__in=leader_ids) | Q(volunteer_id__in=volunteer_ids))
        .select_related("training__organizer")
        .order_by("-training__held_on", "-pk")
    )
