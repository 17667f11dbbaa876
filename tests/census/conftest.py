"""Fixtures shared by the census tests."""
from __future__ import annotations

import pytest

from census.registry.models import Campaign
from orgs.access.roles import Role
from orgs.regions.models import Region
from tests.factories import MembershipFactory, UserFactory

CENSUS_ADMIN_PERMISSIONS = [
    *(f"census.{action}_{model}" for model in ("person", "campaign", "personevent", "headcount", "censusimport")
      for action in ("view", "add", "change", "delete")),
    *(f"orgs.{action}_unit" for action in ("view", "add", "change", "delete")),
]


@pytest.fixture
def media_dir(settings, tmp_path):
    """Uploaded files of a test go to its own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def campaign(db):
    """The open 2026 campaign of 玉溪市 (530400)."""
    return Campaign.objects.create(year=2026, name="2026年度玉溪市侨情调查", region=Region.objects.get(code="530400"))


@pytest.fixture
def census_staff(db):
    """A Django-admin user scoped to 通海县: is_staff, every census admin permission, county official of 530423."""
    user = UserFactory(username="census_staff", is_staff=True, permissions=CENSUS_ADMIN_PERMISSIONS)
    MembershipFactory(user=user, role=Role.COUNTY_OFFICIAL, region=Region.objects.get(code="530423"))
    return user
