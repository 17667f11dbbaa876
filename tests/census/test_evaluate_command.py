"""python manage.py evaluate_coverage [--region CODE] [--date YYYY-MM-DD]: one line per level."""
from __future__ import annotations

import io
import random
import re

import pytest
from django.core.management import CommandError, call_command

from census.coverage.models import Requirement
from census.coverage.services import policies_load
from census.importing.synthetic import resident_id
from census.registry.services import person_create
from orgs.organizations.models import Organization
from orgs.regions.models import Region, RegionLevel
from orgs.regions.services import regions_import
from tests.factories import region

pytestmark = pytest.mark.django_db

LINE = re.compile(r"^(county|township|village|unit) required=(\d+) satisfied=(\d+) under_way=(\d+) missing=(\d+)$")


def run(*args: str) -> tuple[list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate_coverage", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue()


@pytest.fixture
def huaning(db, admin_user):
    """华宁县 with one township, a key village of 3 and a village of 2, and a county federation being founded."""
    policies_load()
    rows = [
        {"code": "530424500", "name": "测试镇", "level": "township", "parent_code": "530424", "is_key_area": ""},
        {"code": "530424500500", "name": "侨乡村", "level": "village", "parent_code": "530424500", "is_key_area": "1"},
        {"code": "530424500501", "name": "小村", "level": "village", "parent_code": "530424500", "is_key_area": ""},
    ]
    assert not regions_import(rows, ["code", "name", "level", "parent_code", "is_key_area"]).errors
    for code, n in (("530424500500", 3), ("530424500501", 2)):
        where = region(code)
        for i in range(n):
            number = resident_id(random.Random(f"{code}-{i}"), "530424", set())[0]
            person_create(editor=admin_user, name=f"人员{i}", id_number=number, category="relative", region=where)
    Organization.objects.create(name="华宁县侨联", kind="county", status="approved", region=region("530424"))
    return region("530424")


def test_prints_one_line_per_level_for_a_county(huaning):
    lines, err = run("--region", "530424")
    assert lines == [
        "county required=1 satisfied=0 under_way=1 missing=0",
        "township required=0 satisfied=0 under_way=0 missing=0",
        "village required=1 satisfied=0 under_way=0 missing=1",
        "unit required=0 satisfied=0 under_way=0 missing=0",
    ]
    assert "places=4 created=4 " in err
    assert Requirement.objects.within(huaning).count() == 4


def test_a_city_counts_its_counties_and_the_plans_key_areas(huaning):
    lines, _ = run("--region", "530400")
    assert [LINE.match(line).group(1) for line in lines] == ["county", "township", "village", "unit"]
    counts = {m.group(1): tuple(int(g) for g in m.groups()[1:]) for m in map(LINE.match, lines)}
    assert counts["county"] == (9, 0, 1, 8)  # every county of 玉溪市; 华宁's federation is under way
    assert counts["township"] == (6, 0, 0, 6)  # the six key townships of the plan
    assert counts["village"] == (12, 0, 0, 12)  # the eleven key villages and 侨乡村


def test_everything_without_a_region(huaning):
    lines, _ = run()
    counts = {m.group(1): tuple(int(g) for g in m.groups()[1:]) for m in map(LINE.match, lines)}
    counties = Region.objects.filter(level=RegionLevel.COUNTY).count()
    assert counts["county"] == (counties, 0, 1, counties - 1)
    assert counts["village"][0] == 12


def test_the_date_chooses_the_policy(huaning):
    run("--region", "530424", "--date", "2019-06-01")  # before the Yuxi plan: the default thresholds
    assert set(Requirement.objects.within(huaning).values_list("policy__key", flat=True)) == {"default"}
    run("--region", "530424")
    assert set(Requirement.objects.within(huaning).values_list("policy__key", flat=True)) == {"yuxi-2020"}


def test_an_unknown_region_is_refused(db):
    with pytest.raises(CommandError, match="区划代码 999999 不存在"):
        run("--region", "999999")
