"""Factories of organizations and their parts (plain rows; the procedure goes through the service)."""
from __future__ import annotations

import factory

from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from tests.factories import RegionFactory, region


class OrganizationFactory(factory.django.DjangoModelFactory):
    """A 侨联小组 in a new township of 通海县, planned, unless told otherwise."""

    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试侨联{n}")
    kind = OrganizationKind.GROUP
    status = OrganizationStatus.PLANNED
    region = factory.LazyFunction(lambda: RegionFactory(parent=region("530423")))
