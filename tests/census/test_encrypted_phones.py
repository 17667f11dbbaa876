"""Issue 21 §3: phone numbers at rest are stored as document numbers are — encrypted, by keyed hash and masked — for
registered people, accounts and volunteers; no column holds the clear number. Search by phone goes through the hash;
pages, the API, exports, reports, the audit trail and the logs show the number masked or not at all."""
from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile
from importlib import import_module

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from census.importing.models import ImportStatus
from census.importing.resources import PersonResource
from census.registry.models import Person
from census.registry.services import person_reveal, person_update
from orgs.accounts.models import AccountProfile
from orgs.accounts.services import account_create, account_update
from orgs.common.crypto import decrypt_text, encryptor, lookup_hash
from orgs.common.identifiers import mask_phone, normalize_phone
from orgs.common.phones import phone_column_encoders, phone_columns, phone_lookup_hashes
from orgs.organizations.choices import OrganizationKind
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization
from orgs.training.models import Volunteer
from orgs.training.services import volunteer_add, volunteer_update
from tasks.reports.data import report_data
from tasks.reports.pdf import report_html
from tasks.reports.xlsx import report_xlsx
from tests.census import import_files as files
from tests.census.factories import register_person
from tests.census.import_files import SHORT_HEADERS, row
from tests.census.test_admin import export_form
from tests.census.test_import_pipeline import import_file
from tests.factories import region

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
HUANING_PHONE = "13822223333"


