"""The dashboard cache's invalidation: every change of the figures' sources bumps the dashboard's version
(connected in TasksConfig.ready)."""
from __future__ import annotations

from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from census.coverage.models import CoverageRollup
from census.coverage.signals import requirement_changed
from census.importing.models import CensusImport
from census.registry.models import CampaignReport, Person
from census.registry.signals import census_changed
from orgs.assessments.models import OrganizationAssessment
from orgs.homes.models import Home
from orgs.organizations.models import Organization
from orgs.regions.models import Region
from tasks.dashboard.selectors import dashboard_invalidate
from tasks.plans.models import Milestone, Plan, PlanLeadershipMember, Task

# Our mark on the (per-thread) database connection: the on-commit list the pending bump went into.
BUMP_LIST_ATTR = "_dashboard_bump_list"


def dashboard_bump_on_commit() -> None:
    """The on-commit bump registered by `_dashboard_changed` (at most one pending per transaction)."""
    setattr(connection, BUMP_LIST_ATTR, None)
    dashboard_invalidate()


def _dashboard_changed(sender, **kwargs) -> None:
    """Bumps the dashboard's version once the change is committed, once per transaction: an import or a
    coverage re-evaluation that saves rows one by one in one transaction costs one bump (a cache round trip)
    and one on-commit callback, not one per row. Outside a transaction the bump is immediate."""
    if not connection.in_atomic_block:
        dashboard_bump_on_commit()
        return
    # `run_on_commit` is a new list after every commit, rollback and savepoint rollback (which drop the pending
    # bump), and the bump forgets the list when it runs: the list our bump went into, still held, means the
    # bump is pending.
    if getattr(connection, BUMP_LIST_ATTR, None) is connection.run_on_commit:
        return
    transaction.on_commit(dashboard_bump_on_commit)
    setattr(connection, BUMP_LIST_ATTR, connection.run_on_commit)


def _connect_dashboard_invalidation() -> None:
    census_changed.connect(_dashboard_changed, dispatch_uid="dashboard.census_changed")
    requirement_changed.connect(_dashboard_changed, dispatch_uid="dashboard.requirement_changed")
    for model in (Region, Organization, Home, Plan, Milestone, Task, CensusImport, CoverageRollup, Person, CampaignReport,
                  OrganizationAssessment, PlanLeadershipMember):
        post_save.connect(_dashboard_changed, sender=model, dispatch_uid=f"dashboard.save.{model.__name__}")
        post_delete.connect(_dashboard_changed, sender=model, dispatch_uid=f"dashboard.delete.{model.__name__}")
    m2m_changed.connect(_dashboard_changed, sender=Task.responsible_users.through, dispatch_uid="dashboard.task_users")


_connect_dashboard_invalidation()
