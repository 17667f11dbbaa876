"""Issue 21 §3: switching to SM4 and a new key, then `manage.py rotate_keys`. People registered before the switch are
found by their document (and refused as duplicates) before, during and after the rotation; the rotation makes every
value current, in batches, resumable, idempotent; sealed files are sealed again."""
from __future__ import annotations

import base64
import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from census.importing.pipeline import run_census_import
from census.registry.models import DocumentType, Person, PersonDocument
from census.registry.services import document_hash, person_create, person_find_by_document, person_link_document
from orgs.accounts.models import AccountProfile
from orgs.common import crypto, sealing
from orgs.common.crypto_registry import encrypted_fields, register_encrypted_field
from orgs.common.fieldkeys import key_id
from orgs.common.identifiers import document_key
from orgs.common.rotation import rotate_field
from orgs.regions.models import Region
from orgs.training.models import Volunteer
from tests.census import import_files as files
from tests.census.factories import import_record
from tests.orgs.factories import OrganizationFactory
from tests.tasks.test_worker import _reload_session_data  # noqa: F401 - module fixture: a test here flushes

OLD = base64.urlsafe_b64encode(b"o" * 32).decode()
NEW = base64.urlsafe_b64encode(b"n" * 32).decode()

# rotate_keys also re-seals every file under MEDIA_ROOT: each test gets its own, not what other tests left there
pytestmark = pytest.mark.usefixtures("media_dir")


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_keys", "--workers", "1", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def people(settings, tonghai_official):
    settings.FIELD_KEYS, settings.FIELD_CIPHER = OLD, "aes"
    hexi = Region.objects.get(code="530423101")
    numbers = [files.id_born("530423", dt.date(1980, 5, 6), sequence=100 + i) for i in range(7)]
    registered = [
        person_create(editor=tonghai_official, name=f"李{i}", id_number=n, category="returned", region=hexi, phone="13900000000")
        for i, n in enumerate(numbers)
    ]
    person_link_document(person=registered[0], id_type=DocumentType.PASSPORT, id_number="E12345678", editor=tonghai_official)
    return numbers


def current_everywhere() -> bool:
    prefix = crypto.current_prefix()
    return (
        all(t.startswith(prefix) for t in Person.objects.values_list("id_number_encrypted", flat=True))
        and all(t.startswith(prefix) for t in PersonDocument.objects.values_list("number_encrypted", flat=True))
        and all(p.id_number_hash == document_hash(p.id_type, crypto.decrypt_text(p.id_number_encrypted)) for p in Person.objects.all())
    )


def test_census_columns_are_registered():
    labels = {entry.label for entry in encrypted_fields()}
    assert {"census.Person.id_number_encrypted", "census.PersonDocument.number_encrypted"} <= labels
    with pytest.raises(ValueError, match="no column"):
        register_encrypted_field(Person, "id_number_encrypted", hash_field="nothing")


def test_switch_to_sm4_and_a_new_key_then_rotate(settings, people, tonghai_official):
    stored_before = dict(Person.objects.values_list("pk", "id_number_hash"))
    settings.FIELD_KEYS, settings.FIELD_CIPHER = f"{NEW},{OLD}", "sm4"
    first = Person.objects.get(id_number_hash=stored_before[min(stored_before)])

    def all_found() -> None:
        for number in people:
            found = person_find_by_document(DocumentType.RESIDENT_ID, number)
            assert found is not None and crypto.decrypt_text(found.id_number_encrypted) == number
        assert person_find_by_document(DocumentType.PASSPORT, "E12345678") == first

    def duplicate_refused() -> None:
        with pytest.raises(ValidationError, match="已在"):
            person_create(editor=tonghai_official, name="李0", id_number=people[0], category="returned",
                          region=Region.objects.get(code="530423101"), phone="")

    all_found()
    duplicate_refused()  # the stored hash is HMAC-SHA256 under the old key; the new one would be HMAC-SM3
    assert "census.Person.id_number_encrypted: 7 not current" in rotate("--dry-run")
    assert "census.PersonDocument.number_encrypted: 1 not current" in rotate("--dry-run")

    # interrupted after two batches of two: what was done stays done, the rest is still found
    out = rotate("--batch-size", "2", "--max-batches", "2")
    assert "census.Person.id_number_encrypted: 4 re-encrypted in 2 batch(es)" in out
    assert "census.PersonDocument.number_encrypted: 1 re-encrypted in 1 batch(es)" in out  # the limit is per column
    prefix = f"sm4gcm:{key_id(NEW.encode())}:"
    assert Person.objects.filter(id_number_encrypted__startswith=prefix).count() == 4
    all_found()
    duplicate_refused()

    out = rotate("--batch-size", "2")  # resumed
    assert "census.Person.id_number_encrypted: 3 re-encrypted" in out and "PersonDocument" not in out
    assert current_everywhere()
    after = dict(Person.objects.values_list("pk", "id_number_hash"))
    assert not set(after.values()) & set(stored_before.values())  # every hash is HMAC-SM3 under the new key now
    for pk, digest in after.items():
        person = Person.objects.get(pk=pk)
        assert digest == crypto.lookup_hash(document_key(person.id_type, crypto.decrypt_text(person.id_number_encrypted)))
    all_found()
    duplicate_refused()
    assert "nothing to rotate" in rotate()  # idempotent: a no-op now

    settings.FIELD_KEYS = NEW  # the old key retired after the rotation: everything still reads and is found
    all_found()
    duplicate_refused()
    assert "nothing to rotate" in rotate()


