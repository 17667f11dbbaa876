"""The census admin: scoped lists and pages, masked persons, escaped and audited exports, imports
that validate like the census pipeline and write through the services."""
from __future__ import annotations

import csv
import io

import pytest
import tablib
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from census.importing.columns import PERSON_COLUMNS
from census.importing.models import CensusImport
from census.importing.resources import CampaignResource, PersonResource, UnitResource
from census.importing.services import census_import_upload
from census.registry.admin import PersonAdmin
from census.registry.models import Person, PersonEvent
from orgs.common.crypto import decrypt_text
from orgs.units.models import Unit
from tests.census.factories import (
    CampaignFactory,
    UnitFactory,
    register_person,
    valid_id,
)
from tests.factories import region

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in PERSON_COLUMNS]


@pytest.fixture
def people(tonghai_official, huaning_official):
    """A 通海 person whose name is a formula, and a 华宁 person."""
    formula = register_person(tonghai_official, seed=101, name="=1+2", phone="13912345678", notes="@SUM(A1)")
    plain = register_person(tonghai_official, seed=102, name="通海王五")
    foreign = register_person(huaning_official, seed=103, region_code="530424", name="华宁赵六")
    return formula, plain, foreign


def export_form(resource_cls, file_format: str) -> dict:
    """The POST of the admin export form: the format by title, every field of the resource ticked."""
    titles = [f().get_title() for f in PersonAdmin(Person, None).get_export_formats()]
    data = {"format": str(titles.index(file_format)), "resource": "0"}
    data.update({f"{resource_cls.__name__.lower()}_{name}": "on" for name in resource_cls().get_export_order()})
    return data


def exported_csv(client, url: str, resource_cls) -> list[list[str]]:
    response = client.post(url, export_form(resource_cls, "csv"))
    assert response.status_code == 200, response.content[:500]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# Scope ---------------------------------------------------------------------------------------------


