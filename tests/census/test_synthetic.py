"""Synthetic census data: deterministic for a seed, valid IDs, heavy-tailed headcounts."""
from __future__ import annotations

import io
import random
import statistics
import zipfile

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from census.importing.pipeline import run_census_import
from census.importing.synthetic import resident_id, write_census_sheet
from census.registry.models import Campaign, Headcount, Person
from orgs.common.crypto import decrypt_text
from orgs.common.identifiers import document_gives_birth, mask_document, validate_document, validate_resident_id
from orgs.regions.models import Region, RegionLevel
from orgs.units.models import Unit
from tests.census.factories import import_record


class _Rollback(Exception):
    pass


def generate_and_capture(*args: str) -> tuple[str, list[tuple], list[str]]:
    """Runs generate_census inside a savepoint, captures what it made, and rolls it back, so that
    a second run starts from the same database."""
    captured: dict = {}
    try:
        with transaction.atomic():
            out = io.StringIO()
            call_command("generate_census", *args, stdout=out)
            captured["out"] = out.getvalue()
            captured["people"] = list(
                Person.objects.order_by("pk").values_list("name", "id_number_masked", "region__code", "category", "birth_date", "id_type")
            )
            captured["regions"] = list(
                Region.objects.filter(code__startswith="530423", level=RegionLevel.VILLAGE).order_by("code").values_list("code", "name")
            )
            captured["encrypted"] = list(Person.objects.order_by("pk").values_list("id_number_encrypted", flat=True))
            raise _Rollback
    except _Rollback:
        pass
    return captured["out"], captured["people"], captured["regions"], captured["encrypted"]


@pytest.mark.django_db
def test_county_scale_is_deterministic_and_every_id_is_valid():
    out, people, villages, encrypted = generate_and_capture("--scale", "county", "--seed", "3")
    assert Person.objects.count() == 0  # rolled back

    _again_out, again_people, again_villages, _ = generate_and_capture("--scale", "county", "--seed", "3")
    _other_out, other_people, _, _ = generate_and_capture("--scale", "county", "--seed", "4")

    assert out.startswith("scale=county townships=10 villages=100 units=100 people=5000 ")
    assert len(people) == 5000
    assert again_people == people  # same names, masked IDs, places, in the same order
    assert again_villages == villages
    assert other_people != people

    numbers = [decrypt_text(token) for token in encrypted]
    assert len(set(numbers)) == len(numbers)
    for number, (_name, masked, _region, _category, birth, id_type) in zip(numbers, people, strict=True):
        assert validate_document(id_type, number) == number
        assert masked == mask_document(number) and number not in masked
        if id_type == "resident_id":
            assert number.startswith("530423")
        if document_gives_birth(id_type, number):
            assert birth.strftime("%Y%m%d") == number[6:14]
    # people without a resident ID, as the registry really holds them: every 外籍华人, about 15% of 华侨
    by_category: dict[str, list[str]] = {}
    for *_rest, category, _birth, id_type in people:
        by_category.setdefault(category, []).append(id_type)
    assert by_category["foreign_chinese"] and "resident_id" not in by_category["foreign_chinese"]
    overseas = by_category["overseas"]
    assert 0.08 < overseas.count("passport") / len(overseas) < 0.25
    assert set(by_category["relative"]) == {"resident_id"}


@pytest.mark.django_db
def test_demo_scale_headcounts_are_heavy_tailed():
    call_command("generate_census", "--scale", "demo", "--seed", "1", stdout=io.StringIO())

    yuxi = Region.objects.get(code="530400")
    villages = Region.objects.within(yuxi).filter(level=RegionLevel.VILLAGE)
    per_village = dict(Person.objects.filter(region__in=villages).values_list("region").annotate(n=Count("pk")))
    counts = [per_village.get(pk, 0) for pk in villages.values_list("pk", flat=True)]
    assert len(counts) >= 300
    assert statistics.median(counts) <= 10
    assert max(counts) >= 30
    assert sum(1 for n in counts if n >= 30) <= len(counts) // 5  # the 侨乡 villages are a few, not most
    assert Person.objects.within(yuxi).count() == 6000

    # the snapshot of the open campaign matches the registry, and last year's closed round exists
    campaign = Campaign.objects.get(region=yuxi, is_open=True)
    total = sum(Headcount.objects.filter(campaign=campaign, unit__isnull=True).values_list("count", flat=True))
    assert total == 6000
    assert Campaign.objects.filter(region=yuxi, year=campaign.year - 1, is_open=False).exists()
    assert Unit.objects.within(yuxi).count() > 0

    # a second run adds nothing: no people, and the same places and units
    regions, units = Region.objects.count(), Unit.objects.count()
    out = io.StringIO()
    call_command("generate_census", "--scale", "demo", "--seed", "1", stdout=out)
    assert out.getvalue().startswith("scale=demo townships=0 villages=0 units=0 people=0 ")
    assert (Region.objects.count(), Unit.objects.count(), Person.objects.count()) == (regions, units, 6000)


def test_resident_id_helper_is_valid_unique_and_deterministic():
    taken: set[str] = set()
    first = [resident_id(random.Random(9), "530423", set()) for _ in range(3)]
    assert len({f[0] for f in first}) == 1  # same seed, same number
    rng = random.Random(9)
    numbers = [resident_id(rng, "530423", taken) for _ in range(500)]
    assert len({n for n, _b, _g in numbers}) == 500
    for number, birth, gender in numbers:
        assert validate_resident_id(number) == number
        assert number[6:14] == birth.strftime("%Y%m%d")
        assert gender == ("M" if int(number[16]) % 2 else "F")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_synthetic_sheet_imports_cleanly(tmp_path, tonghai_official, fmt):
    campaign = Campaign.objects.create(year=2026, name="2026年度玉溪市侨情调查", region=Region.objects.get(code="530400"))
    path = tmp_path / f"sheet.{fmt}"
    write_census_sheet(path, rows=200, region_code="530423", seed=5, fmt=fmt)
    if fmt == "xlsx":  # laid out as Excel saves it: the texts in the shared strings table, none inline
        with zipfile.ZipFile(path) as archive:
            assert b't="s"' in archive.read("xl/worksheets/sheet1.xml")
            assert b"inlineStr" not in archive.read("xl/worksheets/sheet1.xml")
            assert "xl/sharedStrings.xml" in archive.namelist()

    outcome = run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=True, record=import_record(tonghai_official, campaign))

    assert outcome.errors == []
    assert (outcome.rows, outcome.new, outcome.invalid) == (200, 200, 0)
    assert Person.objects.within(Region.objects.get(code="530423")).count() == 200
