"""`python manage.py import_census FILE --campaign YEAR --user USERNAME [--dry-run] [--valid-only]`."""
from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from census.importing.models import CensusImport, ImportStatus
from census.registry.models import Campaign, Person, PersonEvent
from orgs.regions.models import Region
from tests.census import import_files as files
from tests.census.import_files import SHORT_HEADERS, row

SUMMARY = re.compile(r"^rows=(\d+) new=(\d+) updated=(\d+) unchanged=(\d+) invalid=(\d+)$")


# Uploaded files and error reports go to the test's own directory (conftest.media_dir), not var/media.
pytestmark = pytest.mark.usefixtures("media_dir")


def run(*args) -> tuple[str, int]:
    """(stdout, exit status) of the command; SystemExit is the status, CommandError propagates."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_census", *[str(a) for a in args], stdout=out, stderr=err)
    except SystemExit as exit_:
        return out.getvalue(), exit_.code
    return out.getvalue(), 0


def counts() -> tuple[int, int]:
    return Person.objects.count(), PersonEvent.objects.count()


@pytest.fixture
def good_file(tmp_path):
    numbers = files.ids("530423", 3, seed=101)
    rows = [row(姓名=f"好人{i}", 身份证号码=n, 类别="侨眷", 居住地区划代码="530423101") for i, n in enumerate(numbers)]
    return files.write_xlsx(tmp_path / "good.xlsx", SHORT_HEADERS, rows)


@pytest.fixture
def mixed_file(tmp_path):
    """Two valid rows, one with a bad check character, one in 华宁县 (outside 通海县), one empty row."""
    numbers = files.ids("530423", 4, seed=102)
    bad = numbers[2][:17] + ("1" if numbers[2][17] != "1" else "2")
    rows = [
        row(姓名="甲", 身份证号码=numbers[0], 类别="侨眷", 居住地区划代码="530423101"),
        row(姓名="乙", 身份证号码=bad, 类别="侨眷", 居住地区划代码="530423101"),
        [],
        row(姓名="丙", 身份证号码=numbers[3], 类别="归侨", 居住地区划代码="530424"),
        row(姓名="丁", 身份证号码=numbers[1], 类别="华侨", 居住地区划代码="530423102"),
    ]
    return files.write_csv(tmp_path / "mixed.csv", SHORT_HEADERS, rows, encoding="gbk"), bad


@pytest.mark.django_db
def test_a_valid_file_is_imported(tonghai_official, campaign, good_file):
    out, status = run(good_file, "--campaign", 2026, "--user", "tonghai_official")

    lines = out.splitlines()
    assert lines[0] == "rows=3 new=3 updated=0 unchanged=0 invalid=0"
    assert status == 0
    assert Person.objects.filter(name__startswith="好人").count() == 3
    record = CensusImport.objects.get()
    assert (record.status, record.user, record.campaign, record.original_name) == (ImportStatus.COMMITTED, tonghai_official, campaign, "good.xlsx")

    out, status = run(good_file, "--campaign", 2026, "--user", "tonghai_official")
    assert (out.splitlines()[0], status) == ("rows=3 new=0 updated=0 unchanged=3 invalid=0", 0)


@pytest.mark.django_db
def test_invalid_rows_write_nothing_and_exit_1(tonghai_official, campaign, mixed_file):
    path, bad = mixed_file
    before = counts()

    out, status = run(path, "--campaign", 2026, "--user", "tonghai_official")

    lines = out.splitlines()
    assert SUMMARY.match(lines[0])
    assert lines[0] == "rows=4 new=2 updated=0 unchanged=0 invalid=2"
    masked = bad[:6] + "********" + bad[-4:]  # the ID masked, as everywhere; the reason names both check characters
    assert lines[1].startswith(f"第 3 行【证件号码】“{masked}”：身份证号码校验位应为 ")
    assert lines[2] == "第 5 行【居住地区划代码】“530424”：区划不在您的管辖范围内"
    assert status == 1
    assert counts() == before
    assert CensusImport.objects.get().status == ImportStatus.REJECTED


@pytest.mark.django_db
def test_dry_run_writes_nothing(tonghai_official, campaign, good_file, mixed_file):
    before = counts()

    out, status = run(good_file, "--campaign", 2026, "--user", "tonghai_official", "--dry-run")
    assert (out.splitlines()[0], status) == ("rows=3 new=3 updated=0 unchanged=0 invalid=0", 0)
    assert counts() == before
    assert CensusImport.objects.get().status == ImportStatus.PREVIEWED

    # invalid rows in a dry run: the file would be refused, so the check fails
    out, status = run(mixed_file[0], "--campaign", 2026, "--user", "tonghai_official", "--dry-run")
    assert (out.splitlines()[0], status) == ("rows=4 new=2 updated=0 unchanged=0 invalid=2", 1)
    assert counts() == before


@pytest.mark.django_db
def test_valid_only_imports_the_valid_rows(tonghai_official, campaign, mixed_file):
    out, status = run(mixed_file[0], "--campaign", 2026, "--user", "tonghai_official", "--valid-only")

    assert out.splitlines()[0] == "rows=4 new=2 updated=0 unchanged=0 invalid=2"
    assert status == 0
    assert set(Person.objects.values_list("name", flat=True)) == {"甲", "丁"}
    assert not Person.objects.filter(region__code="530424").exists()


@pytest.mark.django_db
def test_valid_only_with_no_valid_row_writes_nothing_and_exits_1(tonghai_official, campaign, tmp_path):
    numbers = files.ids("530424", 2, seed=103)
    path = files.write_xlsx(
        tmp_path / "all-bad.xlsx", SHORT_HEADERS, [row(姓名=f"外{i}", 身份证号码=n, 类别="侨眷", 居住地区划代码="530424") for i, n in enumerate(numbers)]
    )
    before = counts()

    out, status = run(path, "--campaign", 2026, "--user", "tonghai_official", "--valid-only")

    assert (out.splitlines()[0], status) == ("rows=2 new=0 updated=0 unchanged=0 invalid=2", 1)
    assert counts() == before
    assert CensusImport.objects.get().status == ImportStatus.REJECTED


@pytest.mark.django_db
def test_many_errors_are_cut_short(tonghai_official, campaign, tmp_path):
    path = files.write_csv(tmp_path / "bad.csv", SHORT_HEADERS, [row(姓名=f"人{i}", 身份证号码="123", 类别="侨眷", 居住地区划代码="530423101") for i in range(30)])

    out, status = run(path, "--campaign", 2026, "--user", "tonghai_official", "--max-errors", 5)

    lines = out.splitlines()
    assert lines[0] == "rows=30 new=0 updated=0 unchanged=0 invalid=30"
    assert lines[1:6] == [f"第 {n} 行【证件号码】“123”：身份证号码应为 18 位，实为 3 位" for n in range(2, 7)]
    assert lines[6].startswith("……共 30 行无效")
    assert status == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, data, message",
    [
        ("photo.xlsx", files.PNG_BYTES, "“photo.xlsx”不是有效的 Excel 文件（内容不是 xlsx 或 xls 格式）"),
        ("old.doc", files.OLE_HEADER, "不支持的文件类型 .doc：请上传 .xlsx、.xls 或 .csv"),
        ("empty.csv", b"", "文件是空的"),
        ("header.csv", "姓名,类别\n张三,侨眷\n".encode("gbk"), "缺少必需的列：证件号码、居住地区划代码"),
    ],
)
def test_a_refused_file_is_a_command_error(tonghai_official, campaign, tmp_path, name, data, message):
    path = files.write_bytes(tmp_path / name, data)
    before = counts()
    with pytest.raises(CommandError) as caught:
        run(path, "--campaign", 2026, "--user", "tonghai_official")
    assert str(caught.value) == message
    assert counts() == before


@pytest.mark.django_db
def test_bad_arguments_are_command_errors(tonghai_official, yuxi_leader, campaign, good_file, tmp_path):
    with pytest.raises(CommandError, match="用户 nobody 不存在"):
        run(good_file, "--campaign", 2026, "--user", "nobody")
    with pytest.raises(CommandError, match="2031 年侨情调查不存在"):
        run(good_file, "--campaign", 2031, "--user", "tonghai_official")
    with pytest.raises(CommandError, match="文件不存在"):
        run(tmp_path / "missing.xlsx", "--campaign", 2026, "--user", "tonghai_official")
    with pytest.raises(CommandError, match="只读角色不能导入数据"):
        run(good_file, "--campaign", 2026, "--user", "yuxi_leader")
    campaign.is_open = False
    campaign.save()
    with pytest.raises(CommandError, match="已结束，不能再导入"):
        run(good_file, "--campaign", 2026, "--user", "tonghai_official")
    assert counts() == (0, 0)


@pytest.mark.django_db
def test_a_huaning_campaign_is_invisible_to_tonghai(tonghai_official, good_file):
    Campaign.objects.create(year=2027, name="2027年度华宁县侨情调查", region=Region.objects.get(code="530424"))
    with pytest.raises(CommandError, match="2027 年侨情调查不存在"):
        run(good_file, "--campaign", 2027, "--user", "tonghai_official")


def run_with_stderr(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_census", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_a_dry_run_is_committed_from_its_preview(tonghai_official, campaign, good_file, tmp_path, monkeypatch):
    _out, err = run_with_stderr(good_file, "--campaign", 2026, "--user", "tonghai_official", "--dry-run")
    number = int(re.search(r"import=#(\d+) status=previewed", err).group(1))
    assert counts() == (0, 0)

    from census.importing import pipeline

    monkeypatch.setattr(pipeline, "_validate_file", lambda *a, **k: pytest.fail("the file was validated again"))
    out, err = run_with_stderr(good_file, "--campaign", 2026, "--user", "tonghai_official", "--from-preview", number)

    assert out.splitlines()[0] == "rows=3 new=3 updated=0 unchanged=0 invalid=0"
    assert f"import=#{number} status=committed" in err
    assert counts() == (3, 0) and CensusImport.objects.count() == 1
    assert set(Person.objects.values_list("registered_by_import_id", flat=True)) == {number}

    # spent: the record is no longer a preview
    with pytest.raises(CommandError, match=f"导入记录 #{number} 的状态是“已导入”，只能确认已预览的导入"):
        run(good_file, "--campaign", 2026, "--user", "tonghai_official", "--from-preview", number)


@pytest.mark.django_db
def test_from_preview_refuses_another_file_another_user_and_dry_run(tonghai_official, huaning_official, campaign, good_file, tmp_path):
    _out, err = run_with_stderr(good_file, "--campaign", 2026, "--user", "tonghai_official", "--dry-run")
    number = int(re.search(r"import=#(\d+)", err).group(1))
    other = files.write_csv(tmp_path / "other.csv", SHORT_HEADERS, [row(姓名="某", 身份证号码=files.ids("530423", 1, seed=103)[0], 类别="侨眷", 居住地区划代码="530423101")])

    with pytest.raises(CommandError, match=f"文件 other.csv 与导入记录 #{number} 预览的文件不同"):
        run(other, "--campaign", 2026, "--user", "tonghai_official", "--from-preview", number)
    with pytest.raises(CommandError, match=f"导入记录 #{number} 不存在或不属于 huaning_official"):
        run(good_file, "--campaign", 2026, "--user", "huaning_official", "--from-preview", number)
    with pytest.raises(CommandError, match="不能与 --dry-run 同时使用"):
        run(good_file, "--campaign", 2026, "--user", "tonghai_official", "--from-preview", number, "--dry-run")
    assert counts() == (0, 0)
    assert CensusImport.objects.get(pk=number).status == ImportStatus.PREVIEWED
