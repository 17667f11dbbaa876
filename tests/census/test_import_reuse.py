"""The fast paths of the census import: the commit starts from what the preview found (and re-checks
only what depends on the registry or may have changed), and the column-wise validation accepts only
rows `validate_row` accepts, with the very same values."""
from __future__ import annotations

import datetime as dt
import hashlib
import random
from base64 import urlsafe_b64encode
from pathlib import Path

import pytest
from cryptography.fernet import InvalidToken
from django.core.files import File

from census.importing import pipeline
from census.importing.checked import checked_path
from census.importing.columnar import fast_rows
from census.importing.models import CensusImport, ImportStatus
from census.importing.pipeline import ImportScope, validate_row
from census.importing.services import census_import_run, census_import_upload
from census.registry.models import Campaign, DocumentType, Person, PersonEvent
from census.registry.services import person_create
from orgs.common import crypto
from orgs.regions.models import Region
from orgs.units.models import Unit
from tests.census import import_files as files
from tests.census.factories import import_record
from tests.census.import_files import HEADERS, SHORT_HEADERS, row

HUANING_MESSAGE = "此人已在云南省玉溪市华宁县登记，请联系该县办理迁移"


# Uploaded files and error reports go to the test's own directory (conftest.media_dir), not var/media.
pytestmark = pytest.mark.usefixtures("media_dir")


@pytest.fixture
def places(db):
    codes = {"hexi": "530423101", "nagu": "530423102", "huaning": "530424"}
    return {key: Region.objects.get(code=code) for key, code in codes.items()}


def upload(user, path: Path, campaign: Campaign) -> CensusImport:
    with open(path, "rb") as handle:
        return census_import_upload(user=user, uploaded_file=File(handle, name=path.name), campaign=campaign)


def good_sheet(tmp_path, numbers, *, name="ok.csv", unit=""):
    rows = [row(姓名=f"人{i}", 身份证号码=n, 类别="侨眷", 居住地区划代码="530423101", 工作单位=unit) for i, n in enumerate(numbers)]
    return files.write_csv(tmp_path / name, SHORT_HEADERS, rows)


def without_validation(monkeypatch) -> None:
    """From here on any validation of a file fails the test: a commit must start from the preview."""
    monkeypatch.setattr(pipeline, "_validate_file", lambda *a, **k: pytest.fail("the file was validated again"))


def counting_validation(monkeypatch) -> list[int]:
    calls: list[int] = []
    original = pipeline._validate_file

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_validate_file", counting)
    return calls


@pytest.mark.django_db
def test_the_commit_uses_the_rows_the_preview_validated(tonghai_official, campaign, places, tmp_path, monkeypatch):
    numbers = files.ids("530423", 4, seed=31)
    sheet = good_sheet(tmp_path, numbers)
    record = census_import_run(record=upload(tonghai_official, sheet, campaign), commit=False)
    assert record.status == ImportStatus.PREVIEWED and record.new == 4
    assert record.checksum == hashlib.sha256(Path(sheet).read_bytes()).hexdigest()  # of the content, taken at upload
    kept = checked_path(Path(record.file.path))
    assert kept.exists() and numbers[0].encode() not in kept.read_bytes()  # sealed, IDs not in the clear

    without_validation(monkeypatch)
    record = census_import_run(record=record, commit=True)

    assert (record.status, record.new, record.invalid) == (ImportStatus.COMMITTED, 4, 0)
    people = Person.objects.order_by("name")
    assert [p.name for p in people] == ["人0", "人1", "人2", "人3"]
    assert {p.region for p in people} == {places["hexi"]} and {p.category for p in people} == {"relative"}
    first = Person.objects.get(name="人0")
    assert first.birth_date == dt.date(int(numbers[0][6:10]), int(numbers[0][10:12]), int(numbers[0][12:14]))
    assert first.gender == ("M" if int(numbers[0][16]) % 2 else "F")
    assert {p.registered_by_import_id for p in people} == {record.pk}
    assert not PersonEvent.objects.exists()  # registrations are read from the record, not one row each
    assert not kept.exists()  # spent with the commit