def test_unique_hash_still_refuses_a_duplicate_of_the_current_scheme(settings, people):
    settings.FIELD_KEYS, settings.FIELD_CIPHER = f"{NEW},{OLD}", "sm4"
    rotate()
    person = Person.objects.first()
    clone = Person(
        name="x", gender=person.gender, birth_date=person.birth_date, id_type=person.id_type, region=person.region,
        id_number_encrypted=crypto.encrypt_text("x"), id_number_hash=person.id_number_hash, id_number_masked="x",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_rotation_reseals_files_under_media_root(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.FIELD_KEYS, settings.FIELD_CIPHER = OLD, "aes"
    name = default_storage.save("census/uploads/list.csv", ContentFile(b"530423198005061234,\\xe6\\x9d\\x8e"))
    blob = Path(tmp_path, "census/uploads/.findings")
    blob.write_bytes(crypto.seal_bytes(b"rows"))
    Path(tmp_path, "plain.txt").write_bytes(b"in the clear")  # encrypt_files' business, left as it is
    settings.FIELD_KEYS, settings.FIELD_CIPHER = f"{NEW},{OLD}", "sm4"
    assert "files: 2 not current" in rotate("--dry-run")
    out = rotate()
    assert "files: 2 sealed again" in out
    sealed = Path(default_storage.path(name)).read_bytes()
    assert sealed.startswith(sealing.current_header()) and b"SM4-GCM" in sealed[:40]
    assert default_storage.open(name).read() == b"530423198005061234,\\xe6\\x9d\\x8e"
    assert crypto.sealed_blob_is_current(blob.read_bytes()) and crypto.open_bytes(blob.read_bytes()) == b"rows"
    assert Path(tmp_path, "plain.txt").read_bytes() == b"in the clear"
    settings.FIELD_KEYS = NEW
    assert default_storage.open(name).read() == b"530423198005061234,\\xe6\\x9d\\x8e"
    assert "nothing to rotate" in rotate()


def test_an_import_matches_people_stored_under_the_earlier_scheme(settings, people, tonghai_official, campaign, tmp_path):
    settings.FIELD_KEYS, settings.FIELD_CIPHER = f"{NEW},{OLD}", "sm4"
    header = ["姓名", "公民身份号码", "人员类别", "居住地", "手机号码"]
    fresh = files.id_born("530423", dt.date(1990, 1, 2), sequence=301)
    path = files.write_csv(tmp_path / "again.csv", header, [
        ["李0", people[0], "归侨", "530423101", "13900000000"],  # registered under aes and the old key
        ["李1", people[1], "归侨", "530423102", "13900000000"],  # the same, moved to another village
        ["王五", fresh, "归侨", "530423101", "13900000001"],
    ])
    before = Person.objects.count()
    outcome = run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=True,
                                record=import_record(tonghai_official, campaign))
    assert (outcome.new, outcome.updated, outcome.unchanged, outcome.invalid) == (1, 1, 1, 0)
    assert Person.objects.count() == before + 1
    new_person = Person.objects.get(name="王五")
    assert new_person.id_number_encrypted.startswith(crypto.current_prefix())
    assert new_person.id_number_hash == crypto.lookup_hash(fresh)
    rotate()
    again = run_census_import(path, path.name, user=tonghai_official, campaign=campaign, commit=True,
                              record=import_record(tonghai_official, campaign))
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)


