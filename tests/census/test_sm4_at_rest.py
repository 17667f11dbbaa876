"""Issue 21 §3, as it is judged: with FIELD_CIPHER=sm4 no phone or document number is anywhere an operator can read
at rest — no column of any table, no file under MEDIA_ROOT — after the ways numbers come in (a form's service, a
linked passport, an account, a volunteer, a census import), and what is stored is SM4-GCM under the configured key."""
from __future__ import annotations

import base64
import datetime as dt
import logging
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from census.importing.models import ImportStatus
from census.registry.models import DocumentType, Person, PersonDocument
from census.registry.services import person_find_by_document, person_link_document
from orgs.accounts.models import AccountProfile
from orgs.accounts.services import account_create
from orgs.common import crypto
from orgs.common.fieldkeys import key_id
from orgs.organizations.choices import OrganizationKind
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization
from orgs.training.models import Volunteer
from orgs.training.services import volunteer_add
from tests.census import import_files as files
from tests.census.factories import register_person, valid_id
from tests.census.import_files import SHORT_HEADERS, row
from tests.census.test_import_pipeline import import_file
from tests.factories import region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_dir")]

KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def every_stored_text() -> str:
    """Every row of every table the project's models (and auditlog's, sessions') live in, as text."""
    tables = sorted({model._meta.db_table for model in apps.get_models()} & set(connection.introspection.table_names()))
    quote = connection.ops.quote_name
    chunks = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {quote(table)}")
            chunks.extend(" ".join(str(value) for value in record) for record in cursor.fetchall())
    return "\n".join(chunks)


def every_stored_file(root: Path) -> bytes:
    return b"".join(path.read_bytes() for path in root.rglob("*") if path.is_file())


def test_no_number_in_clear_in_any_table_or_file_under_sm4(settings, tonghai_official, yuxi_staff, campaign, tmp_path, caplog):
    settings.FIELD_CIPHER, settings.FIELD_KEYS = "sm4", KEY
    caplog.set_level(logging.DEBUG)
    resident, passport = valid_id(2191), "E98765432"
    phones = {"person": "13912340001", "account": "13912340002", "volunteer": "13912340003", "imported": "13912340004"}

    person = register_person(tonghai_official, seed=2191, phone=phones["person"])
    person_link_document(person=person, editor=tonghai_official, id_type=DocumentType.PASSPORT, id_number=passport)
    account_create(creator=yuxi_staff, username="sm4_account", name="国密账号", role="staff", region=region("530423"),
                   phone=phones["account"])
    county = Organization.objects.create(name="通海县侨联", kind=OrganizationKind.COUNTY, region=region("530423"),
                                         status=OrganizationStatus.ACTIVE)
    volunteer_add(organization=county, actor=tonghai_official, name="国密志愿者", joined_on=dt.date(2025, 3, 1),
                  phone=phones["volunteer"])
    imported = files.ids("530423", 2, seed=2192)
    sheet = files.write_csv(tmp_path / "sm4.csv", SHORT_HEADERS, [
        row(姓名="导入甲", 身份证号码=imported[0], 类别="侨眷", 居住地区划代码="530423101", 联系电话=phones["imported"]),
        row(姓名="导入乙", 身份证号码=imported[1], 类别="归侨", 居住地区划代码="530423101", 联系电话=""),
    ])
    record = import_file(tonghai_official, sheet, campaign, commit=True)
    assert (record.status, record.new) == (ImportStatus.COMMITTED, 2)

    numbers = [resident, passport, *imported, *phones.values()]
    stored = every_stored_text()
    files_at_rest = every_stored_file(Path(settings.MEDIA_ROOT))
    assert files_at_rest, "the import's upload is kept under MEDIA_ROOT"
    for number in numbers:
        assert number not in stored, number
        assert number.encode() not in files_at_rest, number
        assert number not in caplog.text, number

    # what is stored is SM4-GCM under the configured key, and reads back
    prefix = f"sm4gcm:{key_id(KEY.encode())}:"
    tokens = [
        *Person.objects.values_list("id_number_encrypted", flat=True),
        *PersonDocument.objects.values_list("number_encrypted", flat=True),
        *Person.objects.exclude(phone_encrypted="").values_list("phone_encrypted", flat=True),
        *AccountProfile.objects.exclude(phone_encrypted="").values_list("phone_encrypted", flat=True),
        *Volunteer.objects.values_list("phone_encrypted", flat=True),
    ]
    assert len(tokens) == 3 + 1 + 2 + 1 + 1  # 3 people, 1 passport; the phones of 2 people, 1 account, 1 volunteer
    assert all(token.startswith(prefix) for token in tokens), tokens
    assert Person.objects.get(name="导入甲").phone == phones["imported"]
    assert person_find_by_document(DocumentType.RESIDENT_ID, resident) == person
    assert person_find_by_document(DocumentType.PASSPORT, passport) == person
    assert all(path.read_bytes().startswith(b"QLENC") or path.read_bytes().startswith(b"QLS2")
               for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())
    assert crypto.current_prefix() == prefix
