"""Issue 14, people without a PRC resident ID: every identity document by its own rule, stored as resident IDs are
(encrypted, found by a keyed hash of type and number, masked), one document one person, two documents of one
person linked on the person's page, "可能重复" warned at import, and units the directory lacks created when the
importer confirms."""
from __future__ import annotations

import datetime as dt
import io
import json
import logging
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from census.importing.models import ImportStatus
from census.importing.services import census_import_request, census_import_run
from census.registry.models import Headcount, Person, PersonDocument
from census.registry.services import document_hash, person_create, person_link_document
from orgs.common.crypto import decrypt_text
from orgs.common.identifiers import (
    IdentifierError,
    document_key,
    mask_document,
    resident_id_check_char,
    validate_document,
)
from orgs.units.models import Unit
from tests.census import import_files as files
from tests.census.factories import valid_id
from tests.census.test_import_real_files import upload
from tests.factories import region

pytestmark = pytest.mark.usefixtures("media_dir")

HEADER = ["姓名", "性别", "出生日期", "证件类型", "证件号码", "类别", "居住地区划代码", "工作单位", "侨居国(地区)"]


def gb11643(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


FOREIGN_PR = gb11643("95312319800101001")  # 2023: 9, province, nationality, birth date, sequence, check
PERMIT = gb11643("81000019751231002")  # 港澳台居民居住证 of a Hong Kong resident, born 1975-12-31, a woman
RESIDENT = valid_id(501)


# ---------------------------------------------------------------- each document by its own rule


@pytest.mark.parametrize(
    ("id_type", "raw", "number"),
    [
        ("resident_id", RESIDENT.lower(), RESIDENT),
        ("passport", " e1234 5678 ", "E12345678"),
        ("passport", "X1234", "X1234"),
        ("hk_macao_permit", "h12345678", "H12345678"),
        ("hk_macao_permit", "M1234567890", "M1234567890"),
        ("taiwan_permit", "１２３４５６７８", "12345678"),
        ("foreign_pr", FOREIGN_PR, FOREIGN_PR),
        ("foreign_pr", "usa123456789012", "USA123456789012"),
        ("residence_permit", PERMIT, PERMIT),
        ("other", "ab-12", "AB-12"),
    ],
)
def test_each_document_type_is_validated_and_normalised_by_its_rule(id_type, raw, number):
    assert validate_document(id_type, raw, today=dt.date(2026, 1, 1)) == number


@pytest.mark.parametrize(
    ("id_type", "raw", "message"),
    [
        ("foreign_pr", FOREIGN_PR[:17] + ("0" if FOREIGN_PR[17] != "0" else "1"), "外国人永久居留身份证号码校验位应为"),
        ("foreign_pr", "812345678901234567", "外国人永久居留身份证号码应为以 9 开头的 18 位"),
        ("foreign_pr", "US1234567890123", "外国人永久居留身份证号码应为以 9 开头的 18 位"),
        ("residence_permit", gb11643("53042319800101001"), "港澳台居民居住证号码应以 810000"),
        ("residence_permit", PERMIT[:17] + ("0" if PERMIT[17] != "0" else "1"), "港澳台居民居住证号码校验位应为"),
        ("resident_id", PERMIT, "港澳台居民居住证号码，请将证件类型填为“港澳台居民居住证”"),
        ("hk_macao_permit", "H1234567", "H 或 M 加 8 位或 10 位数字"),
        ("hk_macao_permit", "K12345678", "H 或 M 加 8 位或 10 位数字"),
        ("taiwan_permit", "1234567", "8 位数字"),
        ("passport", "E12", "5 至 20 位字母或数字"),
        ("passport", "E1234567890123456789012", "5 至 20 位字母或数字"),
        ("passport", "护照E123456", "5 至 20 位字母或数字"),
        ("other", "", "证件号码为空"),
    ],
)
def test_a_wrong_number_is_refused_saying_why(id_type, raw, message):
    with pytest.raises(IdentifierError) as refused:
        validate_document(id_type, raw, today=dt.date(2026, 1, 1))
    assert message in str(refused.value)


def test_masks_and_lookup_keys_of_documents():
    assert mask_document(RESIDENT) == RESIDENT[:6] + "********" + RESIDENT[-4:]
    assert mask_document("E12345678") == "E1*****78" and mask_document("USA123456789012") == "USA123*****9012"
    # a resident ID's key is its number (every stored hash stays valid); other types never collide with it
    assert document_key("resident_id", RESIDENT) == RESIDENT
    assert document_key("taiwan_permit", "12345678") != document_key("passport", "12345678")


# ---------------------------------------------------------------- one file, every document


def every_document_file(tmp_path: Path) -> Path:
    rows = [
        ["居民身份证人", "", "", "居民身份证", RESIDENT, "侨眷", "530423101", "", ""],
        ["护照人", "男", "1980-01-02", "护照", "E12345678", "华侨", "530423101", "", "泰国"],
        ["回乡证人", "女", "1990.05.06", "港澳通行证", "H12345678", "归侨", "530423101", "", ""],
        ["台胞证人", "男", "1970年3月4日", "台湾居民来往大陆通行证", "12345678", "归侨", "530423101", "", ""],
        ["永居证人", "", "", "外国人永久居留身份证", FOREIGN_PR, "外籍华人", "530423101", "", "美国"],
        ["居住证人", "", "", "港澳台居民居住证", PERMIT, "归侨", "530423101", "", ""],
        ["其他证件人", "女", "2000-02-02", "其他", "X-778899", "留学人员", "530423101", "", "英国"],
    ]
    return files.write_csv(tmp_path / "every-document.csv", HEADER, rows)


def test_a_file_with_every_document_type_imports_and_no_number_is_stored_in_clear(tonghai_official, campaign, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    path = every_document_file(tmp_path)
    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)
    assert (record.status, record.new, record.invalid) == (ImportStatus.PREVIEWED, 7, 0), record.errors
    record = census_import_run(record=record, commit=True)
    assert record.status == ImportStatus.COMMITTED and record.new == 7

    people = {p.name: p for p in Person.objects.filter(name__endswith="人")}
    types = {name: p.id_type for name, p in people.items()}
    assert types == {
        "居民身份证人": "resident_id", "护照人": "passport", "回乡证人": "hk_macao_permit", "台胞证人": "taiwan_permit",
        "永居证人": "foreign_pr", "居住证人": "residence_permit", "其他证件人": "other",
    }
    # sex and birth date from a number that carries them; as given for the others (a month alone is not enough)
    assert (people["居住证人"].birth_date, people["居住证人"].gender) == (dt.date(1975, 12, 31), "F")
    assert (people["永居证人"].birth_date, people["永居证人"].gender) == (dt.date(1980, 1, 1), "M")
    assert (people["台胞证人"].birth_date, people["台胞证人"].gender) == (dt.date(1970, 3, 4), "M")
    for person in people.values():
        number = decrypt_text(person.id_number_encrypted)
        assert person.id_number_hash == document_hash(person.id_type, number)
        assert person.id_number_masked == mask_document(number) and number not in person.id_number_masked

    numbers = [decrypt_text(p.id_number_encrypted) for p in people.values()]
    # not in the database (every text column of every table), the log, the import record
    with connection.cursor() as cursor:
        dump = []
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump.extend(str(value) for row in cursor.fetchall() for value in row)
    dump_text = "\n".join(dump)
    for number in numbers:
        assert number not in dump_text, number
        assert number not in caplog.text
        assert number not in json.dumps(record.reading) + json.dumps(record.errors)


def test_the_pages_api_and_exports_show_documents_masked(tonghai_official, campaign, tmp_path, client_for, api_client_for):
    census_import_run(record=census_import_run(record=upload(tonghai_official, every_document_file(tmp_path), campaign), commit=False), commit=True)
    numbers = [decrypt_text(token) for token in Person.objects.values_list("id_number_encrypted", flat=True)]
    client = client_for(tonghai_official)
    listing = client.get("/census/persons/").content.decode()
    passport = Person.objects.get(id_type="passport")
    detail = client.get(f"/census/persons/{passport.pk}/").content.decode()
    exported = client.get("/census/persons/export.csv").content.decode("utf-8-sig")
    api = api_client_for(tonghai_official)
    body = api.get("/api/persons/", {"id_type": "passport"}).json()
    everything = api.get("/api/persons/").content.decode()
    assert "护照" in listing and passport.id_number_masked in listing
    assert "护照" in detail and "E1*****78" in detail
    assert [p["name"] for p in body["results"]] == ["护照人"] and body["results"][0]["id_type_display"] == "护照"
    assert "证件类型" in exported.splitlines()[0] and "护照" in exported
    for number in numbers:
        for shown in (listing, detail, exported, everything):
            assert number not in shown


# ---------------------------------------------------------------- rules of a row


def test_a_wrong_check_character_on_a_permanent_residence_id_is_refused_naming_the_row(tonghai_official, campaign, tmp_path):
    wrong = FOREIGN_PR[:17] + ("0" if FOREIGN_PR[17] != "0" else "1")
    path = files.write_csv(tmp_path / "pr.csv", HEADER, [
        ["甲", "", "", "居民身份证", RESIDENT, "侨眷", "530423101", "", ""],
        ["乙", "", "", "外国人永久居留身份证", wrong, "外籍华人", "530423101", "", "美国"],
    ])
    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=True)
    assert record.status == ImportStatus.REJECTED and not Person.objects.exists()
    [error] = record.errors
    assert (error["row"], error["column"]) == (3, "证件号码")
    assert error["reason"] == f"外国人永久居留身份证号码校验位应为 {resident_id_check_char(FOREIGN_PR[:17])}，实为 {wrong[17]}"
    assert wrong not in error["value"]  # masked, as every number


