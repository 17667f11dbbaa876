"""Issue 18 §4: uploaded originals, error reports and documents are encrypted at rest (they hold resident ID
numbers), files in the clear from before keep working and are sealed in place by `encrypt_files`; committed census
uploads are deleted after the retention period with the record kept."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from census.importing.jobs import delete_expired_uploads
from census.importing.models import CensusImport, ImportStatus
from census.importing.services import census_import_run
from census.registry.models import Person
from orgs.common.sealing import AES_GCM, MAGIC, SealError, plain_path, seal, unseal
from tests.census import import_files as files
from tests.census.import_files import SHORT_HEADERS, row


def sheet(tmp_path: Path, numbers: list[str], *, bad: bool = False) -> Path:
    rows = [row(姓名=f"人{i}", 身份证号码=n, 类别="侨眷", 居住地区划代码="530423101") for i, n in enumerate(numbers)]
    if bad:
        rows.append(row(姓名="错", 身份证号码=numbers[0][:-1] + "0", 类别="外星人", 居住地区划代码="530423101"))
    return files.write_csv(tmp_path / "名单.csv", SHORT_HEADERS, rows)


def on_disk(field) -> bytes:
    return Path(field.path).read_bytes()


def upload_page(client, path: Path, campaign) -> CensusImport:
    response = client.post("/census/imports/upload/", {"campaign": campaign.pk, "file": SimpleUploadedFile(path.name, path.read_bytes())})
    assert response.status_code == 302, response.content.decode()[:500]
    return CensusImport.objects.latest("pk")


@pytest.mark.django_db
def test_the_upload_and_its_error_report_hold_no_id_number_on_disk(tonghai_official, campaign, client_for, tmp_path):
    numbers = files.ids("530423", 2, seed=181)
    path = sheet(tmp_path, numbers, bad=True)
    assert numbers[0].encode() in path.read_bytes()
    client = client_for(tonghai_official)

    record = upload_page(client, path, campaign)
    assert record.status == ImportStatus.PREVIEWED and record.error_report

    original, report = on_disk(record.file), on_disk(record.error_report)
    for stored in (original, report):
        assert stored.startswith(MAGIC) and AES_GCM.encode() in stored[:40]
        for number in numbers:
            assert number.encode() not in stored
        assert not stored.startswith(b"PK")
    with zipfile.ZipFile(io.BytesIO(unseal(report))) as opened:  # the report itself is a workbook inside
        assert "xl/worksheets/sheet1.xml" in opened.namelist()

    # the scoped downloads decrypt
    download = client.get(f"/census/imports/{record.pk}/file/")
    assert b"".join(download.streaming_content) == path.read_bytes()
    assert int(download["Content-Length"]) == len(path.read_bytes())
    errors = client.get(f"/census/imports/{record.pk}/errors.xlsx")
    assert b"".join(errors.streaming_content).startswith(b"PK")
    assert record.file.size == len(path.read_bytes())  # the content's size, not the sealed file's

    # and the commit reads the sealed file
    committed = census_import_run(record=record, commit=True, valid_only=True)
    assert committed.status == ImportStatus.COMMITTED
    assert Person.objects.filter(name__in=["人0", "人1"]).count() == 2


@pytest.mark.django_db
def test_a_file_from_before_in_the_clear_still_works_and_is_sealed_in_place(tonghai_official, campaign, client_for, tmp_path):
    numbers = files.ids("530423", 2, seed=182)
    path = sheet(tmp_path, numbers)
    record = upload_page(client_for(tonghai_official), path, campaign)
    # as it was stored before this issue: the bytes in the clear
    Path(record.file.path).write_bytes(path.read_bytes())
    CensusImport.objects.filter(pk=record.pk).update(status=ImportStatus.UPLOADED, rows=0)
    record.refresh_from_db()
    client = client_for(tonghai_official)

    assert b"".join(client.get(f"/census/imports/{record.pk}/file/").streaming_content) == path.read_bytes()
    assert census_import_run(record=record, commit=False).status == ImportStatus.PREVIEWED

    out = io.StringIO()
    call_command("encrypt_files", stdout=out)
    assert "sealed 1 file(s)" in out.getvalue()
    assert on_disk(record.file).startswith(MAGIC) and numbers[0].encode() not in on_disk(record.file)
    sealed_once = on_disk(record.file)
    out = io.StringIO()
    call_command("encrypt_files", stdout=out)  # idempotent
    assert "sealed 0 file(s); 1 already sealed" in out.getvalue()
    assert on_disk(record.file) == sealed_once

    assert b"".join(client.get(f"/census/imports/{record.pk}/file/").streaming_content) == path.read_bytes()
    record.refresh_from_db()
    assert census_import_run(record=record, commit=True).status == ImportStatus.COMMITTED  # same checksum


def test_a_sealed_blob_names_its_cipher_and_key_and_survives_rotation(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.RESIDENT_ID_KEY = old
    blob = seal(b"11010519491231002X")
    assert b"AES-256-GCM" in blob[:40]
    settings.RESIDENT_ID_KEY = f"{new},{old}"  # a new key first: old files still open
    assert unseal(blob) == b"11010519491231002X"
    assert seal(b"x") != blob and unseal(seal(b"x")) == b"x"
    settings.RESIDENT_ID_KEY = new  # the old key retired too early: refused, not garbage
    with pytest.raises(SealError):
        unseal(blob)
    settings.RESIDENT_ID_KEY = old
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with pytest.raises(SealError):
        unseal(bytes(tampered))
    relabelled = blob.replace(b"AES-256-GCM", b"AES-256-GCX")
    with pytest.raises(SealError):
        unseal(relabelled)


def test_a_working_copy_is_private_and_gone_afterwards(tmp_path, settings):
    settings.FILE_WORK_DIR = str(tmp_path / "work")
    (tmp_path / "work").mkdir()
    stored = tmp_path / "a.csv"
    stored.write_bytes(seal(b"secret,1"))
    with plain_path(stored) as plain:
        assert plain.read_bytes() == b"secret,1" and plain.suffix == ".csv"
        assert plain.stat().st_mode & 0o077 == 0
    assert not plain.exists()


@pytest.mark.django_db
def test_documents_and_reports_are_sealed_too(tonghai_official):
    name = default_storage.save("tasks/evidence/x.pdf", ContentFile(b"%PDF-1.4 11010519491231002X"))
    assert b"11010519491231002X" not in (Path(django_settings.MEDIA_ROOT) / name).read_bytes()
    with default_storage.open(name) as handle:
        assert handle.read() == b"%PDF-1.4 11010519491231002X"


# ---------------------------------------------------------------- retention


def committed(client, campaign, tmp_path, seed: int, *, days_ago: int) -> CensusImport:
    record = upload_page(client, sheet(tmp_path, files.ids("530423", 1, seed=seed), bad=True), campaign)
    record = census_import_run(record=record, commit=True, valid_only=True)
    assert record.status == ImportStatus.COMMITTED and record.error_report
    CensusImport.objects.filter(pk=record.pk).update(finished_at=timezone.now() - dt.timedelta(days=days_ago))
    record.refresh_from_db()
    return record


@pytest.mark.django_db
def test_committed_uploads_are_deleted_after_the_retention_period(
    tonghai_official, campaign, client_for, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.CENSUS_UPLOAD_RETENTION_DAYS = 90
    client = client_for(tonghai_official)
    old = committed(client, campaign, tmp_path, 183, days_ago=91)
    recent = committed(client, campaign, tmp_path, 184, days_ago=89)
    pending = upload_page(client, sheet(tmp_path, files.ids("530423", 1, seed=185)), campaign)  # a preview: kept
    old_files = [Path(old.file.path), Path(old.error_report.path)]

    with django_capture_on_commit_callbacks(execute=True):
        assert delete_expired_uploads() == 1  # the beat job, run in the test
    old.refresh_from_db()
    assert not any(p.exists() for p in old_files)
    assert old.status == ImportStatus.COMMITTED and old.rows == 2 and old.invalid == 1  # the record stays
    assert not old.file and not old.error_report and old.files_deleted_at is not None
    recent.refresh_from_db()
    pending.refresh_from_db()
    assert Path(recent.file.path).exists() and Path(pending.file.path).exists()

    page = client.get(f"/census/imports/{old.pk}/").content.decode()
    assert 'data-testid="files-deleted"' in page
    assert f"原始文件和错误报告已于 {timezone.localdate(old.files_deleted_at):%Y-%m-%d} 删除" in page
    assert f"/census/imports/{old.pk}/file/" not in page and 'data-testid="error-report"' not in page
    assert client.get(f"/census/imports/{old.pk}/file/").status_code == 404
    assert client.get(f"/census/imports/{old.pk}/errors.xlsx").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        assert delete_expired_uploads() == 0  # nothing more


def test_the_retention_job_runs_daily():
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert any(entry["task"] == "census.delete_expired_uploads" for entry in schedule.values())
    assert django_settings.CENSUS_UPLOAD_RETENTION_DAYS == 90