@pytest.mark.django_db
def test_a_file_changed_after_the_preview_is_refused(tonghai_official, campaign, places, tmp_path):
    record = census_import_run(record=upload(tonghai_official, good_sheet(tmp_path, files.ids("530423", 3, seed=32)), campaign), commit=False)
    other = good_sheet(tmp_path, files.ids("530423", 3, seed=33), name="other.csv")
    Path(record.file.path).write_bytes(other.read_bytes())

    record = census_import_run(record=record, commit=True)

    assert record.status == ImportStatus.FAILED
    assert record.message == "文件在上传后被改动（校验值不符），未写入任何数据：请重新上传"
    assert Person.objects.count() == 0 and PersonEvent.objects.count() == 0


@pytest.mark.django_db
def test_altered_findings_are_not_trusted(tonghai_official, campaign, places, tmp_path):
    numbers = files.ids("530423", 3, seed=34)
    record = census_import_run(record=upload(tonghai_official, good_sheet(tmp_path, numbers), campaign), commit=False)
    kept = checked_path(Path(record.file.path))
    sealed = bytearray(kept.read_bytes())
    sealed[len(sealed) // 2] ^= 1
    kept.write_bytes(bytes(sealed))

    record = census_import_run(record=record, commit=True)  # validates the file again instead

    assert (record.status, record.new) == (ImportStatus.COMMITTED, 3)
    assert sorted(Person.objects.values_list("name", flat=True)) == ["人0", "人1", "人2"]


@pytest.mark.django_db
def test_a_person_registered_elsewhere_after_the_preview_is_refused(tonghai_official, huaning_official, campaign, places, tmp_path, monkeypatch):
    numbers = files.ids("530423", 3, seed=35)
    record = census_import_run(record=upload(tonghai_official, good_sheet(tmp_path, numbers), campaign), commit=False)
    assert (record.status, record.new, record.invalid) == (ImportStatus.PREVIEWED, 3, 0)
    person_create(editor=huaning_official, name="华宁某人", id_number=numbers[1], category="relative", region=places["huaning"])
    before = Person.objects.count(), PersonEvent.objects.count()
    validated = counting_validation(monkeypatch)

    record = census_import_run(record=record, commit=True)

    # the optimistic insert of the "new" rows meets the unique ID: rolled back, the file checked again
    assert validated == [1]
    assert record.status == ImportStatus.REJECTED and record.invalid == 1
    assert [(e["row"], e["column"], e["reason"]) for e in record.errors] == [(3, "证件号码", HUANING_MESSAGE)]
    assert (Person.objects.count(), PersonEvent.objects.count()) == before  # all-or-nothing still


@pytest.mark.django_db
def test_a_row_already_in_the_registry_after_the_preview_is_an_update(tonghai_official, campaign, places, tmp_path, monkeypatch):
    numbers = files.ids("530423", 2, seed=36)
    record = census_import_run(record=upload(tonghai_official, good_sheet(tmp_path, numbers), campaign), commit=False)
    person_create(editor=tonghai_official, name="人0", id_number=numbers[0], category="returned", region=places["nagu"])
    validated = counting_validation(monkeypatch)

    record = census_import_run(record=record, commit=True)

    assert validated == [1]  # registered since the preview: found by the unique ID, the file checked again

    assert (record.status, record.new, record.updated) == (ImportStatus.COMMITTED, 1, 1)
    moved = Person.objects.get(name="人0")
    assert (moved.category, moved.region) == ("relative", places["hexi"])


@pytest.mark.django_db
def test_people_registered_at_preview_time_are_looked_up_again(tonghai_official, huaning_official, campaign, places, tmp_path, monkeypatch):
    """Known at the preview (an update then), transferred to 华宁县 before the commit: refused, without re-validation."""
    numbers = files.ids("530423", 2, seed=41)
    person = person_create(editor=tonghai_official, name="人0", id_number=numbers[0], category="returned", region=places["nagu"])
    record = census_import_run(record=upload(tonghai_official, good_sheet(tmp_path, numbers), campaign), commit=False)
    assert (record.new, record.updated) == (1, 1)
    Person.objects.filter(pk=person.pk).update(region=places["huaning"])
    without_validation(monkeypatch)

    record = census_import_run(record=record, commit=True)

    assert record.status == ImportStatus.REJECTED
    assert [(e["row"], e["reason"]) for e in record.errors] == [(2, HUANING_MESSAGE)]
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_a_scope_change_after_the_preview_validates_again(tonghai_official, campaign, places, tmp_path):
    """A second unit of the same name appears between preview and commit: the name is now ambiguous."""
    Unit.objects.create(name="通海县第一中学", kind="school", region=places["hexi"])
    path = good_sheet(tmp_path, files.ids("530423", 2, seed=37), unit="通海县第一中学")
    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)
    assert (record.new, record.invalid) == (2, 0)
    Unit.objects.create(name="通海县第一中学", kind="school", region=places["nagu"])

    record = census_import_run(record=record, commit=True)

    assert record.status == ImportStatus.REJECTED and record.invalid == 2
    assert {e["reason"] for e in record.errors} == {"有 2 个同名单位，请在单位名录中区分名称"}
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_a_commit_on_another_day_validates_again(tonghai_official, campaign, places, tmp_path):
    path = good_sheet(tmp_path, files.ids("530423", 2, seed=38))
    keep = tmp_path / "kept.checked"
    checksum = "0" * 64
    outcome = pipeline.run_census_import(
        path, path.name, user=tonghai_official, campaign=campaign, commit=False, keep=keep, checksum=checksum, today=dt.date(2026, 3, 1)
    )
    assert outcome.new == 2 and keep.exists()
    calls = []
    original = pipeline._validate_file

    def counting(*args, **kwargs):
        calls.append(kwargs["today"])
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "_validate_file", counting)
        pipeline.run_census_import(
            path, path.name, user=tonghai_official, campaign=campaign, commit=True, record=import_record(tonghai_official, campaign), keep=keep, checksum=checksum, today=dt.date(2026, 3, 2)
        )
    assert calls == [dt.date(2026, 3, 2)]
    assert Person.objects.count() == 2