def test_birth_date_sex_and_country_are_required_where_the_document_lacks_them(tonghai_official, campaign, tmp_path):
    path = files.write_csv(tmp_path / "facts.csv", HEADER, [
        ["无生日", "男", "", "护照", "E11111111", "华侨", "530423101", "", "泰国"],
        ["只有年月", "女", "1980.03", "港澳通行证", "M11111111", "归侨", "530423101", "", ""],
        ["无性别", "", "1980-01-01", "台胞证", "11111111", "归侨", "530423101", "", ""],
        ["无侨居国", "男", "1980-01-01", "护照", "E22222222", "华侨", "530423101", "", ""],
        ["未知证件", "男", "1980-01-01", "驾驶证", "A123456", "归侨", "530423101", "", ""],
    ])
    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)
    found = {(e["row"], e["column"], e["reason"]) for e in record.errors}
    assert found == {
        (2, "出生日期", "此证件号码不含出生日期，请填写出生日期"),
        (3, "出生日期", "此证件号码不含出生日期，请填写完整的出生日期（年月日）"),
        (4, "性别", "此证件号码不含性别，请填写性别"),
        (5, "侨居国(地区)", "持护照登记的须填写侨居国(地区)"),
        (6, "证件类型", "未知证件类型（可填：居民身份证、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、外国人永久居留身份证、港澳台居民居住证、其他）"),
    }


