"""Backups and the restore drill (issue 18 §6): `manage.py backup` and `manage.py restore_drill`.

A backup is a directory holding the database (`pg_dump -Fc`), the uploaded files (`media.tar.gz`) and a manifest:
each table's row count and content checksum, and each uploaded file's SHA-256, read in the same snapshot as the
dump (`pg_export_snapshot()` passed to `pg_dump --snapshot`), so that the manifest describes exactly what the dump
holds even while users keep working. The drill restores the dump into a scratch database and the files into a
scratch directory, computes the same figures there and compares them with the manifest: a backup is only as good
as its last restore. PostgreSQL only: the embedded SQLite default is a development database."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
DATABASE_DUMP = "database.dump"
MEDIA_ARCHIVE = "media.tar.gz"


class BackupError(RuntimeError):
    """A backup or drill that cannot go on; the message says why."""


@dataclass
class DrillResult:
    """What a restore drill compared and what differed (empty `differences`: the backup restores exactly)."""

    tables: int = 0
    rows: int = 0
    files: int = 0
    differences: list[str] = field(default_factory=list)


def _require_postgresql() -> dict:
    if connection.vendor != "postgresql":
        raise BackupError("backups are taken of PostgreSQL (DATABASE_URL=postgres://…); this database is "
                          f"{connection.vendor}")
    return connection.settings_dict


def _libpq_env(db: dict, name: str | None = None) -> dict[str, str]:
    """The environment that points pg_dump / pg_restore at the database (no password on the command line)."""
    env = dict(os.environ)
    env.update({"PGHOST": db.get("HOST") or "", "PGPORT": str(db.get("PORT") or ""), "PGUSER": db.get("USER") or "",
                "PGDATABASE": name or db["NAME"]})
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return {key: value for key, value in env.items() if value != ""}


def _conninfo(db: dict, name: str) -> str:
    parts = {"host": db.get("HOST"), "port": db.get("PORT"), "user": db.get("USER"), "password": db.get("PASSWORD"),
             "dbname": name}
    return " ".join(f"{key}='{value}'" for key, value in parts.items() if value)


def table_figures(cursor) -> dict[str, dict[str, object]]:
    """Each table of the public schema: its row count and a checksum of its content that does not depend on
    the order rows are stored in (the MD5 of the sorted MD5s of each row's text)."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    figures: dict[str, dict[str, object]] = {}
    for (table,) in cursor.fetchall():
        quoted = '"' + table.replace('"', '""') + '"'
        cursor.execute(
            f"SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') "  # a table name read from the catalog
            f"FROM (SELECT md5(t::text) AS h FROM {quoted} AS t) AS hashed"
        )
        rows, checksum = cursor.fetchone()
        figures[table] = {"rows": rows, "checksum": checksum}
    return figures


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def media_figures(root: Path) -> dict[str, str]:
    """Each uploaded file under `root`, by its path relative to it: its SHA-256."""
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): _file_sha256(path)
        for path in sorted(root.rglob("*")) if path.is_file()
    }


def backup_create(target: Path, *, now: dt.datetime | None = None) -> Path:
    """Writes one backup directory under `target` and returns it. Database, files and manifest are taken from
    one snapshot of the database; the files are read after it (a file uploaded meanwhile is in the archive
    but not referenced by the dump, which is harmless; none referenced by the dump is missing)."""
    db = _require_postgresql()
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    directory = target / f"qiaolian-{stamp}"
    directory.mkdir(parents=True, exist_ok=False)
    media_root = Path(settings.MEDIA_ROOT)
    with psycopg.connect(_conninfo(db, db["NAME"]), autocommit=False) as snapshot_connection:
        snapshot_connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with snapshot_connection.cursor() as cursor:
            snapshot = cursor.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
            dump = subprocess.run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-owner",
                 f"--file={directory / DATABASE_DUMP}"],
                env=_libpq_env(db), capture_output=True, text=True, check=False,
            )
            if dump.returncode != 0:
                raise BackupError(f"pg_dump failed: {dump.stderr.strip()}")
            tables = table_figures(cursor)
    files = media_figures(media_root)
    with tarfile.open(directory / MEDIA_ARCHIVE, "w:gz") as archive:
        for name in files:
            archive.add(media_root / name, arcname=name, recursive=False)
    manifest = {
        "created": stamp,
        "database": db["NAME"],
        "tables": tables,
        "media": files,
        "sha256": {name: _file_sha256(directory / name) for name in (DATABASE_DUMP, MEDIA_ARCHIVE)},
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return directory


@contextmanager
def _scratch_database(db: dict, name: str) -> Iterator[str]:
    with psycopg.connect(_conninfo(db, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(_conninfo(db, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _compare(kind: str, expected: dict, found: dict, differences: list[str]) -> None:
    for name in sorted(expected.keys() | found.keys()):
        if name not in found:
            differences.append(f"{kind} {name}: in the manifest, missing after the restore")
        elif name not in expected:
            differences.append(f"{kind} {name}: restored, but not in the manifest")
        elif expected[name] != found[name]:
            differences.append(f"{kind} {name}: manifest {expected[name]}, restored {found[name]}")


def restore_drill(directory: Path) -> DrillResult:
    """Restores the backup in `directory` into a scratch database and directory, and compares every table's
    rows and checksum and every file's SHA-256 with the manifest. The scratch copies are removed afterwards."""
    db = _require_postgresql()
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"no readable {MANIFEST} in {directory}: {error}") from error
    result = DrillResult()
    for name, expected in manifest["sha256"].items():
        if not (directory / name).exists() or _file_sha256(directory / name) != expected:
            result.differences.append(f"file {name}: missing or its SHA-256 differs from the manifest")
    if result.differences:
        return result
    with _scratch_database(db, f"{db['NAME']}_restore_drill") as scratch:
        restore = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={scratch}", str(directory / DATABASE_DUMP)],
            env=_libpq_env(db, scratch), capture_output=True, text=True, check=False,
        )
        if restore.returncode != 0:
            raise BackupError(f"pg_restore failed: {restore.stderr.strip()}")
        with psycopg.connect(_conninfo(db, scratch)) as restored, restored.cursor() as cursor:
            tables = table_figures(cursor)
    _compare("table", manifest["tables"], tables, result.differences)
    with tempfile.TemporaryDirectory(prefix="qiaolian-drill-") as scratch_media:
        with tarfile.open(directory / MEDIA_ARCHIVE, "r:gz") as archive:
            archive.extractall(scratch_media, filter="data")
        files = media_figures(Path(scratch_media))
    _compare("file", manifest["media"], files, result.differences)
    result.tables = len(tables)
    result.rows = sum(int(figures["rows"]) for figures in tables.values())  # type: ignore[call-overload]
    result.files = len(files)
    return result
