"""Issue 14, the sheets county offices really make: a title and the reporting unit above the header, a header
of two rows, columns we do not keep, 合计 and 填表说明 rows, formatting down to the last row, several sheets,
Excel 97-2003 .xls, and CSV in UTF-8 (with or without BOM), GB18030 and UTF-16 ("Unicode 文本")."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
import xlwt
from django.core.files import File
from django.core.management import call_command
from openpyxl.styles import Border, Font, Side

from census.importing.columns import HeaderError, find_header
from census.importing.models import CensusImport, ImportStatus
from census.importing.reading import open_census_file
from census.importing.services import census_import_run, census_import_upload
from census.registry.models import Campaign, Person
from tests.census import import_files as files

pytestmark = pytest.mark.usefixtures("media_dir")

HEADER = ["序号", "姓名", "性别", "民族", "身份证号码", "类别", "居住地区划代码", "籍贯"]
TITLE = "通海县2024年侨情调查登记表"
FILLED_BY = "填报单位：通海县侨联（盖章）"
FILLED_ON = "填报日期：2024年5月1日"


def people(n: int, seed: int = 41) -> list[list[object]]:
    """`n` valid rows in HEADER order (序号 first, as offices number their rows)."""
    return [
        [i + 1, f"侨{i:03d}", "", "汉", number, "侨眷", "530423101", "云南通海"]
        for i, number in enumerate(files.ids("530423", n, seed=seed))
    ]


def office_workbook(path: Path, rows: list[list[object]], *, trailer: bool = True, sheet_title: str = "登记表",
                    book: openpyxl.Workbook | None = None) -> Path:
    """A sheet as offices make it: title merged across the columns, the reporting unit and date, the header in
    row 3, the people, then a 合计 row and the 填表说明 under the table."""
    book = book or openpyxl.Workbook()
    sheet = book.create_sheet() if getattr(book, "office_sheets", 0) else book.active  # a new book's sheet first
    book.office_sheets = getattr(book, "office_sheets", 0) + 1
    sheet.title = sheet_title
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append([FILLED_BY, None, None, None, None, FILLED_ON])
    sheet.append(HEADER)
    for values in rows:
        sheet.append(values)
        sheet.cell(sheet.max_row, 5).data_type = "s"  # the ID column is text, as the template asks
    if trailer:
        sheet.append(["合计", None, None, None, None, f"{len(rows)}人"])
        sheet.append(["填表说明：1. 类别填归侨、侨眷、华侨、外籍华人、留学人员或留学人员眷属；2. 身份证号码请设为文本格式。"])
    book.save(path)
    return path


def upload(user, path: Path, campaign: Campaign, *, sheet: str = "") -> CensusImport:
    with open(path, "rb") as handle:
        record = census_import_upload(user=user, uploaded_file=File(handle, name=path.name), campaign=campaign)
    if sheet:
        record.sheet = sheet
        record.save(update_fields=["sheet"])
    return record


def preview(user, path: Path, campaign: Campaign, **kwargs) -> CensusImport:
    return census_import_run(record=upload(user, path, campaign, **kwargs), commit=False)


# ---------------------------------------------------------------- the header among the first rows


def test_the_header_is_found_below_the_title_and_the_reporting_unit():
    match = find_header([[TITLE], [FILLED_BY, None, FILLED_ON], HEADER, people(1)[0]])
    assert match is not None and match.index == 2 and match.rows == 1 and match.cells == HEADER


def test_a_header_of_two_rows_with_merged_group_cells_is_read_as_one():
    """Row 3 names 姓名 (merged down over rows 3-4) and the groups 证件信息 and 居住信息 (merged across); row 4
    names the columns under the groups."""
    upper = ["序号", "姓名", "证件信息", None, "居住信息", None]
    lower = [None, None, "身份证号码", "类别", "居住地区划代码", "联系电话"]
    match = find_header([[TITLE], upper, lower, [1, "张三", "x", "侨眷", "530423101", ""]])
    assert match is not None and match.index == 2 and match.rows == 2
    assert match.cells == ["序号", "姓名", "身份证号码", "类别", "居住地区划代码", "联系电话"]


def test_no_header_in_the_first_15_rows_is_none():
    rows = [[f"说明第 {n} 行"] for n in range(15)] + [HEADER]
    assert find_header(rows) is None


@pytest.mark.django_db
def test_an_office_sheet_imports_with_its_own_row_numbers(tonghai_official, campaign, tmp_path):
    rows = people(4)
    rows[1][4] = rows[1][4][:17] + ("0" if rows[1][4][17] != "0" else "1")  # a wrong check character, sheet row 5
    record = preview(tonghai_official, office_workbook(tmp_path / "通海县.xlsx", rows), campaign)

    assert record.status == ImportStatus.PREVIEWED, record.message
    assert (record.rows, record.new, record.invalid) == (4, 3, 1)
    assert [e["row"] for e in record.errors] == [5]  # the spreadsheet's own number: header in row 3
    assert record.reading["header_row"] == 3 and record.reading["sheet"] == "登记表"
    assert record.reading["skipped"] == {"total": [8], "note": [9]}
    assert record.message == "已忽略无法识别的列：序号、民族、籍贯"


@pytest.mark.django_db
def test_a_two_row_header_file_commits_the_people(tonghai_official, campaign, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.append(["序号", "姓名", "证件信息", None, "居住信息"])
    sheet.merge_cells("B2:B3")
    sheet.merge_cells("C2:D2")
    sheet.append([None, None, "身份证号码", "类别", "居住地区划代码"])
    numbers = files.ids("530423", 2, seed=43)
    for i, number in enumerate(numbers):
        sheet.append([i + 1, f"两行表头{i}", number, "归侨", "530423101"])
    book.save(tmp_path / "两行表头.xlsx")

    record = census_import_run(record=upload(tonghai_official, tmp_path / "两行表头.xlsx", campaign), commit=True)

    assert record.status == ImportStatus.COMMITTED, (record.message, record.errors)
    assert record.reading["header_row"] == 3
    assert set(Person.objects.filter(name__startswith="两行表头").values_list("category", flat=True)) == {"returned"}


@pytest.mark.django_db
def test_rows_that_are_not_people_are_skipped_and_counted_on_the_page(tonghai_official, campaign, tmp_path, client_for):
    record = preview(tonghai_official, office_workbook(tmp_path / "合计.xlsx", people(2)), campaign)
    page = client_for(tonghai_official).get(f"/census/imports/{record.pk}/").content.decode()

    assert record.rows == 2 and record.invalid == 0
    assert "跳过 1 行：合计行（第 6 行）" in page and "跳过 1 行：说明行（第 7 行）" in page
    assert 'data-testid="reading-header-row">第 3 行' in page


@pytest.mark.django_db
def test_a_person_named_like_a_total_is_still_a_person(tonghai_official, campaign, tmp_path):
    """Only a row without an ID can be a 合计 or note row: one with an ID is checked as a person."""
    rows = people(1)
    rows[0][1] = "合计"
    record = preview(tonghai_official, office_workbook(tmp_path / "人名.xlsx", rows, trailer=False), campaign)
    assert (record.rows, record.new) == (1, 1) and record.reading["skipped"] == {}


@pytest.mark.django_db
def test_formatting_down_to_the_last_row_reads_only_the_rows_with_values(tonghai_official, campaign, tmp_path):
    path = office_workbook(tmp_path / "边框.xlsx", people(2), trailer=False)
    book = openpyxl.load_workbook(path)
    sheet, thin = book.active, Side(style="thin")
    for r in range(6, 3000):
        for c in range(1, len(HEADER) + 1):
            sheet.cell(r, c).border = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheet.cell(1_048_576, 1).font = Font(bold=True)
    book.save(path)

    record = preview(tonghai_official, path, campaign)
    assert (record.status, record.rows, record.new) == (ImportStatus.PREVIEWED, 2, 2)


@pytest.mark.django_db
def test_no_header_in_the_first_rows_fails_the_preview_naming_what_is_missing(tonghai_official, campaign, tmp_path):
    path = files.write_csv(tmp_path / "无表头.csv", ["姓名", "民族"], [["张三", "汉"]])
    record = preview(tonghai_official, path, campaign)
    assert record.status == ImportStatus.FAILED
    assert record.message == "缺少必需的列：证件号码、类别、居住地区划代码；无法识别的列：民族"


# ---------------------------------------------------------------- several sheets, .xls


def write_xls(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """An Excel 97-2003 workbook (BIFF8), as xlwt writes it."""
    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if value not in (None, ""):
                    sheet.write(r, c, value)
    book.save(str(path))
    return path


@pytest.mark.django_db
def test_an_xls_workbook_is_read_from_its_first_sheet_with_a_header(tonghai_official, campaign, tmp_path):
    rows = people(3, seed=44)
    path = write_xls(tmp_path / "旧版.xls", {
        "封面": [[TITLE], ["本表由各乡镇填报"]],
        "登记表": [[TITLE], [FILLED_BY], HEADER, *rows, ["合计", None, None, None, None, "3人"]],
    })

    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=True)

    assert record.status == ImportStatus.COMMITTED, (record.message, record.errors)
    assert record.reading["sheets"] == ["封面", "登记表"] and record.reading["sheet"] == "登记表"
    assert record.reading["skipped"] == {"total": [7]}
    assert Person.objects.filter(name__startswith="侨").count() == 3


@pytest.mark.django_db
def test_the_user_picks_another_sheet_and_the_preview_reads_it(tonghai_official, campaign, tmp_path, client_for):
    book = openpyxl.Workbook()
    office_workbook(tmp_path / "两乡镇.xlsx", people(2, seed=45), book=book, sheet_title="河西镇")
    office_workbook(tmp_path / "两乡镇.xlsx", people(5, seed=46), book=book, sheet_title="纳古镇")
    record = preview(tonghai_official, tmp_path / "两乡镇.xlsx", campaign)
    assert (record.reading["sheet"], record.rows) == ("河西镇", 2)
    client = client_for(tonghai_official)
    assert 'data-testid="sheet-form"' in client.get(f"/census/imports/{record.pk}/").content.decode()

    client.post(f"/census/imports/{record.pk}/sheet/", {"sheet": "纳古镇"})

    record.refresh_from_db()
    assert (record.sheet, record.reading["sheet"], record.rows, record.status) == ("纳古镇", "纳古镇", 5, ImportStatus.PREVIEWED)
    response = client.post(f"/census/imports/{record.pk}/sheet/", {"sheet": "不存在"}, follow=True)
    assert "工作簿中没有名为“不存在”的工作表" in response.content.decode()
    record.refresh_from_db()
    assert record.sheet == "纳古镇"


@pytest.mark.django_db
def test_the_command_line_names_the_sheet(tonghai_official, campaign, tmp_path, capsys):
    book = openpyxl.Workbook()
    office_workbook(tmp_path / "命令.xlsx", people(2, seed=47), book=book, sheet_title="甲")
    office_workbook(tmp_path / "命令.xlsx", people(3, seed=48), book=book, sheet_title="乙")
    call_command("import_census", str(tmp_path / "命令.xlsx"), "--campaign", "2026", "--user", "tonghai_official",
                 "--sheet", "乙", "--dry-run")
    assert "rows=3 new=3" in capsys.readouterr().out


# ---------------------------------------------------------------- CSV encodings


def csv_text(rows: list[list[object]], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "encoding, delimiter, expected",
    [
        ("utf-8", ",", "utf-8"),
        ("utf-8-sig", ",", "utf-8-sig"),
        ("gb18030", ",", "gbk"),
        ("utf-16", "\t", "utf-16"),  # Excel's "Unicode 文本": UTF-16 LE with its BOM, tab-separated
        ("utf-16-be-bom", "\t", "utf-16"),
    ],
)
def test_csv_in_the_encodings_offices_save(tonghai_official, campaign, tmp_path, encoding, delimiter, expected):
    rows = people(2, seed=49)
    rows[0][1] = "䶮𠀀"  # outside GBK: GB18030 and the Unicode encodings keep it
    text = csv_text(rows, delimiter)
    data = b"\xfe\xff" + text.encode("utf-16-be") if encoding == "utf-16-be-bom" else text.encode(encoding)
    path = files.write_bytes(tmp_path / "名单.txt" if delimiter == "\t" else tmp_path / "名单.csv", data)

    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=True)

    assert record.status == ImportStatus.COMMITTED, (record.message, record.errors)
    assert record.reading["encoding"] == expected
    assert Person.objects.filter(name="䶮𠀀").exists()


def test_reading_keeps_the_sheet_row_numbers_of_a_csv(tmp_path):
    text = f"{TITLE}\r\n{FILLED_BY}\r\n" + csv_text(people(1, seed=50))
    opened = open_census_file(files.write_bytes(tmp_path / "a.csv", text.encode()), "a.csv")
    assert opened.header_row == 3 and opened.header == HEADER
    assert [number for number, _cells in opened.rows] == [4]


def test_a_header_beyond_the_first_rows_is_an_error(tmp_path):
    text = "".join(f"第 {n} 行说明\r\n" for n in range(16)) + csv_text(people(1, seed=51))
    with pytest.raises(HeaderError):
        open_census_file(files.write_bytes(tmp_path / "b.csv", text.encode()), "b.csv")


# ---------------------------------------------------------------- values as offices write them


def test_birth_months_and_dates_as_offices_write_them():
    import datetime as dt

    from census.importing.values import BirthMonth, ValueProblem, parse_birth

    month = BirthMonth(1965, 3)
    for value in ("1965.03", "1965.3", "196503", "1965年3月", "1965-03", "1965/3", 1965.03, 196503):
        assert parse_birth(value) == month, value
    assert parse_birth(1965.12) == BirthMonth(1965, 12)
    for value in ("1965-03-12", "1965/3/12", "1965.03.12", "19650312", "1965年3月12日", 19650312, dt.date(1965, 3, 12)):
        assert parse_birth(value) == dt.date(1965, 3, 12), value
    assert parse_birth(23813) == dt.date(1965, 3, 12)  # an Excel serial date
    with pytest.raises(ValueProblem, match="月份不存在"):
        parse_birth("1965.13")
    with pytest.raises(ValueProblem, match="只写年月"):
        parse_birth("六五年")


@pytest.mark.django_db
def test_a_birth_month_is_checked_against_the_id_and_the_id_gives_the_day(tonghai_official, campaign, tmp_path):
    import datetime as dt

    header = ["姓名", "性别", "出生年月", "身份证号码", "类别", "居住地区划代码", "联系电话"]
    born = files.id_born("530423", dt.date(1965, 3, 12), sequence=121)  # odd: 男
    other = files.id_born("530423", dt.date(1971, 8, 2), sequence=122)  # even: 女
    third = files.id_born("530423", dt.date(1980, 1, 20), sequence=131)
    rows = [
        ["年月对", "", 1965.03, born, "归侨", "530423101", "+86 139-0000-0000"],
        ["年月错", "", "1971.09", other, "侨眷", "530423101", "0877-1234567"],
        ["性别错", "女", "1980年1月", third, "侨眷", "530423101", "(0877) 123 4567"],
    ]
    path = files.write_xlsx(tmp_path / "出生年月.xlsx", header, rows, text_cells=True)

    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=True)
    assert record.status == ImportStatus.REJECTED
    assert {(e["row"], e["column"], e["value"], e["reason"]) for e in record.errors} == {
        (3, "出生日期", "1971.09", "与证件号码中的出生年月 1971-08 不一致"),
        (4, "性别", "女", "与证件号码中的性别（男）不一致"),
    }

    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=True, valid_only=True)
    person = Person.objects.get(name="年月对")
    assert (person.birth_date, person.gender, person.phone) == (dt.date(1965, 3, 12), "M", "13900000000")  # +86 dropped: a mainland mobile is kept as its 11 digits


# ---------------------------------------------------------------- places by name in the scope


@pytest.fixture
def two_new_villages(db):
    """Two villages called 新村 in 通海县: one under 河西镇, one under 纳古镇."""
    from orgs.regions.models import Region, RegionLevel

    hexi, nagu = Region.objects.get(code="530423101"), Region.objects.get(name="纳古镇", parent__code="530423")
    return [
        Region.objects.create(code=f"{township.code}201", name="新村", level=RegionLevel.VILLAGE, parent=township)
        for township in (hexi, nagu)
    ]


@pytest.mark.django_db
def test_places_are_found_by_their_names_inside_the_scope(tonghai_official, campaign, tmp_path, two_new_villages):
    header = ["姓名", "身份证号码", "类别", "居住地"]
    numbers = files.ids("530423", 8, seed=71)
    places = ["河西镇", "通海县河西镇", "河西镇新村", "大回村", "大回村村委会", "530423101", "云南省玉溪市通海县纳古镇新村", "新村"]
    rows = [[f"地名{i}", number, "侨眷", place] for i, (number, place) in enumerate(zip(numbers, places))]
    rows.append(["地名错", files.ids("530423", 9, seed=72)[8], "侨眷", "河西"])
    rows.append(["县外", files.ids("530424", 1, seed=73)[0], "侨眷", "华宁县"])
    path = files.write_csv(tmp_path / "地名.csv", header, rows)

    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=True, valid_only=True)

    hexi_new, nagu_new = two_new_villages
    errors = {(e["row"], e["value"]): e["reason"] for e in record.errors}
    assert errors == {
        (9, "新村"): f"有 2 个区划都叫“新村”：{hexi_new.full_name}（{hexi_new.code}）、{nagu_new.full_name}（{nagu_new.code}），请填区划代码或全称",
        (10, "河西"): "区划不存在；您是否要填：云南省玉溪市通海县河西镇（530423101）",
        (11, "华宁县"): "区划不在您的管辖范围内",
    }
    assert record.new == 7
    placed = dict(Person.objects.filter(name__startswith="地名").values_list("name", "region__code"))
    assert placed == {
        "地名0": "530423101", "地名1": "530423101", "地名2": hexi_new.code, "地名3": placed["地名3"],
        "地名4": placed["地名4"], "地名5": "530423101", "地名6": nagu_new.code,
    }
    assert placed["地名3"] == placed["地名4"] and placed["地名3"].startswith("530423000")  # 大回村村委会