def test_the_same_document_is_one_person_and_the_same_number_of_another_type_is_not(tonghai_official, campaign, tmp_path):
    first = files.write_csv(tmp_path / "a.csv", HEADER, [["台胞甲", "男", "1970-01-01", "台胞证", "12345678", "归侨", "530423101", "", ""]])
    census_import_run(record=upload(tonghai_official, first, campaign), commit=True)
    again = files.write_csv(tmp_path / "b.csv", HEADER, [
        ["台胞甲", "男", "1970-01-01", "台湾居民来往大陆通行证", "12345678", "侨眷", "530423101", "", ""],
        ["回乡乙", "女", "1985-06-07", "其他", "12345678", "侨眷", "530423101", "", ""],
    ])
    record = census_import_run(record=upload(tonghai_official, again, campaign), commit=True)
    assert (record.status, record.new, record.updated) == (ImportStatus.COMMITTED, 1, 1)
    assert Person.objects.get(name="台胞甲").category == "relative"
    assert Person.objects.filter(name="回乡乙", id_type="other").exists()


def test_a_file_with_two_rows_of_one_document_refuses_the_second(tonghai_official, campaign, tmp_path):
    path = files.write_csv(tmp_path / "twice.csv", HEADER, [
        ["甲", "男", "1970-01-01", "护照", "E33333333", "华侨", "530423101", "", "泰国"],
        ["乙", "男", "1971-01-01", "护照", "e3333 3333", "华侨", "530423101", "", "泰国"],
    ])
    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)
    assert [(e["row"], e["reason"]) for e in record.errors] == [(3, "与第 2 行证件号码重复")]


# ---------------------------------------------------------------- 可能重复