def test_phones_are_found_across_the_switch_and_rotated_with_the_rest(settings, people, tonghai_official, tonghai_client):
    """Phones (people, accounts, volunteers) are rotated like document numbers, and a search by phone finds the people
    whose number is stored under the earlier scheme before the rotation has reached them."""
    profile = AccountProfile.objects.create(user=tonghai_official, phone="13811112222")
    volunteer = Volunteer.objects.create(organization=OrganizationFactory(), name="志愿者", phone="13722223333", joined_on=dt.date(2022, 1, 1))
    settings.FIELD_KEYS, settings.FIELD_CIPHER = f"{NEW},{OLD}", "sm4"

    def found_by_phone() -> set[str]:
        page = tonghai_client.get("/census/persons/", {"q": "139-0000-0000"}, follow=True)  # answered with the hashed link
        assert page.status_code == 200
        return {f"李{i}" for i in range(len(people)) if f">李{i}<" in page.content.decode()}

    assert found_by_phone() == {f"李{i}" for i in range(len(people))}  # every person is listed, though their phone hash is HMAC-SHA256
    dry = rotate("--dry-run")
    assert "census.Person.phone_encrypted: 7 not current" in dry
    assert "orgs.AccountProfile.phone_encrypted: 1 not current" in dry and "orgs.Volunteer.phone_encrypted: 1 not current" in dry
    rotate()
    prefix = crypto.current_prefix()
    assert all(t.startswith(prefix) for t in Person.objects.values_list("phone_encrypted", flat=True))
    assert set(Person.objects.values_list("phone_hash", flat=True)) == {crypto.lookup_hash("13900000000")}
    profile.refresh_from_db()
    volunteer.refresh_from_db()
    assert profile.phone_encrypted.startswith(prefix) and profile.phone == "13811112222"
    assert profile.phone_hash == crypto.lookup_hash("13811112222")
    assert volunteer.phone_encrypted.startswith(prefix) and volunteer.phone == "13722223333"
    assert found_by_phone() == {f"李{i}" for i in range(len(people))}
    assert "nothing to rotate" in rotate()


def test_a_file_sealed_under_a_retired_key_is_named_and_the_rest_still_rotated(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.FIELD_KEYS, settings.FIELD_CIPHER = OLD, "aes"
    lost = default_storage.save("census/uploads/lost.csv", ContentFile(b"sealed under OLD"))
    settings.FIELD_KEYS = NEW
    kept = default_storage.save("census/uploads/kept.csv", ContentFile(b"sealed under NEW, aes"))
    settings.FIELD_CIPHER = "sm4"
    err = StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("rotate_keys", "--workers", "1", stdout=StringIO(), stderr=err)
    assert "lost.csv" in err.getvalue()
    assert default_storage.open(kept).read() == b"sealed under NEW, aes"
    assert Path(default_storage.path(kept)).read_bytes().startswith(sealing.current_header())
    assert not Path(default_storage.path(lost)).read_bytes().startswith(sealing.current_header())


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_stop_at_the_batch_limit(settings, people):
    """--workers 4 --max-batches 3: the threads take ranges at once, yet no more than three batches are done."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the workers are threads on connections of their own (SQLite runs one)")
    settings.FIELD_KEYS, settings.FIELD_CIPHER = f"{NEW},{OLD}", "sm4"
    entry = next(e for e in encrypted_fields() if e.label == "census.Person.id_number_encrypted")
    report = rotate_field(entry, batch_size=1, max_batches=3, workers=4)
    assert (report.batches, report.rotated) == (3, 3)
    assert Person.objects.filter(id_number_encrypted__startswith=crypto.current_prefix()).count() == 3
    report = rotate_field(entry, batch_size=1, workers=4)  # the rest, in parallel
    assert (report.batches, report.rotated) == (4, 4) and current_everywhere() is False  # documents not yet
    assert Person.objects.exclude(id_number_encrypted__startswith=crypto.current_prefix()).count() == 0
