"""What the tasks app does when the census or organizations change (connected in TasksConfig.ready)."""
from __future__ import annotations

from django.dispatch import receiver

from census.signals import requirement_changed
from orgs.models import OrganizationStatus
from orgs.signals import organization_status_changed


@receiver(requirement_changed, dispatch_uid="tasks.requirement_changed")
def on_requirement_changed(sender, crossings=None, **kwargs) -> None:
    """A place became required: the open plan covering it gets a task (idempotent)."""
    from .services.tasks import tasks_for_crossings

    if crossings:
        tasks_for_crossings(crossings=crossings)


@receiver(organization_status_changed, dispatch_uid="tasks.organization_status_changed")
def on_organization_status_changed(sender, organization=None, old_status=None, new_status=None, actor=None, **kwargs) -> None:
    """An organization became active: the place's open task is done, linked to it."""
    from .services.tasks import tasks_complete_for_organization

    if organization is not None and new_status == OrganizationStatus.ACTIVE and old_status != OrganizationStatus.ACTIVE:
        tasks_complete_for_organization(organization=organization, actor=actor)


# ---- dashboard cache (issue 7): every change of the figures' sources bumps the dashboard's version ----------

def dashboard_bump_on_commit() -> None:
    """The on-commit bump registered by `_dashboard_changed` (at most one pending per transaction)."""
    from django.db import connection

    from .dashboard import dashboard_invalidate

    connection._dashboard_bump_list = None
    dashboard_invalidate()


def _dashboard_changed(sender, **kwargs) -> None:
    """Bumps the dashboard's version once the change is committed, once per transaction: an import or a
    coverage re-evaluation that saves rows one by one in one transaction costs one bump (a cache round trip)
    and one on-commit callback, not one per row. Outside a transaction the bump is immediate."""
    from django.db import connection, transaction

    if not connection.in_atomic_block:
        dashboard_bump_on_commit()
        return
    # `run_on_commit` is a new list after every commit, rollback and savepoint rollback (which drop the pending
    # bump), and the bump forgets the list when it runs: the list our bump went into, still held, means the
    # bump is pending.
    if getattr(connection, "_dashboard_bump_list", None) is connection.run_on_commit:
        return
    transaction.on_commit(dashboard_bump_on_commit)
    connection._dashboard_bump_list = connection.run_on_commit


def _connect_dashboard_invalidation() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from census.models import CensusImport, CoverageRollup, Person
    from census.signals import census_changed
    from orgs.models import Home, Organization, Region

    from .models import Milestone, Plan, Task

    census_changed.connect(_dashboard_changed, dispatch_uid="dashboard.census_changed")
    requirement_changed.connect(_dashboard_changed, dispatch_uid="dashboard.requirement_changed")
    for model in (Region, Organization, Home, Plan, Milestone, Task, CensusImport, CoverageRollup, Person):
        post_save.connect(_dashboard_changed, sender=model, dispatch_uid=f"dashboard.save.{model.__name__}")
        post_delete.connect(_dashboard_changed, sender=model, dispatch_uid=f"dashboard.delete.{model.__name__}")
    m2m_changed.connect(_dashboard_changed, sender=Task.responsible_users.through, dispatch_uid="dashboard.task_users")


_connect_dashboard_invalidation()