def test_possible_duplicates_are_warned_and_written_only_when_accepted(tonghai_official, campaign, tmp_path, capsys):
    returnee = person_create(editor=tonghai_official, name="归侨张三", id_number=valid_id(777), category="returned", region=region("530423"))
    path = files.write_csv(tmp_path / "dup.csv", HEADER, [
        ["归侨张三", returnee.get_gender_display(), returnee.birth_date.isoformat(), "护照", "E44444444", "华侨", "530423101", "", "泰国"],
        ["李四", "女", "1990-01-01", "护照", "E55555555", "华侨", "530423101", "", "泰国"],
        ["李四", "女", "1990-01-01", "港澳通行证", "H55555555", "归侨", "530423102", "", ""],
    ])
    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)
    assert (record.new, record.invalid) == (3, 0)
    warnings = {(w["row"], w["value"]): w["reason"] for w in record.warnings}
    assert set(warnings) == {(2, "归侨张三"), (4, "李四")}
    assert returnee.id_number_masked in warnings[(2, "归侨张三")] and "居民身份证" in warnings[(2, "归侨张三")]
    assert warnings[(4, "李四")] == "与第 3 行的姓名、出生日期、性别相同而证件不同，可能是同一人"

    with pytest.raises(Exception, match="可能与已登记人员"):
        census_import_request(record=record, user=tonghai_official, commit=True)
    assert Person.objects.count() == 1
    committed = census_import_request(record=record, user=tonghai_official, commit=True, accept_duplicates=True)
    assert committed.status == ImportStatus.COMMITTED and Person.objects.count() == 4

    # the command line holds the commit back, writing nothing, until told to accept
    other = files.write_csv(tmp_path / "dup2.csv", HEADER, [
        ["归侨张三", returnee.get_gender_display(), returnee.birth_date.isoformat(), "台胞证", "87654321", "归侨", "530423101", "", ""],
    ])
    held = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_census", str(other), "--campaign", "2026", "--user", "tonghai_official", stdout=held)
    assert "可能重复：第 2 行" in held.getvalue() and "--accept-duplicates" in held.getvalue()
    assert Person.objects.count() == 4
    call_command("import_census", str(other), "--campaign", "2026", "--user", "tonghai_official", "--accept-duplicates", stdout=io.StringIO())
    assert Person.objects.count() == 5


# ---------------------------------------------------------------- two documents of one person


def test_a_second_document_is_linked_and_then_finds_the_person(tonghai_official, campaign, tmp_path):
    person = person_create(editor=tonghai_official, name="归侨王五", id_number=valid_id(778), category="returned", region=region("530423"))
    person_link_document(person=person, editor=tonghai_official, id_type="passport", id_number="G12345678")
    [document] = PersonDocument.objects.all()
    assert (document.id_type, document.number_masked) == ("passport", "G1*****78")
    path = files.write_csv(tmp_path / "old-passport.csv", HEADER, [
        ["归侨王五", "", person.birth_date.isoformat(), "护照", "g1234 5678", "归侨", "530423102", "", "泰国"],
    ])
    gender = person.get_gender_display()
    path.write_text(path.read_text(encoding="utf-8-sig").replace(",,", f",{gender},", 1), encoding="utf-8-sig")
    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=True)
    assert (record.status, record.new, record.updated) == (ImportStatus.COMMITTED, 0, 1), record.errors
    person.refresh_from_db()
    assert person.region.code == "530423102" and person.id_type == "resident_id"  # its own document unchanged


def test_linking_a_document_another_record_holds_merges_the_two(tonghai_official, campaign):
    tonghai = region("530423")
    by_id = person_create(editor=tonghai_official, name="双证人", id_number=valid_id(779), category="returned", region=tonghai)
    by_passport = person_create(
        editor=tonghai_official, name="双证人", id_type="passport", id_number="E66666666", gender=by_id.gender,
        birth_date=by_id.birth_date, country="泰国", category="returned", region=tonghai,
    )
    stranger = person_create(
        editor=tonghai_official, name="别人", id_type="passport", id_number="E77777777", gender="M",
        birth_date=dt.date(1960, 1, 1), country="泰国", category="returned", region=tonghai,
    )
    person_link_document(person=by_id, editor=tonghai_official, id_type="passport", id_number="E66666666")
    assert not Person.objects.filter(pk=by_passport.pk).exists()
    assert list(by_id.documents.values_list("id_type", "number_masked")) == [("passport", "E6*****66")]
    assert by_id.events.filter(note__startswith="合并重复登记").exists()

    with pytest.raises(Exception, match="姓名或出生日期不同"):
        person_link_document(person=by_id, editor=tonghai_official, id_type="passport", id_number="E77777777")
    assert Person.objects.filter(pk=stranger.pk).exists()
    with pytest.raises(Exception, match="已是该人员的证件"):
        person_link_document(person=by_id, editor=tonghai_official, id_type="passport", id_number="e6666 6666")