@pytest.mark.django_db
def test_a_key_or_cipher_change_after_the_preview_validates_again(tonghai_official, campaign, places, tmp_path, settings, monkeypatch):
    """The kept ID hashes are of the scheme current at preview time: after a change of key or cipher the commit
    validates again, so the new people are stored under the new scheme's hash and found by it (and rotate_keys has
    nothing to rewrite), not under the old key's hash, which would be lost once that key is retired."""
    old, new = urlsafe_b64encode(b"p" * 32).decode(), urlsafe_b64encode(b"q" * 32).decode()
    settings.FIELD_KEYS, settings.FIELD_CIPHER = old, "aes"
    numbers = files.ids("530423", 3, seed=41)
    record = census_import_run(record=upload(tonghai_official, good_sheet(tmp_path, numbers), campaign), commit=False)
    assert record.status == ImportStatus.PREVIEWED

    settings.FIELD_KEYS, settings.FIELD_CIPHER = f"{new},{old}", "sm4"
    calls = counting_validation(monkeypatch)
    record = census_import_run(record=record, commit=True)

    assert record.status == ImportStatus.COMMITTED and calls == [1]
    current = crypto.current_prefix()
    assert all(token.startswith(current) for token in Person.objects.values_list("id_number_encrypted", flat=True))
    settings.FIELD_KEYS = new  # the old key retired: every person is still found by their number
    for number in numbers:
        assert Person.objects.filter(id_number_hash=crypto.lookup_hash(number)).exists()


