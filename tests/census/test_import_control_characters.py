"""Control characters in imported cells (census, unit directory, regions): a line break or tab inside a cell (Excel's
Alt+Enter, pasted text) is one space; any other control character (C0 but tab, LF, CR; DEL; C1; U+2028/U+2029)
refuses its row, with an error naming the sheet's row, the file's own header and the value with the character
written out, in the preview, on the page and in the error report; nothing of the row is stored."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlwt
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from census.importing.columnar import control_character_cells, fast_rows
from census.importing.models import ImportStatus, UnitImport
from census.importing.pipeline import ImportScope
from census.importing.services import census_import_run, unit_import_commit, unit_import_preview, unit_import_upload
from census.registry.models import Person
from orgs.common.text import CELL_CONTROL_RE, cell_control_problem, fold_cell_breaks
from orgs.regions.models import Region
from orgs.units.models import Unit
from tests.census import import_files as files
from tests.census.test_import_pipeline import upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_dir")]

# The file's own headers: 人员姓名 is a synonym of 姓名, and errors name the column as the file does.
HEADER = ["人员姓名", "性别", "出生日期", "身份证号码", "类别", "居住地区划代码", "工作单位", "联系电话", "备注"]
REASON = "含有不可见的控制字符 {}，不能导入：请在文件中删除后重新导入"


def census_rows(numbers: list[str]) -> list[list[object]]:
    def person(name, number, *, category="侨眷", place="530423101", unit="", notes=""):
        return [name, "", "", number, category, place, unit, "", notes]

    return [
        # 2: good, its long notes push the NULs below past the first 4 KiB (a CSV with a NUL there is not text)
        person("甲", numbers[4], notes="长" * 2000),
        # 3: good; a line feed in the place and line breaks in the notes are spaces
        person("张三", numbers[0], place="云南省玉溪市通海县\n河西镇", notes="第一行\r\n第二行\t第三行"),
        person("王\x00五", numbers[1]),                                           # 4: NUL
        person("赵\x07六", numbers[2], notes="备\x1b注"),                          # 5: BEL and ESC
        person("钱七", numbers[3], category="侨眷\u2028", unit="\x7f", notes="说明\x85\x9f"),  # 6: U+2028, DEL, C1
        ["", "", "", "", "", "", "", "", "\x00"],                                  # 7: nothing else but a NUL
    ]


EXPECTED = {
    (4, "人员姓名", "王\\x00五", REASON.format("\\x00")),
    (5, "人员姓名", "赵\\x07六", REASON.format("\\x07")),
    (5, "备注", "备\\x1b注", REASON.format("\\x1b")),
    (6, "类别", "侨眷\\u2028", REASON.format("\\u2028")),
    (6, "工作单位", "\\x7f", REASON.format("\\x7f")),
    (6, "备注", "说明\\x85\\x9f", REASON.format("\\x85、\\x9f")),
    (7, "备注", "\\x00", REASON.format("\\x00")),
}

def write_census_file(kind: str, path: Path, rows: list[list[object]]) -> Path:
    if kind == "xlsx":  # as Excel saves it: XML cannot hold control characters, written _x0007_ (openpyxl refuses them)
        return files.write_excel_xlsx(path, HEADER, rows)
    if kind == "xls":  # BIFF8 strings are UTF-16: xlwt writes the characters as they are
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("侨情登记")
        for r, cells in enumerate([HEADER, *rows]):
            for c, value in enumerate(cells):
                if value != "":
                    sheet.write(r, c, value)
        book.save(str(path))
        return path
    return files.write_csv(path, HEADER, rows)


def error_set(errors: list[dict]) -> set[tuple]:
    return {(e["row"], e["column"], e["value"], e["reason"]) for e in errors}


@pytest.mark.parametrize("kind", ["xlsx", "xls", "csv"])
def test_control_characters_refuse_their_rows_and_line_breaks_are_spaces(tonghai_official, campaign, tmp_path, kind):
    numbers = files.ids("530423", 5, seed=61)
    path = write_census_file(kind, tmp_path / f"控制字符.{kind}", census_rows(numbers))

    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)

    assert record.status == ImportStatus.PREVIEWED, record.message
    assert (record.rows, record.new, record.invalid) == (6, 2, 4)
    found = error_set(record.errors)
    assert EXPECTED <= found
    # the row of nothing but a NUL also lacks its required values (named as the validator names them)
    assert {(row, column) for row, column, _value, _reason in found - EXPECTED} == {
        (7, "姓名"), (7, "证件号码"), (7, "类别"), (7, "居住地区划代码"),
    }
    assert not any(CELL_CONTROL_RE.search(str(value)) for e in record.errors for value in e.values())

    report = load_workbook(record.error_report.open("rb")).active
    listed = {sheet_row[0]: sheet_row for sheet_row in report.iter_rows(min_row=2, values_only=True)}
    assert sorted(listed) == [4, 5, 6, 7]
    assert listed[4][1] == "王五"  # the cell as uploaded, without the character a workbook cannot hold …
    assert "【人员姓名】" + REASON.format("\\x00") in listed[4][-1]  # … which the reason names
    assert "【备注】" + REASON.format("\\x1b") in listed[5][-1]

    committed = census_import_run(record=record, commit=True, valid_only=True)

    assert committed.status == ImportStatus.COMMITTED, committed.message
    assert Person.objects.count() == 2
    person = Person.objects.get(name="张三")
    assert (person.name, person.region.code, person.notes) == ("张三", "530423101", "第一行 第二行 第三行")
    for person in Person.objects.all():
        values = (person.name, person.country, person.phone, person.notes)
        assert not any(CELL_CONTROL_RE.search(value) or "\n" in value or "\t" in value for value in values)


def test_the_preview_page_shows_the_character_written_out(tonghai_official, campaign, client_for, tmp_path):
    numbers = files.ids("530423", 5, seed=62)
    path = write_census_file("csv", tmp_path / "控制字符.csv", census_rows(numbers))
    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)

    page = client_for(tonghai_official).get(f"/census/imports/{record.pk}/").content.decode()

    table = page[page.index('data-testid="errors"'):]
    assert "<td>人员姓名</td><td class=\"mono\">王\\x00五</td>" in table
    assert REASON.format("\\x00") in table
    assert not CELL_CONTROL_RE.search(page)


def test_an_all_or_nothing_commit_writes_nothing(tonghai_official, campaign, tmp_path):
    numbers = files.ids("530423", 5, seed=63)
    path = write_census_file("csv", tmp_path / "控制字符.csv", census_rows(numbers))

    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=True)

    assert record.status != ImportStatus.COMMITTED and record.invalid == 4
    assert Person.objects.count() == 0


def test_the_column_scan_finds_every_cell_that_holds_one():
    assert control_character_cells(["a", "b\x00", "c", "\u2029", "e\n\tf\r\n"]) == [1, 3]
    assert control_character_cells(["a", 1, None, 2.5, "\x1b", dt.date(2001, 1, 5)]) == [4]
    assert control_character_cells(["第一行\n第二行", None, 3]) == []
    assert control_character_cells([]) == []


def test_the_fast_path_refuses_rows_in_every_column_read(tonghai_official):
    """Whatever column holds the character (even one the fast path reads as it stands, as 出生日期), the row is
    found; a column the file has but the import does not read is not searched."""
    positions = {key: index for index, key in enumerate(("name", "id_number", "category", "region", "birth_date", "notes"))}
    number = files.ids("530423", 1, seed=64)[0]
    good = ["甲", number, "侨眷", "530423101", "", "第一行\n第二行"]
    rows = [
        good,
        ["乙", number, "侨眷", "530423101", f"{number[6:10]}-{number[10:12]}-{number[12:14]}\x00", ""],
        ["丙", number, "侨眷\x85", "530423101", "", ""],
        [*good, "\x07 (a column not read)"],
    ]
    checked = fast_rows(rows, positions, ImportScope(tonghai_official), dt.date(2026, 3, 1))
    assert checked.controlled == {1, 2}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("通海县", None),
        ("第一行\n第二行\r\n\t第三行", None),
        (12, None),
        (None, None),
        ("王\x00五", ("王\\x00五", REASON.format("\\x00"))),
        ("a\x1fb\x1f", ("a\\x1fb\\x1f", REASON.format("\\x1f"))),
        ("行\n一\x0b", ("行 一\\x0b", REASON.format("\\x0b"))),
        ("\x7f\x80\x9f\u2028\u2029", ("\\x7f\\x80\\x9f\\u2028\\u2029", REASON.format("\\x7f、\\x80、\\x9f、\\u2028、\\u2029"))),
        ("x" * 100 + "\x07" + "y" * 100, ("…" + "x" * 20 + "\\x07" + "y" * 39 + "…", REASON.format("\\x07"))),
    ],
)
def test_cell_control_problem(value, problem):
    assert cell_control_problem(value) == problem


def test_line_breaks_fold_to_one_space():
    assert fold_cell_breaks("a \r\n b\t\tc\nd") == "a b c d"
    assert fold_cell_breaks("通海县") == "通海县"


# ---------------------------------------------------------------- the unit directory


def test_the_unit_import_refuses_control_characters_and_folds_line_breaks(tonghai_official, tmp_path):
    town = Region.objects.get(code="530423101")
    rows = [
        ["控制字符\n测试公司", "企业", town.code, "", ""],       # 2: good, the line break a space
        ["坏\x07公司", "企业", f"{town.code}\x0c", "", ""],      # 3: two cells refused
    ]
    path = files.write_csv(tmp_path / "单位.csv", ["单位全称", "单位类别", "所在区划", "统一社会信用代码", "两新组织"], rows)
    with path.open("rb") as handle:
        record = unit_import_upload(user=tonghai_official, uploaded_file=SimpleUploadedFile(path.name, handle.read()), region=None)

    record = unit_import_preview(record=record, user=tonghai_official)

    assert record.status == ImportStatus.PREVIEWED, record.message
    assert (record.rows, record.new, record.invalid) == (2, 1, 1)
    assert error_set(record.errors) == {
        (3, "单位全称", "坏\\x07公司", REASON.format("\\x07")),
        (3, "所在区划", "530423101\\x0c", REASON.format("\\x0c")),
    }
    report = load_workbook(UnitImport.objects.get(pk=record.pk).error_report.open("rb")).active
    assert [r[0] for r in report.iter_rows(min_row=2, values_only=True)] == [3]

    assert unit_import_commit(record=record, user=tonghai_official, valid_only=True).status == ImportStatus.COMMITTED
    assert Unit.objects.filter(name="控制字符 测试公司", region=town).exists()
    assert not any(CELL_CONTROL_RE.search(name) for name in Unit.objects.values_list("name", flat=True))