def test_the_person_page_links_and_unlinks_a_document(tonghai_official, client_for):
    person = person_create(editor=tonghai_official, name="页面人", id_number=valid_id(780), category="returned", region=region("530423"))
    client = client_for(tonghai_official)
    page = client.get(f"/census/persons/{person.pk}/").content.decode()
    assert 'data-testid="document-form"' in page
    response = client.post(f"/census/persons/{person.pk}/documents/", {"id_type": "hk_macao_permit", "id_number": "H88888888"}, follow=True)
    assert "已关联证件" in response.content.decode() and "H8*****88" in response.content.decode()
    document = person.documents.get()
    client.post(f"/census/persons/{person.pk}/documents/{document.pk}/remove/")
    assert not person.documents.exists()
    refused = client.post(f"/census/persons/{person.pk}/documents/", {"id_type": "hk_macao_permit", "id_number": "X1"}, follow=True)
    assert "H 或 M 加 8 位或 10 位数字" in refused.content.decode()


# ---------------------------------------------------------------- units the directory lacks


def test_new_units_are_listed_and_created_only_when_confirmed(tonghai_official, campaign, tmp_path, client_for):
    rows = [
        ["甲", "", "", "", valid_id(801), "侨眷", "530423101", "通海县侨乡食品有限公司", ""],
        ["乙", "", "", "", valid_id(802), "侨眷", "530423102", "通海县侨乡食品有限公司", ""],
        ["丙", "", "", "", valid_id(803), "侨眷", "530423101", "河西镇第二中学", ""],
    ]
    path = files.write_csv(tmp_path / "units.csv", HEADER, rows)
    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)
    assert (record.new, record.invalid) == (3, 0)
    listed = [(u["name"], u["kind"], u["region_code"], u["rows"]) for u in record.reading["new_units"]]
    # the place holding every row naming it (two townships: the county), the kind read from the name
    assert listed == [("通海县侨乡食品有限公司", "enterprise", "530423", 2), ("河西镇第二中学", "school", "530423101", 1)]
    page = client_for(tonghai_official).get(f"/census/imports/{record.pk}/").content.decode()
    assert "将新建 2 个单位" in page and 'data-testid="create-units"' in page

    refused = census_import_run(record=record, commit=True)
    assert refused.status == ImportStatus.REJECTED and not Unit.objects.filter(name__contains="侨乡食品").exists()
    assert {e["row"] for e in refused.errors} == {2, 3, 4}

    again = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)
    committed = census_import_request(record=again, user=tonghai_official, commit=True, create_units=True)
    assert committed.status == ImportStatus.COMMITTED and committed.message == "已新建 2 个单位"
    food = Unit.objects.get(name="通海县侨乡食品有限公司")
    assert food.region.code == "530423" and food.persons.count() == 2
    assert Headcount.objects.filter(unit=food, campaign=campaign).values_list("count", flat=True).get() == 2


def test_the_command_line_creates_units_when_told(tonghai_official, campaign, tmp_path):
    path = files.write_csv(tmp_path / "units.csv", HEADER, [["甲", "", "", "", valid_id(811), "侨眷", "530423101", "新商会", ""]])
    out = io.StringIO()
    call_command("import_census", str(path), "--campaign", "2026", "--user", "tonghai_official", "--dry-run", stdout=out)
    assert "将新建 1 个单位（确认时加 --create-units）：新商会" in out.getvalue()
    call_command("import_census", str(path), "--campaign", "2026", "--user", "tonghai_official", "--create-units", stdout=io.StringIO())
    assert Unit.objects.get(name="新商会").kind == "social_organization"