@pytest.mark.django_db
def test_valid_only_commit_from_the_preview_keeps_the_errors(tonghai_official, campaign, places, tmp_path, monkeypatch):
    numbers = files.ids("530423", 3, seed=39)
    rows = [
        row(姓名="甲", 身份证号码=numbers[0], 类别="侨眷", 居住地区划代码="530423101"),
        row(姓名="乙", 身份证号码=numbers[1], 类别="侨胞家属", 居住地区划代码="530423101"),
        row(姓名="丙", 身份证号码=numbers[2], 类别="归侨", 居住地区划代码="530423102", 出生日期=dt.date(1900, 1, 1)),
    ]
    path = files.write_xlsx(tmp_path / "mixed.xlsx", SHORT_HEADERS, rows)
    record = census_import_run(record=upload(tonghai_official, path, campaign), commit=False)
    assert record.invalid == 2
    without_validation(monkeypatch)

    record = census_import_run(record=record, commit=True, valid_only=True)

    assert (record.status, record.new, record.invalid) == (ImportStatus.COMMITTED, 1, 2)
    assert [(e["row"], e["column"]) for e in record.errors] == [(3, "类别"), (4, "出生日期")]
    assert list(Person.objects.values_list("name", flat=True)) == ["甲"]
    from openpyxl import load_workbook

    report = load_workbook(record.error_report.open("rb")).active
    cells = {r[0].value: [c.value for c in r] for r in report.iter_rows(min_row=2)}
    assert set(cells) == {3, 4}
    assert cells[4][3] == dt.datetime(1900, 1, 1)  # the date cell as uploaded, kept through the findings file


# ---------------------------------------------------------------- column-wise validation = validate_row


TRICKY = {
    "姓名": ["张三", " 李四 ", "王　五", "A" * 64, "B" * 65, "", None, "赵\t六", "钱  七", "孙\x07八", "ＡＢ", "x\uffffy", "周 吴"],
    "性别": ["", "男", "女", "M", "f", "Male", "男 ", "未知", None, "ｍ"],
    "证件类型": ["", "", "", "居民身份证", "身份证", "护照", "台胞证", "港澳通行证", "外国人永久居留身份证", "港澳台居民居住证", "其他", "驾驶证", None, " 护 照 "],
    "出生日期": ["", None, "1980-05-06", "1980/5/6", "1980年5月6日", "19800506", "2001/2/30", "去年", 29347, 29347.0,
                 dt.datetime(1980, 5, 6), dt.date(1980, 5, 6), "1980-05-06 00:00:00", True, " 1980-05-06"],
    "类别": ["侨眷", "归侨", "华侨", " 侨眷", "侨胞家属", "", "relative", "留学 人员", None],
    "居住地区划代码": ["530423101", "530423102", "530423", "530424", "530423999", "云南省玉溪市通海县纳古镇", " 530423101", "５３０４２３１０１", ""],
    "工作单位": ["", "通海县第一中学", "不存在的单位", "同名单位", " 通海县第一中学"],
    "侨居国(地区)": ["", "美国", "泰国 ", "X" * 70],
    "联系电话": ["", "13912345678", "+8613912345678", "'+8613912345678", "139-1234-5678", "１３９ １２３４ ５６７８", "打电话", "1234", 13912345678, 13912345678.0],
    "困难群众": ["", "是", "否", "YES", "n", "也许", None, 1, 0.0],
    "留守儿童": ["", "是", "√"],
    "空巢老人": ["", "否", "×"],
    "高层次人才": ["", "TRUE"],
    "新侨": ["", "无", "有"],
    "备注": ["", "备注", "=1+1", "'=1+1", "'-减号", "'普通撇号", "'", "说明\n两行", "Z" * 2100],
}