def test_changelist_of_a_tonghai_staff_user_excludes_huaning(client_for, census_staff, people):
    _formula, _plain, foreign = people
    client = client_for(census_staff)
    page = client.get("/admin/census/person/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "通海王五" in body and "华宁赵六" not in body
    assert client.get(f"/admin/census/person/{foreign.pk}/change/").status_code == 404
    assert client.get(f"/admin/census/personevent/?person__id__exact={foreign.pk}").content.decode().count("华宁赵六") == 0

    UnitFactory(name="华宁医院", region=region("530424"))
    UnitFactory(name="通海医院")
    units = client.get("/admin/orgs/unit/").content.decode()
    assert "通海医院" in units and "华宁医院" not in units
    assert client.get("/admin/census/headcount/").status_code == 200


def test_person_pages_never_show_the_full_id_or_its_secrets(client_for, census_staff, people):
    _formula, plain, _ = people
    client = client_for(census_staff)
    for url in ("/admin/census/person/", f"/admin/census/person/{plain.pk}/change/", "/admin/census/personevent/"):
        body = client.get(url).content.decode()
        assert decrypt_text(plain.id_number_encrypted) not in body
        assert plain.id_number_encrypted not in body and plain.id_number_hash not in body
        assert "13912345678" not in body
    assert plain.id_number_masked in client.get("/admin/census/person/").content.decode()


def test_search_by_full_id_uses_the_keyed_hash(client_for, census_staff, people):
    _, plain, foreign = people
    client = client_for(census_staff)
    found = client.get("/admin/census/person/", {"q": decrypt_text(plain.id_number_encrypted)}, follow=True).content.decode()
    assert "通海王五" in found
    other = client.get("/admin/census/person/", {"q": decrypt_text(foreign.id_number_encrypted)}, follow=True).content.decode()
    assert "华宁赵六" not in other


# Exports -------------------------------------------------------------------------------------------


def test_person_export_is_masked_escaped_scoped_and_audited(client_for, census_staff, people):
    formula, plain, _foreign = people
    rows = exported_csv(client_for(census_staff), "/admin/census/person/export/", PersonResource)
    assert rows[0] == HEADERS
    by_name = {row[0]: dict(zip(HEADERS, row)) for row in rows[1:]}
    assert set(by_name) == {"'=1+2", "通海王五"}  # the formula escaped; 华宁 absent
    row = by_name["'=1+2"]
    assert row["证件号码"] == formula.id_number_masked and "*" in row["证件号码"] and row["证件类型"] == "居民身份证"
    assert row["联系电话"] == "139****5678"
    assert row["备注"] == "'@SUM(A1)"
    assert row["居住地区划代码"] == "530423" and row["类别"] == "侨眷" and row["困难群众"] == "否"
    content = "\n".join(",".join(r) for r in rows)
    for person in (formula, plain):
        assert decrypt_text(person.id_number_encrypted) not in content
    assert "13912345678" not in content
    entry = LogEntry.objects.filter(additional_data__event="export").latest("pk")
    assert entry.actor == census_staff and entry.additional_data["count"] == 2


def test_xlsx_export_has_no_formula_cells(client_for, census_staff, people):
    response = client_for(census_staff).post("/admin/census/person/export/", export_form(PersonResource, "xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert "'=1+2" in [cell.value for cell in cells]


def test_unit_and_campaign_exports_use_chinese_headers(client_for, census_staff):
    UnitFactory(name="=HYPERLINK(1)", kind="school")
    rows = exported_csv(client_for(census_staff), "/admin/orgs/unit/export/", UnitResource)
    assert rows[0] == ["单位名称", "单位类别", "所在区划代码", "统一社会信用代码", "两新组织"]
    assert ["'=HYPERLINK(1)", "学校", "530423", "", "否"] in rows
    CampaignFactory(year=2025)
    rows = exported_csv(client_for(census_staff), "/admin/census/campaign/export/", CampaignResource)
    assert rows[0] == ["年度", "名称", "调查范围区划代码", "进行中", "截止日期"]
    assert rows[1][:4] == ["2025", "2025年度玉溪市侨情调查", "530400", "是"]


# Imports -------------------------------------------------------------------------------------------


def person_rows(*rows: dict) -> tablib.Dataset:
    dataset = tablib.Dataset(headers=["姓名", "身份证号", "类别", "居住地区划代码", "联系电话", "困难群众"])
    for row in rows:
        dataset.append([row.get("name"), row.get("id"), row.get("category", "侨眷"), row.get("region", "530423"), row.get("phone", ""), row.get("needy", "否")])
    return dataset


def test_person_import_validates_like_the_pipeline_and_writes_through_the_service(tonghai_official, huaning_official):
    theirs = register_person(huaning_official, seed=201, region_code="530424", name="华宁人")
    good, dup = valid_id(202), valid_id(203)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    dataset = person_rows(
        {"name": "好人", "id": good, "category": "归侨", "phone": "139 1234 5678", "needy": "是"},
        {"name": "错号", "id": bad},
        {"name": "他县", "id": decrypt_text(theirs.id_number_encrypted)},
        {"name": "越界", "id": valid_id(204), "region": "530424"},
        {"name": "重复甲", "id": dup},
        {"name": "重复乙", "id": dup},
        {"name": "坏类别", "id": valid_id(205), "category": "游客"},
    )
    result = PersonResource(user=tonghai_official).import_data(dataset, dry_run=True, user=tonghai_official)
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(errors) == {2, 3, 4, 6, 7}
    assert "校验位" in errors[2]["证件号码"][0]
    assert errors[3] == {"证件号码": ["此证件号码已在云南省玉溪市华宁县登记，请联系该县办理迁移"]}
    assert errors[4] == {"居住地区划代码": ["区划不在您的管辖范围内"]}
    assert errors[6] == {"证件号码": ["与第 6 行证件号码重复"]}
    assert "未知类别" in errors[7]["类别"][0]
    assert not Person.objects.filter(name__in=["好人", "重复甲"]).exists()  # a dry run writes nothing

    clean = person_rows({"name": "好人", "id": good, "category": "归侨", "phone": "139 1234 5678", "needy": "是"})
    resource = PersonResource(user=tonghai_official)  # one instance: preview, then import (as the benchmark does)
    assert not resource.import_data(clean, dry_run=True, user=tonghai_official).has_validation_errors()
    result = resource.import_data(clean, dry_run=False, user=tonghai_official, file_name="a.csv")
    assert not result.has_errors() and not result.has_validation_errors()
    person = Person.objects.get(name="好人")
    assert decrypt_text(person.id_number_encrypted) == good and person.id_number_masked != good
    assert person.category == "returned" and person.phone == "13912345678" and person.is_needy
    assert PersonEvent.objects.filter(person=person, kind="created").exists()
    assert LogEntry.objects.filter(additional_data__event="import", additional_data__via="admin").exists()

    again = PersonResource(user=tonghai_official).import_data(clean, dry_run=False, user=tonghai_official)
    assert [r.import_type for r in again.rows] == ["skip"]
    changed = person_rows({"name": "好人", "id": good, "category": "归侨", "phone": "13700000000", "needy": "是"})
    updated = PersonResource(user=tonghai_official).import_data(changed, dry_run=False, user=tonghai_official)
    assert [r.import_type for r in updated.rows] == ["update"]
    person.refresh_from_db()
    assert person.phone == "13700000000" and Person.objects.filter(name="好人").count() == 1


def test_person_import_refuses_missing_headers_and_read_only_users(tonghai_official, yuxi_leader):
    missing = tablib.Dataset(["张三"], headers=["姓名"])
    result = PersonResource(user=tonghai_official).import_data(missing, dry_run=True, user=tonghai_official)
    assert "缺少必需的列" in str(result.base_errors[0].error) and not result.rows
    readonly = PersonResource(user=yuxi_leader).import_data(person_rows({"name": "x", "id": valid_id(210)}), dry_run=True, user=yuxi_leader)
    assert "只读" in str(readonly.base_errors[0].error) and not readonly.rows
    assert not Person.objects.filter(name="x").exists()


def test_admin_import_page_shows_row_errors_by_column(client_for, census_staff, huaning_official):
    theirs = register_person(huaning_official, seed=220, region_code="530424", name="华宁人")
    data = person_rows({"name": "他县", "id": decrypt_text(theirs.id_number_encrypted)}).export("csv")
    titles = [f().get_title() for f in PersonAdmin(Person, None).get_import_formats()]
    response = client_for(census_staff).post(
        "/admin/census/person/import/",
        {"format": str(titles.index("csv")), "resource": "0", "import_file": SimpleUploadedFile("p.csv", data.encode("utf-8"))},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "此证件号码已在云南省玉溪市华宁县登记" in body and "证件号码" in body
    assert "华宁人" not in body
    assert not Person.objects.filter(name="他县").exists()


def test_unit_import_is_scoped_and_checks_credit_codes(tonghai_official):
    dataset = tablib.Dataset(headers=["单位名称", "单位类别", "所在区划代码", "统一社会信用代码", "两新组织"])
    dataset.append(["通海新商会", "社会组织", "530423", "", ""])
    dataset.append(["华宁新厂", "企业", "530424", "", "否"])
    dataset.append(["坏代码公司", "企业", "530423", "123", "否"])
    dataset.append(["怪类别", "饭店", "530423", "", "否"])
    result = UnitResource(user=tonghai_official).import_data(dataset, dry_run=True, user=tonghai_official)
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(errors) == {2, 3, 4}
    assert "管辖范围" in errors[2]["所在区划代码"][0]
    assert "18 位" in errors[3]["统一社会信用代码"][0]
    assert "不是可选的值" in errors[4]["单位类别"][0]
    ok = tablib.Dataset(["通海新商会", "社会组织", "530423", "", ""], headers=dataset.headers)
    UnitResource(user=tonghai_official).import_data(ok, dry_run=False, user=tonghai_official)
    unit = Unit.objects.get(name="通海新商会")
    assert unit.is_two_new and unit.region.code == "530423"


# Person add/change through the admin form ----------------------------------------------------------


def test_admin_form_registers_through_the_service_and_names_the_other_county(client_for, census_staff, huaning_official):
    client = client_for(census_staff)
    theirs = register_person(huaning_official, seed=230, region_code="530424", name="华宁人")
    tonghai = region("530423")
    form = {"name": "表单人", "category": "relative", "region": tonghai.pk, "country": "", "phone": "", "notes": ""}
    refused = client.post("/admin/census/person/add/", {**form, "id_number": decrypt_text(theirs.id_number_encrypted)})
    assert refused.status_code == 200
    assert "此证件号码已在云南省玉溪市华宁县登记" in refused.content.decode()
    assert not Person.objects.filter(name="表单人").exists()

    number = valid_id(231)
    created = client.post("/admin/census/person/add/", {**form, "id_number": number})
    assert created.status_code == 302, created.content.decode()[:2000]
    person = Person.objects.get(name="表单人")
    assert decrypt_text(person.id_number_encrypted) == number
    assert PersonEvent.objects.filter(person=person, kind="created").count() == 1

    changed = client.post(f"/admin/census/person/{person.pk}/change/", {**form, "name": "表单人改", "id_number": ""})
    assert changed.status_code == 302
    person.refresh_from_db()
    assert person.name == "表单人改" and decrypt_text(person.id_number_encrypted) == number
    assert PersonEvent.objects.filter(person=person, kind="updated").count() == 1


# Imports (records) ---------------------------------------------------------------------------------


def test_import_files_only_for_the_uploader_or_the_reveal_permission(client_for, census_staff, tonghai_official, media_dir):
    campaign = CampaignFactory(year=2025)
    record = census_import_upload(
        user=tonghai_official, campaign=campaign,
        uploaded_file=SimpleUploadedFile("上传.csv", ",".join(HEADERS).encode("utf-8") + b"\n"),
    )
    client = client_for(census_staff)
    page = client.get(f"/admin/census/censusimport/{record.pk}/change/")
    assert page.status_code == 200 and f"/admin/census/censusimport/{record.pk}/download/file/" in page.content.decode()
    url = f"/admin/census/censusimport/{record.pk}/download/file/"
    assert client.get(url).status_code == 403
    census_staff.user_permissions.add(Permission.objects.get(codename="reveal_id_number"))
    allowed = client_for(type(census_staff).objects.get(pk=census_staff.pk)).get(url)
    assert allowed.status_code == 200
    assert LogEntry.objects.filter(additional_data__event="export", additional_data__format="admin-original").exists()
    assert client.get(f"/admin/census/censusimport/{record.pk}/download/errors/").status_code == 404
    assert not CensusImport.objects.filter(pk=record.pk).exclude(status="uploaded").exists()


def test_view_only_staff_sees_the_person_page_masked(client_for, people):
    from orgs.access.roles import Role
    from orgs.regions.models import Region
    from tests.census.conftest import CENSUS_ADMIN_PERMISSIONS
    from tests.factories import MembershipFactory, UserFactory

    viewer = UserFactory(username="census_viewer", is_staff=True, permissions=[p for p in CENSUS_ADMIN_PERMISSIONS if ".view_" in p])
    MembershipFactory(user=viewer, role=Role.LEADERSHIP, region=Region.objects.get(code="530400"))
    _formula, _plain, foreign = people
    page = client_for(viewer).get(f"/admin/census/person/{foreign.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "华宁赵六" in body and foreign.id_number_masked in body
    assert foreign.phone not in body and foreign.phone_masked in body
    assert decrypt_text(foreign.id_number_encrypted) not in body