def test_the_api_registers_a_passport_holder_and_filters_by_document_type(tonghai_official, api_client_for):
    api = api_client_for(tonghai_official)
    missing = api.post("/api/persons/", {"name": "护照人", "id_type": "passport", "id_number": "E99999999", "category": "overseas", "region": "530423"}, format="json")
    assert missing.status_code == 400 and set(missing.json()) == {"gender", "birth_date", "country"}
    created = api.post("/api/persons/", {
        "name": "护照人", "id_type": "passport", "id_number": "e9999 9999", "category": "overseas", "region": "530423",
        "gender": "F", "birth_date": "1988-08-08", "country": "泰国",
    }, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["id_type"], created.json()["id_number_masked"]) == ("passport", "E9*****99")
    assert "E99999999" not in created.content.decode()
    assert api.get("/api/persons/", {"id_type": "resident_id"}).json()["count"] == 0



# ---------------------------------------------------------------- everything at once, as a county office sends it


def test_one_office_workbook_with_every_feature_imports_exactly_its_valid_rows(tonghai_official, campaign, tmp_path):
    """Title and 填报单位 rows, a two-row header with merged group cells, columns we do not keep, 证件类型, birth
    months, places by name, a unit to create, a 合计 row and 填表说明 under the table, and a second sheet."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "河西镇"
    sheet.append(["通海县2026年侨情调查登记表"])
    sheet.merge_cells("A1:J1")
    sheet.append(["填报单位：河西镇侨联（盖章）", None, None, None, None, "填报日期：2026年5月1日"])
    sheet.append(["序号", "基本情况", None, None, "证件", None, "类别", "居住地", "工作单位", "民族", "侨居国"])
    sheet.merge_cells("B3:D3")
    sheet.merge_cells("E3:F3")
    sheet.append([None, "姓名", "性别", "出生年月", "证件类型", "证件号码", None, None, None, None, None])
    first = valid_id(901)
    sheet.append([1, "甲", "", f"{first[6:10]}.{first[10:12]}", "", first, "侨眷", "河西镇", "", "汉", ""])
    sheet.append([2, "乙", "男", "1980-01-02", "护照", "E10000001", "华侨", "大回村", "河西镇侨乡商会", "汉", "泰国"])
    sheet.append([3, "丙", "女", "1975年6月7日", "台胞证", "10000002", "归侨", "通海县河西镇", "河西镇侨乡商会", "回", ""])
    sheet.append([4, "丁", "女", "", "护照", "E10000003", "华侨", "河西镇", "", "汉", "缅甸"])  # no birth date: invalid
    sheet.append(["合计", None, None, None, None, None, "4人"])
    sheet.append(["填表说明：证件号码请设为文本格式。"])
    other = book.create_sheet("纳古镇")
    other.append(["姓名", "证件号码", "类别", "居住地"])
    other.append(["戊", valid_id(902), "侨眷", "纳古镇"])
    path = tmp_path / "通海县侨情.xlsx"
    book.save(path)

    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)
    assert record.status == ImportStatus.PREVIEWED, record.message
    assert (record.reading["sheet"], record.reading["header_row"], record.reading["sheets"]) == ("河西镇", 4, ["河西镇", "纳古镇"])
    assert record.reading["skipped"] == {"total": [9], "note": [10]}
    assert "序号" in record.message and "民族" in record.message
    assert [(e["row"], e["column"], e["value"]) for e in record.errors] == [(8, "出生日期", "")]
    assert (record.rows, record.new, record.invalid) == (4, 3, 1)
    assert [(u["name"], u["kind"], u["rows"]) for u in record.reading["new_units"]] == [("河西镇侨乡商会", "social_organization", 2)]

    committed = census_import_request(record=record, user=tonghai_official, commit=True, valid_only=True, create_units=True)
    assert committed.status == ImportStatus.COMMITTED and committed.new == 3
    people = {p.name: p for p in Person.objects.select_related("region", "unit")}
    assert set(people) == {"甲", "乙", "丙"}
    assert people["甲"].birth_date.strftime("%Y%m%d") == first[6:14] and people["甲"].region.code == "530423101"
    assert people["乙"].unit == people["丙"].unit and people["乙"].unit.name == "河西镇侨乡商会"
    assert (people["丙"].id_type, people["丙"].birth_date) == ("taiwan_permit", dt.date(1975, 6, 7))
