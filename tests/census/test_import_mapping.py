"""Issue 14, the column-mapping step: a file whose required columns are named in ways we do not know is not a dead
end. The preview keeps the likeliest header row, the user maps each column to a field (or ignores it), the file
is read again with that mapping, and the mapping is remembered for the user's next file with the same header. The
command line takes `--map "列名=字段,…"`."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management import call_command
from django.core.management.base import CommandError

from census.importing import pipeline
from census.importing.checked import checked_load, checked_path
from census.importing.columnar import IMPORT_FIELDS
from census.importing.columns import HeaderError, find_header, map_headers, mapping_from_text, validate_mapping
from census.importing.models import CensusImport, ColumnMapping, ImportStatus
from census.importing.reading import open_census_file
from census.importing.services import census_import_map_columns, census_import_run, census_import_upload
from census.registry.models import Campaign, Person
from tests.census import import_files as files

pytestmark = pytest.mark.usefixtures("media_dir")

TITLE = "通海县侨情调查登记表"
# 名 字 and 身份证号码 we know; 人员身份 (the category) and 户籍所在地 (the place) we do not; 民族 we do not keep.
HEADER = ["名 字", "身份证号码", "人员身份", "户籍所在地", "民族"]
MAPPING = {"名 字": "name", "身份证号码": "id_number", "人员身份": "category", "户籍所在地": "region", "民族": ""}


def sheet(tmp_path: Path, n: int = 3, *, seed: int = 81, header: list[str] = HEADER, name: str = "乡镇上报.csv") -> Path:
    """A CSV as a township sends it: a title, then the header in row 2, then `n` people of 河西镇."""
    rows = [[f"对应{i}", number, "侨眷", "530423101", "汉"] for i, number in enumerate(files.ids("530423", n, seed=seed))]
    path = files.write_csv(tmp_path / name, [TITLE], [header, *(r[: len(header)] for r in rows)])
    return path


def upload(user, path: Path, campaign: Campaign) -> CensusImport:
    with open(path, "rb") as handle:
        return census_import_upload(user=user, uploaded_file=File(handle, name=path.name), campaign=campaign)


def preview(user, path: Path, campaign: Campaign) -> CensusImport:
    return census_import_run(record=upload(user, path, campaign), commit=False)


# ---------------------------------------------------------------- the header found through the mapping


def test_a_header_named_only_through_the_mapping_is_found():
    rows = [[TITLE], HEADER, ["张三", "x", "侨眷", "530423101", "汉"]]
    assert find_header(rows) is None

    match = find_header(rows, {"人员身份": "category", "户籍所在地": "region"})

    assert match is not None and match.index == 1 and match.cells == HEADER
    positions, ignored = map_headers(HEADER, {"人员身份": "category", "户籍所在地": "region"})
    assert positions == {"name": 0, "id_number": 1, "category": 2, "region": 3} and ignored == ["民族"]


def test_the_mapping_matches_headers_as_headers_match_and_may_ignore_a_known_column():
    # spaces and full-width brackets aside; 民族 ignored as before, 身份证号码 no longer read
    positions, ignored = map_headers(["姓名", "身份证号码", "类别", "户籍 所在地", "证件号"], {"户籍所在地": "region", "身份证号码": "", "证件号": "id_number"})
    assert positions == {"name": 0, "id_number": 4, "category": 2, "region": 3} and ignored == ["身份证号码"]


def test_reading_a_file_with_the_mapping(tmp_path):
    path = sheet(tmp_path)
    with pytest.raises(HeaderError) as raised:
        open_census_file(path, path.name)
    assert raised.value.reading["columns"] == HEADER and raised.value.reading["header_row"] == 2

    opened = open_census_file(path, path.name, mapping=MAPPING)

    assert opened.header_row == 2 and opened.header == HEADER
    assert [number for number, _cells in opened.rows] == [3, 4, 5]


def test_the_likeliest_header_row_is_kept_when_none_names_a_known_column(tmp_path):
    """No cell of the file is a header we know: the row with the most filled cells (not the title) is kept."""
    path = files.write_csv(tmp_path / "全不识.csv", ["上报表"], [["甲", "乙", "丙"], ["1", "2", "3"]])
    with pytest.raises(HeaderError) as raised:
        open_census_file(path, path.name)
    assert raised.value.reading["columns"] == ["甲", "乙", "丙"] and raised.value.reading["header_row"] == 2


def test_in_a_workbook_the_sheet_most_like_a_table_is_offered_for_mapping(tmp_path):
    """A cover sheet first: the sheet offered for mapping is the one whose likeliest header row looks most like one."""
    book = openpyxl.Workbook()
    book.active.title = "封面"
    book.active.append([TITLE])
    book.active.append(["填报单位：通海县侨联"])
    data = book.create_sheet("名单")
    data.append(HEADER)
    data.append(["张三", files.ids("530423", 1, seed=80)[0], "侨眷", "530423101", "汉"])
    book.save(tmp_path / "两页.xlsx")

    with pytest.raises(HeaderError) as raised:
        open_census_file(tmp_path / "两页.xlsx", "两页.xlsx")

    reading = raised.value.reading
    assert (reading["sheet"], reading["sheets"], reading["header_row"], reading["columns"]) == ("名单", ["封面", "名单"], 1, HEADER)
    opened = open_census_file(tmp_path / "两页.xlsx", "两页.xlsx", mapping=MAPPING)
    assert opened.sheet == "名单" and [n for n, _cells in opened.rows] == [2]


@pytest.mark.django_db
def test_a_file_with_unknown_headers_is_mapped_previewed_and_committed(tonghai_official, campaign, tmp_path):
    record = preview(tonghai_official, sheet(tmp_path), campaign)

    assert record.status == ImportStatus.FAILED
    assert record.message == "缺少必需的列：类别、居住地区划代码；无法识别的列：人员身份、户籍所在地、民族"
    assert record.reading["columns"] == HEADER and record.reading["header_row"] == 2

    record = census_import_map_columns(record=record, user=tonghai_official, mapping=MAPPING)

    assert record.status == ImportStatus.PREVIEWED, record.message
    assert (record.rows, record.new, record.invalid) == (3, 3, 0)
    assert record.mapping == MAPPING and record.reading["header_row"] == 2
    record = census_import_run(record=record, commit=True)
    assert record.status == ImportStatus.COMMITTED, (record.message, record.errors)
    people = Person.objects.filter(name__startswith="对应")
    assert people.count() == 3 and {(p.category, p.region.code) for p in people} == {("relative", "530423101")}


@pytest.mark.django_db
def test_the_page_offers_the_mapping_form_and_maps_the_columns(tonghai_official, campaign, tmp_path, client_for):
    record = preview(tonghai_official, sheet(tmp_path), campaign)
    client = client_for(tonghai_official)

    page = client.get(f"/census/imports/{record.pk}/").content.decode()

    assert 'data-testid="mapping-form"' in page and f'action="/census/imports/{record.pk}/mapping/"' in page
    assert '<option value="name" selected>姓名（必填）</option>' in page  # 名 字: recognised, preselected
    assert page.count("<select") == len(HEADER)

    response = client.post(f"/census/imports/{record.pk}/mapping/", {f"column_{i}": MAPPING[h] for i, h in enumerate(HEADER)})

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.new, record.mapping) == (ImportStatus.PREVIEWED, 3, MAPPING)
    page = client.get(f"/census/imports/{record.pk}/").content.decode()
    assert 'data-testid="commit-all"' in page and 'data-testid="mapping-form"' in page  # still offered, folded


@pytest.mark.django_db
def test_an_ignored_column_of_a_good_preview_can_be_mapped(tonghai_official, campaign, tmp_path):
    """户籍所在地 beside a 居住地区划代码 we know: mapped to the place instead of it."""
    header = ["姓名", "身份证号码", "类别", "居住地区划代码", "户籍所在地"]
    numbers = files.ids("530423", 2, seed=82)
    path = files.write_csv(tmp_path / "户籍.csv", header, [[f"户籍{i}", n, "侨眷", "530423", "530423101"] for i, n in enumerate(numbers)])
    record = preview(tonghai_official, path, campaign)
    assert record.status == ImportStatus.PREVIEWED and record.message == "已忽略无法识别的列：户籍所在地"

    record = census_import_map_columns(
        record=record, user=tonghai_official,
        mapping={"姓名": "name", "身份证号码": "id_number", "类别": "category", "居住地区划代码": "", "户籍所在地": "region"},
    )
    record = census_import_run(record=record, commit=True)

    assert record.status == ImportStatus.COMMITTED, (record.message, record.errors)
    assert set(Person.objects.filter(name__startswith="户籍").values_list("region__code", flat=True)) == {"530423101"}


# ---------------------------------------------------------------- checks of the mapping


def test_one_field_for_two_columns_is_refused_naming_both():
    with pytest.raises(HeaderError, match="“人员身份”和“户籍所在地”都对应“居住地区划代码”，一个字段只能对应一列"):
        validate_mapping({"人员身份": "region", "户籍所在地": "region"})
    with pytest.raises(HeaderError, match="“户籍所在地”对应的字段“address”不存在"):
        validate_mapping({"户籍所在地": "address"})
    # a column mapped to a field that another column's header already names
    with pytest.raises(HeaderError, match="“居住地区划代码”和“户籍所在地”都对应“居住地区划代码”"):
        map_headers(["姓名", "身份证号码", "类别", "居住地区划代码", "户籍所在地"], {"户籍所在地": "region"})


@pytest.mark.django_db
def test_a_duplicate_target_is_refused_and_nothing_changes(tonghai_official, campaign, tmp_path, client_for):
    record = preview(tonghai_official, sheet(tmp_path), campaign)
    twice = {**MAPPING, "人员身份": "region"}
    with pytest.raises(ValidationError, match="“人员身份”和“户籍所在地”都对应“居住地区划代码”"):
        census_import_map_columns(record=record, user=tonghai_official, mapping=twice)

    response = client_for(tonghai_official).post(
        f"/census/imports/{record.pk}/mapping/", {f"column_{i}": twice[h] for i, h in enumerate(HEADER)}, follow=True
    )

    assert "“人员身份”和“户籍所在地”都对应“居住地区划代码”，一个字段只能对应一列" in response.content.decode()
    record.refresh_from_db()
    assert (record.status, record.mapping) == (ImportStatus.FAILED, {})
    assert not ColumnMapping.objects.exists()


@pytest.mark.django_db
def test_a_mapping_without_a_required_field_is_refused(tonghai_official, campaign, tmp_path):
    record = preview(tonghai_official, sheet(tmp_path), campaign)
    with pytest.raises(ValidationError, match="缺少必需的列：类别"):
        census_import_map_columns(record=record, user=tonghai_official, mapping={**MAPPING, "人员身份": ""})


@pytest.mark.django_db
def test_only_the_uploader_maps_and_only_while_nothing_is_written(tonghai_official, tonghai_staff, campaign, tmp_path):
    from django.core.exceptions import PermissionDenied

    record = preview(tonghai_official, sheet(tmp_path), campaign)
    with pytest.raises(PermissionDenied):
        census_import_map_columns(record=record, user=tonghai_staff, mapping=MAPPING)
    record = census_import_run(record=census_import_map_columns(record=record, user=tonghai_official, mapping=MAPPING), commit=True)
    assert record.status == ImportStatus.COMMITTED
    with pytest.raises(ValidationError, match="不能更改列的对应关系"):
        census_import_map_columns(record=record, user=tonghai_official, mapping=MAPPING)


# ---------------------------------------------------------------- remembered per user and header


@pytest.mark.django_db
def test_the_mapping_is_remembered_for_the_same_user_and_the_same_header(tonghai_official, campaign, tmp_path, client_for):
    first = preview(tonghai_official, sheet(tmp_path, seed=83, name="一.csv"), campaign)
    census_import_map_columns(record=first, user=tonghai_official, mapping=MAPPING)
    assert ColumnMapping.objects.filter(user=tonghai_official).count() == 1

    second = preview(tonghai_official, sheet(tmp_path, 4, seed=84, name="二.csv"), campaign)

    assert second.status == ImportStatus.PREVIEWED, second.message
    assert (second.new, second.mapping, second.reading.get("remembered")) == (4, MAPPING, True)
    page = client_for(tonghai_official).get(f"/census/imports/{second.pk}/").content.decode()
    assert "已按您上次保存的列对应关系读取" in page
    second = census_import_run(record=second, commit=True)
    assert second.status == ImportStatus.COMMITTED and second.reading.get("remembered") is True


@pytest.mark.django_db
def test_the_mapping_is_not_applied_for_another_user_or_another_header(tonghai_official, tonghai_staff, campaign, tmp_path):
    first = preview(tonghai_official, sheet(tmp_path, seed=85, name="一.csv"), campaign)
    census_import_map_columns(record=first, user=tonghai_official, mapping=MAPPING)

    by_another = preview(tonghai_staff, sheet(tmp_path, seed=86, name="二.csv"), campaign)
    other_header = preview(tonghai_official, sheet(tmp_path, seed=87, name="三.csv", header=HEADER[:4]), campaign)

    for record in (by_another, other_header):
        assert record.status == ImportStatus.FAILED and record.mapping == {}
        assert "remembered" not in record.reading
    assert other_header.reading["columns"] == HEADER[:4]


@pytest.mark.django_db
def test_a_later_mapping_replaces_the_remembered_one(tonghai_official, campaign, tmp_path):
    first = preview(tonghai_official, sheet(tmp_path, seed=88, name="一.csv"), campaign)
    census_import_map_columns(record=first, user=tonghai_official, mapping=MAPPING)
    census_import_map_columns(record=first, user=tonghai_official, mapping={**MAPPING, "民族": "notes"})

    saved = ColumnMapping.objects.get(user=tonghai_official)
    assert saved.mapping["民族"] == "notes"
    second = preview(tonghai_official, sheet(tmp_path, seed=89, name="二.csv"), campaign)
    assert second.status == ImportStatus.PREVIEWED and second.mapping["民族"] == "notes"


# ---------------------------------------------------------------- the preview's findings and the mapping


@pytest.mark.django_db
def test_the_preview_findings_are_not_reused_when_the_mapping_changed(tonghai_official, campaign, tmp_path, monkeypatch):
    record = census_import_map_columns(record=preview(tonghai_official, sheet(tmp_path, seed=90), campaign),
                                       user=tonghai_official, mapping=MAPPING)
    kept = checked_load(checked_path(Path(record.file.path)), IMPORT_FIELDS)
    assert kept is not None and kept.mapping == MAPPING
    validations: list[int] = []
    validate = pipeline._validate_file

    def counting(*args, **kwargs):
        validations.append(1)
        return validate(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_validate_file", counting)
    record.mapping = {**MAPPING, "民族": "notes"}  # changed after the preview
    record.save(update_fields=["mapping"])

    record = census_import_run(record=record, commit=True)

    assert record.status == ImportStatus.COMMITTED and validations == [1]
    assert set(Person.objects.filter(name__startswith="对应").values_list("notes", flat=True)) == {"汉"}


@pytest.mark.django_db
def test_the_preview_findings_are_reused_with_the_same_mapping(tonghai_official, campaign, tmp_path, monkeypatch):
    record = census_import_map_columns(record=preview(tonghai_official, sheet(tmp_path, seed=91), campaign),
                                       user=tonghai_official, mapping=MAPPING)
    monkeypatch.setattr(pipeline, "_validate_file", lambda *a, **k: pytest.fail("the file was validated again"))

    record = census_import_run(record=record, commit=True)

    assert (record.status, record.new) == (ImportStatus.COMMITTED, 3)


# ---------------------------------------------------------------- the command line


def test_the_command_line_mapping_takes_keys_headers_and_ignore():
    assert mapping_from_text("人员身份=category，户籍所在地＝居住地区划代码, 民族=忽略") == {
        "人员身份": "category", "户籍所在地": "region", "民族": "",
    }


@pytest.mark.django_db
def test_the_command_line_maps_columns(tonghai_official, campaign, tmp_path, capsys):
    path = sheet(tmp_path, seed=92)
    with pytest.raises(CommandError, match="缺少必需的列"):
        call_command("import_census", str(path), "--campaign", "2026", "--user", "tonghai_official", "--dry-run")

    call_command("import_census", str(path), "--campaign", "2026", "--user", "tonghai_official",
                 "--map", "人员身份=category,户籍所在地=居住地区划代码")

    assert "rows=3 new=3" in capsys.readouterr().out
    assert Person.objects.filter(name__startswith="对应", region__code="530423101").count() == 3
    assert not ColumnMapping.objects.exists()  # the command line says it each time; nothing is remembered


@pytest.mark.django_db
@pytest.mark.parametrize(
    "option, message",
    [
        ("人员身份", "“人员身份”应写成“列名=字段”"),
        ("人员身份=category,户籍所在地=住址", "“户籍所在地=住址”：没有名为“住址”的字段"),
        ("人员身份=region,户籍所在地=region", "“人员身份”和“户籍所在地”都对应“居住地区划代码”"),
    ],
)
def test_a_bad_command_line_mapping_names_the_entry(tonghai_official, campaign, tmp_path, option, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_census", str(sheet(tmp_path, seed=93)), "--campaign", "2026", "--user", "tonghai_official",
                     "--map", option, "--dry-run")
    assert not CensusImport.objects.exists()  # refused before anything is stored
