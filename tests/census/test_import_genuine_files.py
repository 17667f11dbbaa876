"""Genuine files pass the upload checks that refuse hostile ones (falsified zip sizes, XXE and billion laughs, zip
bombs, binary content under a .csv name): workbooks laid out as Excel saves them (shared strings) and as openpyxl
and others do (inline strings), sheets whose rows repeat one another (compressed far more than usual), Excel
97-2003 .xls, a cell that reads like XML markup, a CSV with a stray NUL. The big files (100,000 rows) are measured
by hand, not here: docs/benchmarks.md, "Upload checks on genuine files"."""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
import xlwt

from census.importing.models import ImportStatus
from census.importing.reading import FileRejected
from census.importing.services import census_import_run
from census.registry.models import Person
from tests.census import import_files as files
from tests.census.test_import_pipeline import upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_dir")]

HEADER = ["姓名", "性别", "出生日期", "证件号码", "类别", "居住地区划代码", "工作单位", "联系电话", "困难群众", "备注"]
MARKUP = '<!DOCTYPE html> 与 <!ENTITY x SYSTEM "file:///etc/passwd"> 和 &amp;'


def people(n: int, seed: int) -> list[list[object]]:
    """`n` valid rows; the first one's notes read like XML declarations (text in a cell, not markup)."""
    rows: list[list[object]] = [
        [f"侨{i:05d}", "", "", number, "侨眷", "530423101", "", 13900000000 + i, "否", ""]
        for i, number in enumerate(files.ids("530423", n, seed=seed))
    ]
    rows[0][-1] = MARKUP
    return rows


def write_xls(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("侨情登记")
    for r, cells in enumerate([header, *rows]):
        for c, value in enumerate(cells):
            if value != "":
                sheet.write(r, c, value)
    book.save(str(path))
    return path


LAYOUTS = {
    "excel-shared-strings": lambda path, rows: files.write_excel_xlsx(path.with_suffix(".xlsx"), HEADER, rows),
    "excel-inline-strings": lambda path, rows: files.write_excel_xlsx(path.with_suffix(".xlsx"), HEADER, rows, shared_strings=False),
    "openpyxl": lambda path, rows: files.write_xlsx(path.with_suffix(".xlsx"), HEADER, rows),
    "xls": lambda path, rows: write_xls(path.with_suffix(".xls"), HEADER, rows),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_workbooks_as_offices_save_them_are_taken_and_read(tonghai_official, campaign, tmp_path, layout):
    path = LAYOUTS[layout](tmp_path / "登记表", people(300, seed=71))

    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)

    assert record.status == ImportStatus.PREVIEWED, record.message
    assert (record.rows, record.new, record.invalid) == (300, 300, 0), record.errors[:3]
    record = census_import_run(record=record, commit=True)
    assert record.status == ImportStatus.COMMITTED, record.message
    assert Person.objects.get(name="侨00000").notes == MARKUP


def test_a_sheet_whose_rows_repeat_compresses_far_more_and_is_taken(tonghai_official, campaign, tmp_path):
    """One value per column, the IDs aside (birth and sex come from them): 16 times smaller zipped (a varied sheet:
    about 9; rows all the same: up to 25), no bomb."""
    rows = [["同名", "", "", number, "侨眷", "530423101", "", "", "否", "同样的备注"] for number in files.ids("530423", 20_000, seed=72)]
    path = files.write_excel_xlsx(tmp_path / "重复.xlsx", HEADER, rows, shared_strings=False)
    expanded = sum(entry.file_size for entry in zipfile.ZipFile(path).infolist())
    assert expanded > 14 * os.path.getsize(path)

    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)

    assert record.status == ImportStatus.PREVIEWED, record.message
    assert (record.rows, record.new, record.invalid) == (20_000, 20_000, 0)


def test_a_sheet_past_the_expanded_size_limit_is_told_to_be_split(tonghai_official, campaign, tmp_path, settings):
    """The limit bounds what one import holds (settings: CENSUS_XLSX_MAX_UNCOMPRESSED_BYTES); a genuine sheet past it
    is told how to get in."""
    rows = [["同名", "", "", number, "侨眷", "530423101", "", "", "否", ""] for number in files.ids("530423", 2_000, seed=73)]
    path = files.write_excel_xlsx(tmp_path / "很多行.xlsx", HEADER, rows)
    settings.CENSUS_XLSX_MAX_UNCOMPRESSED_BYTES = 100_000

    with pytest.raises(FileRejected, match=r"^Excel 文件解压后达 .+，超过上限 .+：行数过多（请拆分为几个文件分别导入），或疑似压缩炸弹$"):
        upload(tonghai_official, path, campaign)


def test_a_stray_nul_in_a_csv_refuses_its_row_not_the_file(tonghai_official, campaign, tmp_path):
    """A NUL among the first bytes used to make the whole file "not text"; in UTF-8 text a few are a row's problem."""
    first, second = files.ids("530423", 2, seed=74)
    path = files.write_csv(tmp_path / "早.csv", HEADER, [
        ["王\x00五", "", "", first, "侨眷", "530423101", "", "", "", ""],
        ["赵六", "", "", second, "侨眷", "530423101", "", "", "", ""],
    ])

    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)

    assert record.status == ImportStatus.PREVIEWED, record.message
    assert (record.rows, record.new, record.invalid) == (2, 1, 1)
    assert [(e["row"], e["column"], e["value"]) for e in record.errors] == [(2, "姓名", "王\\x00五")]
