"""The national county-level tree and the Yuxi key areas, as the demo loader leaves them."""
from __future__ import annotations

import csv
import time

import pytest
from django.db import connection

from census.coverage.models import Policy
from orgs.access.models import Membership
from orgs.regions.models import Region, RegionKind, RegionLevel
from orgs.regions.services import regions_import_file
from orgs.regions.tree import TreeNode, layout_forest
from qiaolian.demo.organizations import (
    NATIONAL_REGIONS,
    YUXI_PLAN,
    demo_regions_load,
    yuxi_key_area_rows,
)

pytestmark = pytest.mark.django_db

TREE_COLUMNS = ("code", "tree_id", "lft", "rght", "depth")


def tree_layout() -> dict[str, tuple]:
    return {row[0]: row[1:] for row in Region.objects.values_list(*TREE_COLUMNS)}


def test_level_counts():
    counts = {level: Region.objects.filter(level=level, is_key_area=False).count() for level in RegionLevel}
    assert counts == {
        RegionLevel.PROVINCE: 34,
        RegionLevel.CITY: 333,
        RegionLevel.COUNTY: 2851,
        RegionLevel.TOWNSHIP: 0,
        RegionLevel.VILLAGE: 0,
    }
    assert Region.objects.filter(parent__isnull=True).count() == 34


@pytest.mark.parametrize(
    ("code", "name", "counties"),
    [("360000", "江西省", 100), ("530400", "玉溪市", 9), ("530000", "云南省", 129), ("110000", "北京市", 16)],
)
def test_counties_below(code, name, counties):
    region = Region.objects.get(code=code)
    assert region.name == name
    assert region.get_descendants().filter(level=RegionLevel.COUNTY).count() == counties


def test_full_path_and_kind_of_tonghai():
    tonghai = Region.objects.get(code="530423")
    assert tonghai.full_name == "云南省玉溪市通海县"
    assert tonghai.path == "云南省玉溪市通海县"
    assert tonghai.level == RegionLevel.COUNTY
    assert tonghai.kind == RegionKind.COUNTY
    assert tonghai.parent.code == "530400"
    assert [a.code for a in tonghai.get_ancestors()] == ["530000", "530400"]


def test_kinds_inferred_from_names():
    kinds = dict(Region.objects.filter(code__in=["530000", "450000", "110000", "530400", "532300", "530402", "530426", "530481"]).values_list("code", "kind"))
    assert kinds == {
        "530000": RegionKind.PROVINCE,
        "450000": RegionKind.AUTONOMOUS_REGION,
        "110000": RegionKind.MUNICIPALITY,
        "530400": RegionKind.PREFECTURE_CITY,
        "532300": RegionKind.AUTONOMOUS_PREFECTURE,
        "530402": RegionKind.DISTRICT,
        "530426": RegionKind.AUTONOMOUS_COUNTY,
        "530481": RegionKind.COUNTY_CITY,
    }


def test_yuxi_key_areas_under_their_counties():
    with YUXI_PLAN.open(encoding="utf-8-sig") as handle:
        planned = sorted(
            (row["county_code"], row["name"], row["level"]) for row in csv.DictReader(handle) if row["item"] == "key_area"
        )
    assert len(planned) == 17
    key_areas = Region.objects.filter(is_key_area=True).select_related("parent")
    found = sorted((r.parent.code, r.name, r.level) for r in key_areas)
    assert found == planned
    for region in key_areas:
        assert region.full_name == region.parent.full_name + region.name
        assert region.get_ancestors().filter(code="530400").exists()
        expected_length = 9 if region.level == RegionLevel.TOWNSHIP else 12
        assert len(region.code) == expected_length and region.code.startswith(region.parent.code)
    hexi = Region.objects.get(name="河西镇", parent__code="530423")
    assert hexi.full_name == "云南省玉溪市通海县河西镇"
    assert hexi.kind == RegionKind.TOWN
    assert Region.objects.get(name="大回村村委会").kind == RegionKind.VILLAGE
    assert Region.objects.get(name="双江街道").kind == RegionKind.SUBDISTRICT


def test_key_area_codes_are_stable():
    """The placeholder codes are derived, not random: a second derivation gives the same codes."""
    assert yuxi_key_area_rows() == yuxi_key_area_rows()
    assert {row["code"] for row in yuxi_key_area_rows()} == set(
        Region.objects.filter(is_key_area=True).values_list("code", flat=True)
    )


def test_every_full_name_is_the_path_of_names():
    names = dict(Region.objects.values_list("id", "name"))
    parents = dict(Region.objects.values_list("id", "parent_id"))
    for pk, full_name in Region.objects.values_list("id", "full_name"):
        path, node = [], pk
        while node is not None:
            path.append(names[node])
            node = parents[node]
        assert full_name == "".join(reversed(path))


def test_in_memory_layout_equals_mptt_rebuild():
    """orgs.regions.tree lays the forest out exactly as django-mptt would (tree_id, lft, rght, depth)."""
    ours = tree_layout()
    Region.objects.rebuild()
    assert tree_layout() == ours


def test_layout_forest_on_a_small_forest():
    nodes = [
        TreeNode("b", None, "2", "乙省"),
        TreeNode("a", None, "1", "甲省"),
        TreeNode("a2", "a", "12", "甲二市"),
        TreeNode("a1", "a", "11", "甲一市"),
        TreeNode("a1x", "a1", "111", "某县"),
    ]
    layout_forest(nodes)
    by_key = {n.key: (n.tree_id, n.lft, n.rght, n.depth, n.full_name) for n in nodes}
    assert by_key == {
        "a": (1, 1, 8, 0, "甲省"),
        "a1": (1, 2, 5, 1, "甲省甲一市"),
        "a1x": (1, 3, 4, 2, "甲省甲一市某县"),
        "a2": (1, 6, 7, 1, "甲省甲二市"),
        "b": (2, 1, 2, 0, "乙省"),
    }


def test_layout_forest_handles_a_deep_chain():
    nodes = [TreeNode(i, i - 1 if i else None, f"{i:05d}", "x") for i in range(5000)]
    layout_forest(nodes)
    assert nodes[0].rght == 10000 and nodes[-1].depth == 4999 and nodes[-1].lft == 5000


def test_demo_load_is_idempotent():
    national, key_areas = demo_regions_load()
    assert (national.created, national.updated, national.invalid) == (0, 0, 0)
    assert national.unchanged == 3218
    assert (key_areas.created, key_areas.updated, key_areas.unchanged) == (0, 0, 17)


def test_national_file_loads_in_under_ten_seconds():
    """A generous guard only; the real figure is measured by the benchmark and written to docs/benchmarks.md."""
    table = connection.ops.quote_name(Region._meta.db_table)
    Membership.objects.all()._raw_delete(connection.alias)
    Policy.objects.filter(jurisdiction__isnull=False)._raw_delete(connection.alias)  # the local shipped policies
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    assert Region.objects.count() == 0
    started = time.perf_counter()
    result = regions_import_file(NATIONAL_REGIONS)
    elapsed = time.perf_counter() - started
    assert result.created == 3218 and result.invalid == 0
    assert Region.objects.get(code="530423").full_name == "云南省玉溪市通海县"
    assert elapsed < 10, f"loading the national file took {elapsed:.1f} s"
