"""Importing the unit directory from a spreadsheet (issue 15 §3): 单位名称, 单位类别, 所在区划, 统一社会信用代码 (GB 32100),
两新组织. The preview writes nothing and says, per row, what is wrong (row, column, value, why); the commit is
all-or-nothing unless the user chose the valid rows only; rows match existing units by credit code or by name in
their region. Files are read as census files are: title rows above the header, .xls, GBK CSV."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
import xlwt
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from census.importing.columns import HeaderError
from census.importing.models import ImportStatus, UnitImport
from census.importing.services import unit_import_commit, unit_import_preview, unit_import_upload
from census.importing.units import unit_import_check
from orgs.common.audit import AuditEvent
from orgs.common.identifiers import uscc_check_char
from orgs.units.models import Unit, UnitKind
from tests.census import import_files as files
from tests.census.factories import UnitFactory
from tests.factories import RegionFactory, region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_dir")]

HEADER = ["单位名称", "单位类别", "所在区划", "统一社会信用代码", "两新组织"]


def uscc(first16: str) -> str:
    first17 = first16 + "0"
    return first17 + uscc_check_char(first17)


GOOD_CODE = uscc("91530423MA6K1001")
BAD_CODE = GOOD_CODE[:-1] + ("1" if GOOD_CODE[-1] != "1" else "2")


@pytest.fixture
def town():
    return RegionFactory(parent=region("530423"), name="导入测试镇")


@pytest.fixture
def existing(town):
    """Two units already in the directory: one found again by its name in its region, one by its credit code."""
    return {
        "by_name": UnitFactory(name="导入老厂", kind=UnitKind.ENTERPRISE, region=town),
        "by_code": UnitFactory(name="导入旧名公司", kind=UnitKind.ENTERPRISE, region=town, credit_code=uscc("91530423MA6K1002")),
        "same": UnitFactory(name="导入不变学校", kind=UnitKind.SCHOOL, region=town),
    }


def mixed_rows(town) -> list[list[object]]:
    return [
        ["导入第一中学", "", town.code, "", ""],                              # 2: new, kind from its name (学校)
        ["导入商会", "社会组织", town.full_name, GOOD_CODE, ""],                # 3: new, 两新 from its kind
        ["导入老厂", "非公有制经济组织", town.code, "", "是"],                   # 4: update by name: kind, 两新
        ["导入新名公司", "", town.code, uscc("91530423MA6K1002"), ""],          # 5: update by code: the name
        ["导入不变学校", "学校", town.code, "", ""],                             # 6: unchanged
        ["导入错码公司", "企业", town.code, BAD_CODE, ""],                       # 7: bad credit code
        ["导入无名地公司", "企业", "不存在的地方", "", ""],                        # 8: unknown place
        ["导入华宁公司", "企业", "530424", "", ""],                              # 9: outside the scope
        ["导入怪类公司", "奇怪类别", town.code, "", "也许"],                      # 10: unknown kind, bad yes/no
        ["导入第一中学", "学校", town.code, "", ""],                             # 11: repeats row 2
    ]


def upload(user, path: Path, region_=None) -> UnitImport:
    with path.open("rb") as handle:
        return unit_import_upload(user=user, uploaded_file=SimpleUploadedFile(path.name, handle.read()), region=region_)


def errors_by_row(record: UnitImport) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    for error in record.errors:
        grouped.setdefault(error["row"], []).append(error)
    return grouped


def test_the_preview_counts_and_explains_every_row_and_writes_nothing(tonghai_official, town, existing, tmp_path):
    path = files.write_xlsx(tmp_path / "单位.xlsx", HEADER, mixed_rows(town))
    before = list(Unit.objects.order_by("pk").values_list())

    record = unit_import_preview(record=upload(tonghai_official, path), user=tonghai_official)

    assert record.status == ImportStatus.PREVIEWED
    assert (record.rows, record.new, record.updated, record.unchanged, record.invalid) == (10, 2, 2, 1, 5)
    assert list(Unit.objects.order_by("pk").values_list()) == before
    errors = errors_by_row(record)
    assert errors[7] == [{"row": 7, "column": "统一社会信用代码", "value": BAD_CODE, "reason": errors[7][0]["reason"]}]
    assert "校验位" in errors[7][0]["reason"]
    assert errors[8][0]["column"] == "所在区划" and errors[8][0]["value"] == "不存在的地方" and "不存在" in errors[8][0]["reason"]
    assert errors[9][0]["value"] == "530424" and "不在您的管辖范围内" in errors[9][0]["reason"]
    assert {e["column"] for e in errors[10]} == {"单位类别", "两新组织"}
    assert "第 2 行" in errors[11][0]["reason"]
    planned = {p["row"]: p for p in record.planned}
    assert planned[2]["kind"] == UnitKind.SCHOOL and planned[2]["kind_inferred"]
    assert planned[5]["action"] == "update" and planned[5]["changes"] == ["单位名称"]
    assert set(planned) == {2, 3, 4, 5}
    report = openpyxl.load_workbook(io.BytesIO(record.error_report.read())).active
    reported = {row[0]: row[-1] for row in report.iter_rows(min_row=2, values_only=True)}
    assert set(reported) == {7, 8, 9, 10, 11} and "统一社会信用代码" in reported[7]


def test_commit_is_all_or_nothing_unless_the_valid_rows_are_chosen(tonghai_official, town, existing, tmp_path):
    path = files.write_xlsx(tmp_path / "单位.xlsx", HEADER, mixed_rows(town))
    record = unit_import_preview(record=upload(tonghai_official, path), user=tonghai_official)
    before = list(Unit.objects.order_by("pk").values_list())

    refused = unit_import_commit(record=record, user=tonghai_official)
    assert refused.status == ImportStatus.REJECTED and "5 行无效" in refused.message
    assert list(Unit.objects.order_by("pk").values_list()) == before

    record = unit_import_preview(record=upload(tonghai_official, path), user=tonghai_official)
    done = unit_import_commit(record=record, user=tonghai_official, valid_only=True)
    assert done.status == ImportStatus.COMMITTED
    school = Unit.objects.get(name="导入第一中学")
    assert school.kind == UnitKind.SCHOOL and school.region == town and not school.is_two_new
    chamber = Unit.objects.get(name="导入商会")
    assert chamber.is_two_new and chamber.credit_code == GOOD_CODE and chamber.region == town  # a place by its full name
    existing["by_name"].refresh_from_db()
    assert existing["by_name"].kind == UnitKind.NON_PUBLIC_ECONOMY and existing["by_name"].is_two_new
    existing["by_code"].refresh_from_db()
    assert existing["by_code"].name == "导入新名公司"
    assert not Unit.objects.filter(name__in=["导入错码公司", "导入无名地公司", "导入华宁公司", "导入怪类公司"]).exists()
    entry = LogEntry.objects.get(additional_data__event=AuditEvent.IMPORT, object_pk=str(done.pk))
    assert entry.actor == tonghai_official and entry.additional_data["new"] == 2 and entry.additional_data["updated"] == 2


def test_a_clean_file_is_committed_and_coverage_follows(tonghai_official, town, tmp_path, django_capture_on_commit_callbacks):
    from census.coverage.models import Requirement
    from census.coverage.services import policies_load

    policies_load()
    path = files.write_csv(tmp_path / "单位.csv", HEADER, [["导入干净公司", "企业", town.code, "", ""]], encoding="gbk")
    record = unit_import_preview(record=upload(tonghai_official, path), user=tonghai_official)
    assert (record.new, record.invalid) == (1, 0) and record.reading["encoding"] == "gbk"
    with django_capture_on_commit_callbacks(execute=True):
        assert unit_import_commit(record=record, user=tonghai_official).status == ImportStatus.COMMITTED
    assert Requirement.objects.filter(unit__name="导入干净公司").exists()


def test_an_xls_with_a_title_row_and_a_totals_row(tonghai_official, town, tmp_path):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("单位名录")
    rows = [["通海县单位名录（2026年）"], ["填报单位：通海县侨联"], HEADER,
            ["旧版表格公司", "企业", town.code, "", "否"], ["旧版表格学校", "学校", town.code, "", ""], ["合计", "2个"]]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            sheet.write(r, c, value)
    path = tmp_path / "单位名录.xls"
    book.save(str(path))

    record = unit_import_preview(record=upload(tonghai_official, path), user=tonghai_official)

    assert record.status == ImportStatus.PREVIEWED, record.message
    assert (record.rows, record.new, record.invalid) == (2, 2, 0)
    assert record.reading["header_row"] == 3 and record.reading["skipped"] == {"total": [6]}


def test_a_file_without_the_required_columns_fails_with_the_reason(tonghai_official, tmp_path):
    path = files.write_csv(tmp_path / "错表.csv", ["名字", "地方"], [["某公司", "530423"]])
    with pytest.raises(HeaderError) as error:
        unit_import_check(path, path.name, user=tonghai_official)
    assert "单位名称" in str(error.value) and "所在区划" in str(error.value)
    record = unit_import_preview(record=upload(tonghai_official, path), user=tonghai_official)
    assert record.status == ImportStatus.FAILED and "缺少必需的列" in record.message


def test_a_code_held_outside_the_scope_is_refused_without_naming_the_unit(tonghai_official, town, tmp_path):
    UnitFactory(name="华宁保密公司", region=region("530424"), credit_code=uscc("91530424MA6K1003"))
    path = files.write_csv(tmp_path / "单位.csv", HEADER, [["导入抢码公司", "企业", town.code, uscc("91530424MA6K1003"), ""]])
    record = unit_import_preview(record=upload(tonghai_official, path), user=tonghai_official)
    assert record.invalid == 1 and "管辖范围以外" in record.errors[0]["reason"]
    assert "华宁保密公司" not in str(record.errors)


def test_the_import_region_narrows_the_places(tonghai_official, town, tmp_path):
    other = RegionFactory(parent=region("530423"), name="范围外镇")
    path = files.write_csv(tmp_path / "单位.csv", HEADER, [["范围内公司", "企业", town.code, "", ""], ["范围外公司", "企业", other.code, "", ""]])
    record = unit_import_preview(record=upload(tonghai_official, path, town), user=tonghai_official)
    assert (record.new, record.invalid) == (1, 1) and "不在本次导入的范围内" in record.errors[0]["reason"]


def test_the_pages_upload_preview_and_commit(tonghai_client, town, tmp_path):
    path = files.write_csv(tmp_path / "单位.csv", HEADER, [["网页导入公司", "企业", town.code, "", ""], ["网页错码", "企业", town.code, BAD_CODE, ""]])
    with path.open("rb") as handle:
        response = tonghai_client.post("/census/units/import/", {"file": handle, "region": ""})
    record = UnitImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/census/units/import/{record.pk}/"
    page = tonghai_client.get(response["Location"]).content.decode()
    assert BAD_CODE in page and "校验位" in page and 'data-testid="commit-valid"' in page and "网页导入公司" in page
    assert tonghai_client.get(f"/census/units/import/{record.pk}/errors.xlsx").status_code == 200
    tonghai_client.post(f"/census/units/import/{record.pk}/commit/", {"mode": "valid_only"})
    assert Unit.objects.filter(name="网页导入公司").exists() and not Unit.objects.filter(name="网页错码").exists()
    assert tonghai_client.get("/census/units/import/template.xlsx").status_code == 200


def test_leadership_may_not_upload(leader_client, tmp_path):
    path = files.write_csv(tmp_path / "单位.csv", HEADER, [["领导公司", "企业", "530423", "", ""]])
    with path.open("rb") as handle:
        assert leader_client.post("/census/units/import/", {"file": handle}).status_code == 403
    assert not UnitImport.objects.exists()


def test_the_command_previews_then_commits(tonghai_official, town, tmp_path, capsys):
    path = files.write_csv(tmp_path / "单位.csv", HEADER, [["命令导入公司", "企业", town.code, "", ""], ["命令错码", "企业", town.code, BAD_CODE, ""]])
    call_command("import_units", str(path), "--user", "tonghai_official")
    out = capsys.readouterr().out
    assert "rows=2 new=1 updated=0 unchanged=0 invalid=1" in out and "第 3 行【统一社会信用代码】" in out
    assert not Unit.objects.filter(name="命令导入公司").exists()
    call_command("import_units", str(path), "--user", "tonghai_official", "--region", town.code, "--commit", "--valid-only")
    assert Unit.objects.filter(name="命令导入公司", region=town).exists()


def test_a_unit_list_refused_while_reading_is_deleted_and_its_record_keeps_the_reason(tonghai_official, tmp_path, client_for):
    """Issue 18: a workbook that passes the upload checks but cannot be read is not kept on disk."""
    record = upload(tonghai_official, files.write_corrupt_sheet_xlsx(tmp_path / "单位.xlsx"))
    stored = Path(record.file.path)
    assert stored.exists()

    record = unit_import_preview(record=record, user=tonghai_official)

    assert record.status == ImportStatus.FAILED and record.message.startswith("无法读取 Excel 文件")
    assert not stored.exists() and not record.file and record.files_deleted_at is not None
    record.refresh_from_db()
    assert not record.file and record.files_deleted_at is not None
    page = client_for(tonghai_official).get(f"/census/units/import/{record.pk}/").content.decode()
    assert 'data-testid="files-deleted"' in page and "文件被拒绝，不予保存" in page
