"""`manage.py import_regions`: upsert by code, all-or-nothing unless --skip-invalid, precise errors."""
from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from orgs.regions.models import Region, RegionKind, RegionLevel
from orgs.regions.services import RegionFileError, read_region_csv, regions_import
from qiaolian.demo.organizations import NATIONAL_REGIONS

pytestmark = pytest.mark.django_db

HEADER = "code,name,level,parent_code,longitude,latitude"
REGION_STATE = ("code", "name", "level", "kind", "parent_id", "longitude", "latitude", "is_key_area",
                "full_name", "tree_id", "lft", "rght", "depth")


def state() -> dict[str, tuple]:
    """Every stored region, every column: what "nothing written" compares."""
    return {row[0]: row[1:] for row in Region.objects.values_list(*REGION_STATE)}


def run(path, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_regions", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(path, *args) -> tuple[str, str, CommandError]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_regions", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), raised.value


@pytest.fixture
def csv_file(tmp_path):
    """csv_file(*lines, header=HEADER, encoding="utf-8"): writes a CSV file and returns its path."""
    counter = iter(range(1000))

    def write(*lines: str, header: str = HEADER, encoding: str = "utf-8"):
        path = tmp_path / f"regions-{next(counter)}.csv"
        path.write_bytes(("\n".join([header, *lines]) + "\n").encode(encoding))
        return path

    return write


def test_national_file_second_run_changes_nothing():
    before = state()
    out, err = run(NATIONAL_REGIONS)
    assert "created=0 updated=0 unchanged=3218 invalid=0" in out
    assert err == ""
    assert state() == before


def test_reports_created_then_unchanged(csv_file):
    path = csv_file(
        "530423301,秀山街道,township,530423,102.75,24.11",
        "530423301001,秀山社区,village,530423301,,",
    )
    out, _ = run(path)
    assert "created=2 updated=0 unchanged=0 invalid=0" in out
    xiushan = Region.objects.get(code="530423301")
    assert xiushan.full_name == "云南省玉溪市通海县秀山街道"
    assert xiushan.kind == RegionKind.SUBDISTRICT
    assert xiushan.longitude == Decimal("102.750000")
    assert xiushan.parent.code == "530423"
    community = Region.objects.get(code="530423301001")
    assert community.parent == xiushan and community.kind == RegionKind.COMMUNITY
    assert community.full_name == "云南省玉溪市通海县秀山街道秀山社区"
    assert community.is_descendant_of(Region.objects.get(code="530400"))
    before = state()
    out, _ = run(path)
    assert "created=0 updated=0 unchanged=2 invalid=0" in out
    assert state() == before


def test_reports_updates(csv_file):
    out, _ = run(csv_file("530423,通海县,county,530400,102.76,24.12"))
    assert "created=0 updated=1 unchanged=0 invalid=0" in out
    assert Region.objects.get(code="530423").latitude == Decimal("24.120000")


def test_written_import_is_audited(csv_file):
    run(csv_file("530423301,秀山街道,township,530423,,"))
    entry = LogEntry.objects.filter(additional_data__event="import").latest("timestamp")
    assert entry.additional_data["created"] == 1
    assert "created=1" in entry.object_repr