def raw_row(model, pk: int) -> tuple:
    """The row as the database holds it, every column."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)} WHERE id = %s", [pk])
        return cursor.fetchone()


def assert_no_clear_phone(model, pk: int, *numbers: str) -> None:
    stored = " ".join(str(value) for value in raw_row(model, pk))
    for number in numbers:
        assert number not in stored, (model.__name__, stored)


def body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


def grant_reveal(user) -> None:
    user.user_permissions.add(Permission.objects.get(codename="reveal_id_number"))


def _federation(code: str, name: str) -> Organization:
    return Organization.objects.create(name=name, kind=OrganizationKind.COUNTY, region=region(code), status=OrganizationStatus.ACTIVE)


# ---------------------------------------------------------------- storage


def test_a_person_s_phone_is_stored_encrypted_hashed_and_masked_and_revealed_in_full(tonghai_official):
    person = register_person(tonghai_official, seed=2101, phone="139 1234-5678")
    assert_no_clear_phone(Person, person.pk, PHONE)
    stored = Person.objects.get(pk=person.pk)
    assert stored.phone == PHONE  # read through the property: decrypted
    assert stored.phone_masked == "139****5678"
    assert stored.phone_hash == lookup_hash(PHONE) == phone_lookup_hashes("１３９ 1234 5678")[0]
    assert stored.phone_encrypted and PHONE not in stored.phone_encrypted

    person_update(person=stored, editor=tonghai_official, phone="13700002222")
    assert_no_clear_phone(Person, person.pk, PHONE, "13700002222")
    grant_reveal(tonghai_official)
    revealed = person_reveal(person=Person.objects.get(pk=person.pk), viewer=tonghai_official)
    assert revealed["phone"] == "13700002222"
    assert LogEntry.objects.filter(additional_data__event="reveal", object_pk=str(person.pk)).count() == 1

    person_update(person=Person.objects.get(pk=person.pk), editor=tonghai_official, phone="")
    assert (Person.objects.filter(pk=person.pk).values_list("phone_encrypted", "phone_hash", "phone_masked").get()) == ("", "", "")


def test_an_account_s_mobile_is_stored_encrypted_and_audited_masked(yuxi_staff):
    user, _password = account_create(creator=yuxi_staff, username="phone_check", name="电话测试", role="staff",
                                      region=region("530423"), phone="139-1234-5678")
    profile = AccountProfile.objects.get(user=user)
    assert_no_clear_phone(AccountProfile, profile.pk, PHONE)
    assert (profile.phone, profile.phone_masked, profile.phone_hash) == (PHONE, "139****5678", lookup_hash(PHONE))

    account_update(account=user, editor=yuxi_staff, phone="13700002222")
    profile = AccountProfile.objects.get(user=user)
    assert_no_clear_phone(AccountProfile, profile.pk, PHONE, "13700002222")
    assert profile.phone == "13700002222"
    for entry in LogEntry.objects.all():
        recorded = f"{entry.changes} {entry.object_repr} {entry.additional_data}"
        assert PHONE not in recorded and "13700002222" not in recorded, recorded
        assert "phone_encrypted" not in recorded and "phone_hash" not in recorded
    changed = LogEntry.objects.filter(additional_data__event="account", object_pk=str(user.pk)).latest("pk")
    assert changed.additional_data["changes"]["phone"] == ["139****5678", "137****2222"]


def test_a_volunteer_s_phone_is_stored_encrypted(tonghai_official, client_for):
    tonghai = _federation("530423", "通海县侨联")
    volunteer = volunteer_add(organization=tonghai, actor=tonghai_official, name="周志愿", joined_on=dt.date(2025, 3, 1), phone=PHONE)
    assert_no_clear_phone(Volunteer, volunteer.pk, PHONE)
    assert Volunteer.objects.get(pk=volunteer.pk).phone == PHONE

    # the edit page shows the number masked; sent back as shown, the stored number stays
    client = client_for(tonghai_official)
    page = client.get(f"/training/volunteers/{volunteer.pk}/edit/").content.decode()
    assert PHONE not in page and "139****5678" in page
    response = client.post(f"/training/volunteers/{volunteer.pk}/edit/", {
        "name": "周志愿", "phone": "139****5678", "joined_on": "2025-03-01", "active": "on", "skills": "",
    })
    assert response.status_code == 302
    assert Volunteer.objects.get(pk=volunteer.pk).phone == PHONE

    volunteer_update(volunteer=Volunteer.objects.get(pk=volunteer.pk), actor=tonghai_official, name="周志愿",
                     joined_on=dt.date(2025, 3, 1), phone="13700002222")
    assert_no_clear_phone(Volunteer, volunteer.pk, PHONE, "13700002222")
    assert Volunteer.objects.get(pk=volunteer.pk).phone_masked == "137****2222"


# ---------------------------------------------------------------- search


def test_search_by_phone_finds_the_person_within_the_scope_only(tonghai_official, huaning_official, client_for, api_client_for):
    mine = register_person(tonghai_official, seed=2111, name="通海电话人", phone=PHONE)
    theirs = register_person(huaning_official, seed=2112, region_code="530424", name="华宁电话人", phone=HUANING_PHONE)
    register_person(tonghai_official, seed=2113, name="通海别人", phone="13600000000")

    # the page answers a number in a link with the hashed link (tests/privacy/test_phone_search.py)
    page = client_for(tonghai_official).get("/census/persons/", {"q": "139 1234 5678"}, follow=True).content.decode()
    assert "通海电话人" in page and "通海别人" not in page
    assert "华宁电话人" not in client_for(tonghai_official).get("/census/persons/", {"q": HUANING_PHONE}, follow=True).content.decode()
    assert "华宁电话人" in client_for(huaning_official).get("/census/persons/", {"q": HUANING_PHONE}, follow=True).content.decode()

    api = api_client_for(tonghai_official)
    found = api.get("/api/persons/", {"q": "139-1234-5678"}).json()["results"]
    assert [p["id"] for p in found] == [mine.pk]
    assert api.get("/api/persons/", {"q": HUANING_PHONE}).json()["results"] == []
    assert [p["id"] for p in api_client_for(huaning_official).get("/api/persons/", {"q": HUANING_PHONE}).json()["results"]] == [theirs.pk]
    # names are searched as before
    assert [p["id"] for p in api.get("/api/persons/", {"q": "通海电"}).json()["results"]] == [mine.pk]


# ---------------------------------------------------------------- import


def test_an_imported_sheet_stores_phones_encrypted_and_a_reimport_is_unchanged(tonghai_official, campaign, tmp_path, caplog):
    numbers = files.ids("530423", 3, seed=2121)
    phones = ["13900002101", "13900002102", ""]
    rows = [row(姓名=f"导入{i}", 身份证号码=n, 类别="侨眷", 居住地区划代码="530423101", 联系电话=p)
            for i, (n, p) in enumerate(zip(numbers, phones))]
    path = files.write_csv(tmp_path / "phones.csv", SHORT_HEADERS, rows)
    caplog.set_level(logging.DEBUG)
    first = import_file(tonghai_official, path, campaign, commit=True)
    assert (first.status, first.new) == (ImportStatus.COMMITTED, 3)
    for person in Person.objects.filter(name__startswith="导入"):
        assert_no_clear_phone(Person, person.pk, *filter(None, phones))
    stored = {p.name: p for p in Person.objects.filter(name__startswith="导入")}
    assert [stored[f"导入{i}"].phone for i in range(3)] == phones
    assert stored["导入0"].phone_hash == lookup_hash("13900002101") and stored["导入2"].phone_hash == ""

    again = import_file(tonghai_official, path, campaign, commit=True)
    assert (again.rows, again.new, again.updated, again.unchanged) == (3, 0, 0, 3)
    # an xlsx of the same rows too (the phone compared by its hash, not by its ciphertext)
    xlsx = files.write_xlsx(tmp_path / "phones.xlsx", SHORT_HEADERS, rows)
    assert import_file(tonghai_official, xlsx, campaign, commit=False).unchanged == 3

    rows[1] = row(姓名="导入1", 身份证号码=numbers[1], 类别="侨眷", 居住地区划代码="530423101", 联系电话="13811112222")
    changed = import_file(tonghai_official, files.write_csv(tmp_path / "changed.csv", SHORT_HEADERS, rows), campaign, commit=True)
    assert (changed.updated, changed.unchanged) == (1, 2)
    person = Person.objects.get(name="导入1")
    assert person.phone == "13811112222" and person.phone_masked == "138****2222"
    assert_no_clear_phone(Person, person.pk, "13811112222", "13900002102")
    assert person.events.first().changes == {"phone": ["139****2102", "138****2222"]}
    for number in (*filter(None, phones), "13811112222"):
        assert number not in caplog.text


def test_a_person_update_logs_no_phone(tonghai_official, caplog):
    person = register_person(tonghai_official, seed=2131, phone=PHONE)
    caplog.set_level(logging.DEBUG)
    person_update(person=person, editor=tonghai_official, phone="13700002222", notes="改电话")
    assert PHONE not in caplog.text and "13700002222" not in caplog.text


# ---------------------------------------------------------------- what users read


def test_pages_api_exports_and_reports_never_show_the_full_number(tonghai_official, tonghai_staff, yuxi_staff, client_for,
                                                                   api_client_for, admin_client):
    person = register_person(tonghai_official, seed=2141, name="页面电话人", phone=PHONE)
    user, _password = account_create(creator=yuxi_staff, username="phone_page", name="页面账号", role="staff",
                                     region=region("530423"), phone="13700002222")
    tonghai = _federation("530423", "通海县侨联")
    volunteer_add(organization=tonghai, actor=tonghai_official, name="页面志愿者", joined_on=dt.date(2025, 3, 1), phone="13600003333")
    secrets = (PHONE, "13700002222", "13600003333")

    client = client_for(tonghai_official)
    yuxi = client_for(yuxi_staff)
    outputs = {
        "person list": client.get("/census/persons/").content,
        "person page": client.get(f"/census/persons/{person.pk}/").content,
        "person edit": client.get(f"/census/persons/{person.pk}/edit/").content,
        "person csv": body(client.get("/census/persons/export.csv")),
        "person api": api_client_for(tonghai_official).get("/api/persons/").content,
        "person api one": api_client_for(tonghai_official).get(f"/api/persons/{person.pk}/").content,
        "organization page": client.get(f"/organizations/{tonghai.pk}/").content,
        "volunteer api": api_client_for(tonghai_official).get("/api/volunteers/").content,
        "account page": yuxi.get(f"/accounts/{user.pk}/").content,
        "account edit": yuxi.get(f"/accounts/{user.pk}/edit/").content,
        "account api": api_client_for(yuxi_staff).get(f"/api/accounts/{user.pk}/").content,
        "accounts api": api_client_for(yuxi_staff).get("/api/accounts/").content,
        "admin list": admin_client.get("/admin/census/person/").content,
        "admin page": admin_client.get(f"/admin/census/person/{person.pk}/change/").content,
        "admin export": body(admin_client.post("/admin/census/person/export/", export_form(PersonResource, "csv"))),
    }
    data = report_data(region("530423"), as_of=dt.date.today())
    outputs["report html (PDF)"] = report_html(data).encode()
    with zipfile.ZipFile(io.BytesIO(report_xlsx(data))) as book:
        outputs["report xlsx"] = b"".join(book.read(name) for name in book.namelist())
    for where, content in outputs.items():
        for secret in secrets:
            assert secret.encode() not in content, where
    assert b"139****5678" in outputs["person page"] and b"137****2222" in outputs["account page"]
    assert b"137****2222" in outputs["account api"] and b"136****3333" in outputs["organization page"]


def test_the_migration_masks_mobiles_recorded_in_clear_by_account_events(yuxi_staff):
    old = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(yuxi_staff), object_pk=str(yuxi_staff.pk), object_repr="x",
        action=LogEntry.Action.ACCESS,
        additional_data={"event": "account", "changes": {"phone": [PHONE, "13800004444"], "name": ["甲", "乙"]}},
    )
    import_module("orgs.migrations.0017_phones_encrypted").mask_account_events(apps, None)
    old.refresh_from_db()
    assert old.additional_data["changes"] == {"phone": ["139****5678", "138****4444"], "name": ["甲", "乙"]}


@pytest.mark.parametrize("phone", ["", "13912345678", "+8613912345678", "0877-1234567", "12345", "123456789012345678901"])
def test_the_bulk_encoders_store_what_the_property_stores(phone):
    # the bulk writers take validated numbers (their normal form, which is what the hash is of)
    normal = normalize_phone(phone)
    encrypted, hashed, masked = phone_column_encoders(*encryptor())
    assert (hashed(normal), masked(normal)) == phone_columns(normal)[1:]
    assert masked(phone) == phone_columns(phone)[2] == (mask_phone(phone) if phone else "")
    assert (decrypt_text(encrypted(phone)) if phone else "") == phone