def _ids_pool(seed: int) -> list[object]:
    good = files.ids("530423", 30, seed=seed)
    born = files.id_born("530423", dt.date(1980, 5, 6), sequence=123)
    return [
        *good, born, born.lower(), born[:17] + ("0" if born[17] != "0" else "1"), " " + good[0], good[1][:6] + " " + good[1][6:],
        "11010519990230002X", "990105198001010011", "53042318790101001X", "530423" + "2999" + "0101" + "0011", float(good[2][:17]),
        int(good[3][:15]), "５３０４２３" + good[4][6:], "", None, good[5][:17], good[6] + "1", born.replace("1", "١", 1),
        "E12345678", "h12345678", "12345678", "USA123456789012", "830000198001010018", "A-1",
        "G1234567", files.id_born("953123", dt.date(2030, 1, 1), 63), files.id_born("810000", dt.date(1975, 3, 4), 41),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("header", [HEADERS, SHORT_HEADERS, ["身份证号码", "居住地", "类别", "姓名", "出生年月日"]], ids=["all", "short", "reordered"])
def test_the_column_wise_check_agrees_with_validate_row(tonghai_official, places, header):
    from census.importing.columns import map_headers

    Unit.objects.create(name="通海县第一中学", kind="school", region=places["hexi"])
    Unit.objects.create(name="同名单位", kind="school", region=places["hexi"])
    Unit.objects.create(name="同名单位", kind="school", region=places["nagu"])
    rng = random.Random(2026)
    ids_pool = _ids_pool(40)
    positions, _ignored = map_headers(list(header))
    scope = ImportScope(tonghai_official)
    today = dt.date(2026, 3, 1)
    rows: list[list[object]] = []
    region_title = "居住地区划代码" if "居住地区划代码" in header else "居住地"
    id_title = "证件号码" if "证件号码" in header else "身份证号码"
    synonyms = {"居住地": "居住地区划代码", "出生年月日": "出生日期"}
    numbers_of = {  # valid numbers (as typed, some untidily) of each document
        "护照": ["E98765432", " e 5566778 ", "Ｅ１２３４５６７８"], "台胞证": ["87654321"], "港澳通行证": ["H1234567890", "m12345678"],
        "外国人永久居留身份证": ["ABC123456789012", files.id_born("953123", dt.date(1968, 7, 8), 63)],
        "港澳台居民居住证": [files.id_born("810000", dt.date(1975, 3, 4), 41), files.id_born("830000", dt.date(1990, 12, 31), 52)],
        "其他": ["X-2024-001"], "居民身份证": ids_pool[:3],
    }
    for n in range(1500):
        if n % 3 == 0:  # a plain row: valid unless its ID is one of the bad ones
            given = {"姓名": f"人{n}", id_title: ids_pool[n % len(ids_pool)], "类别": "侨眷", region_title: "530423101"}
            cells = [given.get(title, "") for title in header]
        elif n % 3 == 1 and n % 2 == 0:  # a plain row of a document, each fact given or left out by turns
            document = rng.choice(list(numbers_of))
            given = {
                "姓名": f"人{n}", "证件类型": document, id_title: rng.choice([*numbers_of[document], rng.choice(ids_pool)]), "类别": "华侨",
                region_title: "530423101", "性别": rng.choice(["女", "男", "", "未知"]),
                "出生日期": rng.choice(["1970-01-02", dt.datetime(1975, 3, 4), "1990/12/31", "", "1965.03", "2027-01-01", "1879-12-31", "1900-01-01"]),
                "侨居国(地区)": rng.choice(["美国", "", " 泰国"]),
            }
            cells = [given.get(synonyms.get(title, title), "") for title in header]
        else:  # every cell drawn from the tricky values of its column
            cells = [rng.choice(ids_pool) if title == id_title else rng.choice(TRICKY[synonyms.get(title, title)]) for title in header]
        if n % 7 == 0:
            cells = cells[: rng.randrange(len(cells) + 1)]  # short rows: missing trailing cells
        rows.append(cells)

    checked = fast_rows(rows, positions, scope, today)

    accepted = 0
    accepted_types: set[str] = set()
    for index, cells in enumerate(rows):
        values, id_number, errors = validate_row(index + 2, list(cells), positions, scope, today)
        plain = checked.plain(index)
        if plain is None:
            continue
        accepted += 1
        accepted_types.add(values["id_type"])
        assert errors == [], (cells, errors)
        assert plain == (id_number, values), cells
    assert accepted >= 250  # most plain rows (a good ID, full length) do take the fast path
    if "证件类型" in header:  # a valid row of any document, not only of a resident ID, is decided column-wise
        assert accepted_types == set(DocumentType.values)


def test_a_plain_column_is_not_copied_and_an_unclean_one_is_cleaned():
    from census.importing.columnar import clean_column
    from census.importing.values import clean_text

    plain = ["张三", "李 四", "a"]
    assert clean_column(plain) is plain
    for unclean in ([" 张三"], ["李  四"], ["a\nb"], ["ＡＢ"], ["\xa0x"], ["x\uffffy ", "z"], ["a", None], ["a", 1.0], ["'=1", "b"], ["a", "'+86"]):
        assert clean_column(unclean) == [clean_text(v) for v in unclean]
    # the apostrophe exports put before formula-like text comes off; any other stays
    assert [clean_text(v) for v in ("'=1+1", "'+86139", "'-x", "'@a", "'普通", "'", "a'=b")] == ["=1+1", "+86139", "-x", "@a", "'普通", "'", "a'=b"]
    # every white-space character, alone, doubled, at either end: the column check agrees with clean_text
    spaces = [chr(c) for c in range(0x3001) if chr(c).isspace() or chr(c) in "\x00\x7f"]
    for space in spaces:
        for cells in ([f"a{space}b", "c"], [f"{space}a", "b"], ["a", f"b{space}"], [f"a{space}{space}b"]):
            assert clean_column(cells) == [clean_text(v) for v in cells], repr(cells)


# ---------------------------------------------------------------- resident ID tokens


def test_new_tokens_are_versioned_and_old_fernet_tokens_still_open(settings):
    from cryptography.fernet import Fernet

    from orgs.common import crypto

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.RESIDENT_ID_KEY = old_key
    legacy = Fernet(old_key.encode()).encrypt(b"53042319800506123X").decode()  # as stored before
    encrypt, keyed_hash = crypto.encryptor()
    current = encrypt("53042319800506123X")
    assert current.startswith("aesgcm:") and not legacy.startswith("aesgcm")
    assert crypto.decrypt_text(legacy) == crypto.decrypt_text(current) == "53042319800506123X"
    assert crypto.encrypt_text("x") != crypto.encrypt_text("x")  # a fresh nonce each time
    assert keyed_hash("53042319800506123X") == crypto.lookup_hash("53042319800506123X")

    settings.RESIDENT_ID_KEY = f"{new_key},{old_key}"  # rotation: the new key first, the old one still reads
    assert crypto.decrypt_text(legacy) == crypto.decrypt_text(current) == "53042319800506123X"
    assert crypto.decrypt_text(crypto.encrypt_text("abc")) == "abc"
    # the new key hashes from now on; the hash written under the old one is still looked for (until rotate_keys)
    assert crypto.lookup_hash("53042319800506123X") != keyed_hash("53042319800506123X")
    assert keyed_hash("53042319800506123X") in crypto.lookup_hashes("53042319800506123X")

    settings.RESIDENT_ID_KEY = new_key  # the old key retired: its tokens no longer open
    with pytest.raises(InvalidToken):
        crypto.decrypt_text(current)


def test_sealed_blobs_refuse_alteration(settings):
    from orgs.common import crypto

    sealed = crypto.seal_bytes(b"rows" * 1000)
    assert crypto.open_bytes(sealed) == b"rows" * 1000 and b"rows" not in sealed
    altered = bytearray(sealed)
    altered[-1] ^= 1
    for bad in (bytes(altered), sealed[:20], b"", b"QLS1" + b"\0" * 40):
        with pytest.raises(crypto.CryptoError):
            crypto.open_bytes(bad)