BAD_ROWS = [
    # (row, field, value, words expected in the reason)
    pytest.param("530423901,某镇,township,530499,,", "parent_code", "530499", "不存在", id="unknown-parent"),
    pytest.param("530499,某县,county,530423,,", "parent_code", "530423", "必须高于", id="county-under-county"),
    pytest.param("530425,易门县,city,530400,,", "parent_code", "530400", "必须高于", id="city-under-city"),
    pytest.param("53042390,某镇,township,530423,,", "code", "53042390", "9 位数字", id="township-code-8-digits"),
    pytest.param("5304239011,某镇,township,530423,,", "code", "5304239011", "9 位数字", id="township-code-10-digits"),
    pytest.param("530423901,某村,village,530423,,", "code", "530423901", "12 位数字", id="village-code-9-digits"),
    pytest.param("53042A901,某镇,township,530423,,", "code", "53042A901", "格式不正确", id="letters"),
    pytest.param("５３０４２３９０１,某镇,township,530423,,", "code", "５３０４２３９０１", "格式不正确", id="full-width-digits"),
    pytest.param("530423901,某镇,town,530423,,", "level", "town", "未知级别", id="bad-level"),
    pytest.param("530423901,某镇,,530423,,", "level", "", "未知级别", id="empty-level"),
    pytest.param("530423901,某镇,township,530423,abc,24", "longitude", "abc", "不是数字", id="longitude-not-number"),
    pytest.param("530423901,某镇,township,530423,181,24", "longitude", "181", "超出范围", id="longitude-out-of-range"),
    pytest.param("530423901,某镇,township,530423,102,-90.5", "latitude", "-90.5", "超出范围", id="latitude-out-of-range"),
    pytest.param("530423901,某镇,township,530423,NaN,24", "longitude", "NaN", "不是数字", id="longitude-nan"),
    pytest.param("530423901,某镇,township,530423,102,Infinity", "latitude", "Infinity", "不是数字", id="latitude-infinite"),
    pytest.param("530423901,,township,530423,,", "name", "", "名称不能为空", id="empty-name"),
    pytest.param("530423901," + "长" * 65 + ",township,530423,,", "name", "长" * 65, "超过", id="name-too-long"),
    pytest.param("530423901,某镇,township,,,", "parent_code", "", "只有省级", id="township-without-parent"),
]


@pytest.mark.parametrize(("line", "field", "value", "reason"), BAD_ROWS)
def test_bad_row_is_reported_and_nothing_is_written(csv_file, line, field, value, reason):
    """The bad row sits between good ones (a new township, and an update of 华宁县): neither is written."""
    path = csv_file(
        "530423301,秀山街道,township,530423,,",
        line,
        "530424,华宁县改名,county,530400,,",
    )
    count, before = Region.objects.count(), state()
    out, err, error = run_failing(path)
    assert Region.objects.count() == count
    assert state() == before
    assert "invalid=1" in out
    assert "未写入任何数据" in str(error) and "--skip-invalid" in str(error)
    assert f"第 3 行，{field}=“{value}”" in err, err
    assert reason in err, err


def test_bad_rows_in_the_service_carry_row_field_value_reason():
    rows, header = read_region_csv(
        "code,name,level,parent_code\n530423901,某镇,township,530499\n530423902,某镇,township,530423\n".encode()
    )
    result = regions_import(rows, header)
    assert not result.written and result.invalid == 1 and result.created == 0
    [error] = result.errors
    assert (error.row, error.field, error.value) == (2, "parent_code", "530499")
    assert "不存在" in error.reason


def test_duplicate_code_in_file(csv_file):
    path = csv_file(
        "530423301,秀山街道,township,530423,,",
        "530423302,九街街道,township,530423,,",
        "530423301,秀山镇,township,530423,,",
    )
    before = state()
    _out, err, _ = run_failing(path)
    assert "第 4 行，code=“530423301”：区划代码重复，已在第 2 行出现" in err
    assert state() == before


def test_unknown_kind_is_refused(csv_file):
    path = csv_file("530423301,秀山街道,township,530423,,,kingdom", header=HEADER + ",kind")
    _, err, _ = run_failing(path)
    assert "kind=“kingdom”" in err and "未知类别" in err


def test_child_of_an_invalid_row_is_invalid_too(csv_file):
    path = csv_file(
        "530423,通海县,city,530400,,",  # a city under a city
        "530423301,秀山街道,township,530423,,",
    )
    _, err, _ = run_failing(path)
    assert "第 2 行，parent_code=“530400”" in err
    assert "第 3 行，parent_code=“530423”：上级区划所在行无效" in err


def test_lowering_a_level_above_existing_children_is_refused(csv_file):
    """玉溪市 made a county would leave its nine counties under a county."""
    before = state()
    _, err, _ = run_failing(csv_file("530400,玉溪市,county,530000,,"))
    assert "第 2 行，level=“county”" in err and "530423" in err
    assert state() == before


