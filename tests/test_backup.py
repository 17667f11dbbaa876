"""Issue 18 §6: a backup (pg_dump in one snapshot with its manifest, the uploaded files) and the restore drill that
restores it into a scratch database and compares every table and file with the manifest."""
from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from orgs.regions.models import Region
from qiaolian.backup import MANIFEST, backup_create, restore_drill


@pytest.fixture
def postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("backups are taken of PostgreSQL")


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    (root / "census" / "imports").mkdir(parents=True)
    (root / "census" / "imports" / "通海县.xlsx").write_bytes(b"sealed bytes \x00\x01" * 100)
    (root / "reports").mkdir()
    (root / "reports" / "report.pdf").write_bytes(b"%PDF-1.7 ...")
    settings.MEDIA_ROOT = root
    return root


def test_a_backup_restores_to_the_same_rows_checksums_and_files(postgresql, media, tmp_path):
    directory = backup_create(tmp_path / "backups")

    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    # The committed rows (the national tree loaded once per test database) are what the manifest counts.
    assert manifest["tables"]["orgs_region"]["rows"] == Region.objects.count() > 3000
    assert set(manifest["media"]) == {"census/imports/通海县.xlsx", "reports/report.pdf"}

    result = restore_drill(directory)
    assert result.differences == []
    assert result.tables == len(manifest["tables"]) and result.files == 2
    assert result.rows == sum(figures["rows"] for figures in manifest["tables"].values())


def test_the_drill_names_every_table_and_file_that_differs(postgresql, media, tmp_path):
    directory = backup_create(tmp_path / "backups")
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    # A manifest that claims what the dump does not hold: one region more, another file.
    manifest["tables"]["orgs_region"]["rows"] += 1
    manifest["media"]["reports/lost.pdf"] = "0" * 64
    (directory / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    differences = restore_drill(directory).differences
    assert any(line.startswith("table orgs_region: manifest") for line in differences)
    assert "file reports/lost.pdf: in the manifest, missing after the restore" in differences

    with pytest.raises(CommandError, match="differs from the manifest in 2"):
        call_command("restore_drill", str(directory))


def test_a_damaged_dump_is_refused_before_restoring(postgresql, media, tmp_path):
    directory = backup_create(tmp_path / "backups")
    dump = directory / "database.dump"
    dump.write_bytes(dump.read_bytes()[:-100])
    assert restore_drill(directory).differences == [
        "file database.dump: missing or its SHA-256 differs from the manifest"]


def test_backup_refuses_sqlite_with_a_reason(db, tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite refusal")
    with pytest.raises(CommandError, match="backups are taken of PostgreSQL"):
        call_command("backup", "--to", str(tmp_path))
