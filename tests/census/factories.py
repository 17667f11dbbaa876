"""Census factories. Units and campaigns are plain rows; persons are registered through the service
(person_create), so they carry a real encrypted ID, its keyed hash and their history."""
from __future__ import annotations

import random

import factory

from census.importing.models import CensusImport
from census.importing.synthetic import resident_id
from census.registry.models import Campaign, Category, Person
from census.registry.services import person_create
from orgs.regions.models import Region
from orgs.units.models import Unit, UnitKind
from tests.factories import region


class UnitFactory(factory.django.DjangoModelFactory):
    """A unit (an enterprise in 通海县 unless told otherwise)."""

    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = UnitKind.ENTERPRISE
    region = factory.LazyFunction(lambda: region("530423"))


class CampaignFactory(factory.django.DjangoModelFactory):
    """An open census round over 玉溪市 (530400)."""

    class Meta:
        model = Campaign

    year = 2025
    name = factory.LazyAttribute(lambda o: f"{o.year}年度{o.region.name}侨情调查")
    region = factory.LazyFunction(lambda: region("530400"))
    is_open = True


def valid_id(seed: int, county_code: str = "530423") -> str:
    """A valid 18-character resident ID, deterministic in `seed`."""
    return resident_id(random.Random(seed), county_code, set())[0]


def register_person(
    editor, *, seed: int, region_code: str = "530423", name: str | None = None, category: str = Category.RELATIVE,
    phone: str = "13912345678", **kwargs,
) -> Person:
    """A person registered by `editor` through the service, with the ID of `seed`."""
    where: Region = kwargs.pop("region", None) or region(region_code)
    return person_create(
        editor=editor, name=name or f"人员{seed}", id_number=valid_id(seed, where.code[:6]), category=category,
        region=where, phone=phone, **kwargs,
    )


def import_record(user, campaign: Campaign, name: str = "census.xlsx") -> CensusImport:
    """An import record for calling the pipeline directly (a commit needs one; the file itself is read
    from the path given to the pipeline)."""
    return CensusImport.objects.create(user=user, campaign=campaign, region=campaign.region, original_name=name)