def test_parent_judged_by_its_level_in_the_file(csv_file):
    """A row placed under a region the same file lowers to its own level is refused, whatever the row order."""
    path = csv_file(
        "530490,新县,county,530400,,",
        "530400,玉溪市,county,530000,,",
    )
    before = state()
    _, err, _ = run_failing(path)
    assert "第 2 行，parent_code=“530400”" in err
    assert state() == before


def test_skip_invalid_writes_valid_rows_and_drops_children_of_invalid_ones(csv_file):
    path = csv_file(
        "530423301,秀山街道,township,530423,,",
        "530423302,九街街道,township,530423,999,",  # invalid: longitude
        "530423302001,九街社区,village,530423302,,",  # child of an invalid row
        "530423302001001,太长,village,530423302001,,",  # malformed, and grandchild
        "530423303,河西镇二,township,530423,,",
    )
    out, err = run(path, "--skip-invalid")
    assert "created=2 updated=0 unchanged=0 invalid=3" in out
    assert set(Region.objects.filter(code__startswith="5304233").values_list("code", flat=True)) == {
        "530423301", "530423303",
    }
    assert "第 3 行，longitude=“999”" in err
    assert "第 4 行，parent_code=“530423302”：上级区划" in err
    assert "第 5 行，code=“530423302001001”" in err
    tree_is_consistent("530423")


def test_skip_invalid_with_every_row_invalid_writes_nothing(csv_file):
    before = state()
    _, _, error = run_failing(csv_file("530423901,某镇,township,530499,,"), "--skip-invalid")
    assert "没有有效行" in str(error)
    assert state() == before
    assert not LogEntry.objects.filter(additional_data__event="import").exists()


def test_rename_renames_descendant_paths(csv_file):
    out, _ = run(csv_file("530400,玉溪新市,city,530000", header="code,name,level,parent_code"))
    assert "updated=1" in out
    assert Region.objects.get(code="530423").full_name == "云南省玉溪新市通海县"
    assert Region.objects.get(name="河西镇").full_name == "云南省玉溪新市通海县河西镇"
    assert not Region.objects.filter(full_name__startswith="云南省玉溪市").exists()
    assert Region.objects.get(code="530400").kind == RegionKind.PREFECTURE_CITY


def test_missing_optional_columns_keep_stored_values(csv_file):
    """A file without coordinate or kind columns renames without wiping coordinates or a chosen kind."""
    tonghai = Region.objects.get(code="530423")
    Region.objects.filter(pk=tonghai.pk).update(kind=RegionKind.SPECIAL_DISTRICT)
    assert tonghai.longitude is not None
    out, _ = run(csv_file("530423,通海县,county,530400", header="code,name,level,parent_code"))
    assert "unchanged=1" in out
    tonghai_after = Region.objects.get(code="530423")
    assert (tonghai_after.longitude, tonghai_after.latitude) == (tonghai.longitude, tonghai.latitude)
    assert tonghai_after.kind == RegionKind.SPECIAL_DISTRICT
    # an empty value in a present column does clear it
    run(csv_file("530423,通海县,county,530400,,"))
    assert Region.objects.get(code="530423").longitude is None


def test_key_area_flag_only_changes_when_the_column_is_there(csv_file):
    hexi = Region.objects.get(name="河西镇")
    run(csv_file(f"{hexi.code},河西镇,township,530423,,"))
    assert Region.objects.get(pk=hexi.pk).is_key_area is True
    run(csv_file(f"{hexi.code},河西镇,township,530423,否", header="code,name,level,parent_code,is_key_area"))
    assert Region.objects.get(pk=hexi.pk).is_key_area is False


