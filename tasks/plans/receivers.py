"""What plans do when the census or organizations change (connected in TasksConfig.ready): a task for a place
that became required, and completion when its organization becomes active."""
from __future__ import annotations

from django.dispatch import receiver

from census.coverage.signals import requirement_changed
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.signals import organization_status_changed
from tasks.plans.services import tasks_complete_for_organization, tasks_for_crossings


@receiver(requirement_changed, dispatch_uid="tasks.requirement_changed")
def on_requirement_changed(sender, crossings=None, **kwargs) -> None:
    """A place became required: the open plan covering it gets a task (idempotent)."""

    if crossings:
        tasks_for_crossings(crossings=crossings)


@receiver(organization_status_changed, dispatch_uid="tasks.organization_status_changed")
def on_organization_status_changed(sender, organization=None, old_status=None, new_status=None, actor=None, **kwargs) -> None:
    """An organization became active: the place's open task is done, linked to it."""

    if organization is not None and new_status == OrganizationStatus.ACTIVE and old_status != OrganizationStatus.ACTIVE:
        tasks_complete_for_organization(organization=organization, actor=actor)