def test_move_to_another_parent(csv_file):
    """通海县 moved under 曲靖市: paths follow, the subtree goes with it, the layout stays mptt's."""
    key_areas = set(Region.objects.get(code="530423").get_descendants().values_list("code", flat=True))
    out, _ = run(csv_file("530423,通海县,county,530300", header="code,name,level,parent_code"))
    assert "updated=1" in out
    tonghai = Region.objects.get(code="530423")
    assert tonghai.parent.code == "530300"
    assert tonghai.full_name == "云南省曲靖市通海县"
    assert Region.objects.get(name="纳古镇").full_name == "云南省曲靖市通海县纳古镇"
    assert set(tonghai.get_descendants().values_list("code", flat=True)) == key_areas
    qujing = Region.objects.get(code="530300")
    assert qujing.get_descendants().filter(code="530423").exists()
    assert Region.objects.get(code="530400").get_descendants().filter(level=RegionLevel.COUNTY).count() == 8
    tree_is_consistent("530423")


def test_move_to_another_province_and_new_province(csv_file):
    """A new province sorting first renumbers every tree; the layout still equals mptt's rebuild."""
    path = csv_file(
        "100000,测试省,province,,,",
        "100100,测试市,city,100000,,",
        "530423,通海县,county,100100,,",
    )
    run(path)
    assert Region.objects.get(code="100000").tree_id == 1
    assert Region.objects.get(code="530423").full_name == "测试省测试市通海县"
    assert Region.objects.get(name="河西镇").full_name == "测试省测试市通海县河西镇"
    tree_is_consistent()


def tree_is_consistent(*codes: str):
    """The stored layout is exactly what django-mptt computes: its partial rebuild of the trees holding
    `codes`, or its full rebuild when no code is given."""
    layout = list(Region.objects.order_by("code").values_list("code", "tree_id", "lft", "rght", "depth"))
    if codes:
        for tree_id in set(Region.objects.filter(code__in=codes).values_list("tree_id", flat=True)):
            Region.objects.partial_rebuild(tree_id)
    else:
        Region.objects.rebuild()
    assert list(Region.objects.order_by("code").values_list("code", "tree_id", "lft", "rght", "depth")) == layout


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_encodings(csv_file, encoding):
    out, _ = run(csv_file("530423301,秀山街道,township,530423,,", encoding=encoding))
    assert "created=1" in out
    assert Region.objects.get(code="530423301").name == "秀山街道"


def test_undecodable_file_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(HEADER.encode() + b"\n530423301,\x80\xff,township,530423,,\n")
    _, _, error = run_failing(path)
    assert "编码" in str(error)


def test_missing_column_is_refused(csv_file):
    _, _, error = run_failing(csv_file("530423301,秀山街道,530423", header="code,name,parent_code"))
    assert "level" in str(error)


def test_missing_file_is_refused(tmp_path):
    run_failing(tmp_path / "nope.csv")


def test_read_region_csv_rejects_missing_columns():
    with pytest.raises(RegionFileError):
        read_region_csv(b"code,name\n1,2\n")


def test_dry_run_counts_and_writes_nothing(csv_file):
    before = state()
    out, _ = run(csv_file("530423301,秀山街道,township,530423,,", "530424,华宁新县,county,530400,,"), "--dry-run")
    assert "created=1 updated=1 unchanged=0 invalid=0" in out
    assert state() == before
    assert not LogEntry.objects.filter(additional_data__event="import").exists()


def test_a_control_character_refuses_its_row_and_a_line_break_is_a_space(tmp_path):
    """A line break inside a cell (Alt+Enter) is one space; any other control character refuses the row, named."""
    path = tmp_path / "regions.csv"
    path.write_bytes(
        "code,name,level,parent_code\n530423197,\"新\r\n镇\",township,530423\n530423198,坏\x1b镇,township,530423\n".encode()
    )
    before = state()

    _out, err, error = run_failing(path)

    assert "文件有 1 行无效" in str(error)
    assert "第 3 行，name=“坏\\x1b镇”：含有不可见的控制字符 \\x1b，不能导入：请在文件中删除后重新导入" in err
    assert state() == before

    run(path, "--skip-invalid")

    assert Region.objects.get(code="530423197").name == "新 镇"
    assert not Region.objects.filter(code="530423198").exists()
