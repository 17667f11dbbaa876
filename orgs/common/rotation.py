"""Key and cipher rotation of what is encrypted at rest (`manage.py rotate_keys`).

Every registered encrypted column (orgs.common.crypto_registry) whose token does not start with the current prefix
(cipher and key: orgs.common.crypto.current_prefix) is decrypted, encrypted again under the current key and cipher
and, when the column has a look-up hash, hashed again under the current scheme: token and hash in one UPDATE.
Rows are taken in primary-key order (keyset pagination: `pk > last`, only the rows not current, by token prefix in
SQL), each batch in its own transaction, so that an interrupted run loses at most a batch and a new run goes on
where it stopped; readers read both forms meanwhile (no downtime). The UPDATE only changes a row whose token is
still the one read (a row the application rewrote meanwhile is current already).

Files under MEDIA_ROOT sealed under another cipher or key (orgs.common.sealing, and the working blobs of
orgs.common.crypto.seal_bytes) are sealed again, atomically per file.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Max, Min

from orgs.common.crypto import (
    CryptoError,
    current_prefix,
    decryptor,
    encryptor,
    open_bytes,
    seal_bytes,
    sealed_blob_is_current,
)
from orgs.common.crypto_registry import EncryptedField
from orgs.common.sealing import MAGIC, SealError, current_header, seal_file_in_place

BLOB_MAGICS = (b"QLS1", b"QLS2")


class RotationError(RuntimeError):
    """A row that cannot be rotated (its key is not configured, or its new hash collides with another row's)."""


@dataclass
class FieldRotation:
    label: str
    pending: int = 0
    rotated: int = 0
    batches: int = 0


def _pending(entry: EncryptedField):
    manager = entry.model._base_manager
    return manager.exclude(**{f"{entry.cipher_field}__startswith": current_prefix()}).exclude(**{entry.cipher_field: ""})


def count_pending(entry: EncryptedField) -> int:
    return _pending(entry).count()


def _update(entry: EncryptedField, rows: list[tuple]) -> int:
    """rows: (pk, token read, new token, new hash or None). Only rows still holding the token read change."""
    model = entry.model
    fields = {f.name: f for f in model._meta.concrete_fields}
    cipher_column = str(fields[entry.cipher_field].column)
    hash_column = str(fields[entry.hash_field].column) if entry.hash_field else None
    if connection.vendor != "postgresql":
        changed = 0
        for pk, old, new, digest in rows:
            values = {entry.cipher_field: new, **({entry.hash_field: digest} if entry.hash_field else {})}
            changed += model._base_manager.filter(pk=pk, **{entry.cipher_field: old}).update(**values)
        return changed
    quote = connection.ops.quote_name
    pk_column = str(model._meta.pk.column)
    pk_type = model._meta.pk.db_type(connection)
    if hash_column:
        placeholder, names = f"(%s::{pk_type}, %s::text, %s::text, %s::text)", "pk, old, new, digest"
        assignments = f"{quote(cipher_column)} = v.new, {quote(hash_column)} = v.digest"
        params = [value for row in rows for value in row]
    else:
        placeholder, names = f"(%s::{pk_type}, %s::text, %s::text)", "pk, old, new"
        assignments = f"{quote(cipher_column)} = v.new"
        params = [value for row in rows for value in row[:3]]
    # The primary-key range keeps the plan an index scan of the batch's rows (without it PostgreSQL may hash-join
    # the VALUES against a scan of the whole table: a second per batch on a million rows).
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} FROM (VALUES {', '.join([placeholder] * len(rows))}) "
        f"AS v({names}) WHERE t.{quote(pk_column)} = v.pk AND t.{quote(cipher_column)} = v.old "
        f"AND t.{quote(pk_column)} BETWEEN %s AND %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, min(row[0] for row in rows), max(row[0] for row in rows)])
        return cursor.rowcount


def _rotate_range(entry: EncryptedField, low: int, high: int, decrypt, encrypt, keyed_hash) -> int | None:
    """Rotates the rows of one primary-key range in one transaction; None when none was pending."""
    columns = ("pk", entry.cipher_field, *entry.needs)
    rows = list(_pending(entry).filter(pk__gte=low, pk__lte=high).order_by("pk").values_list(*columns))
    if not rows:
        return None
    updates = []
    for pk, token, *needs in rows:
        try:
            plain = decrypt(token)
        except ValueError:
            raise RotationError(f"{entry.label}: row {pk} cannot be decrypted (its key is not configured)") from None
        digest = keyed_hash(entry.normalize(plain, **dict(zip(entry.needs, needs)))) if entry.hash_field else None
        updates.append((pk, token, encrypt(plain), digest))
    try:
        with transaction.atomic():
            return _update(entry, updates)
    except IntegrityError as error:
        raise RotationError(
            f"{entry.label}: rows {rows[0][0]}–{rows[-1][0]}: a new look-up hash equals another row's (the same "
            f"value stored twice under different schemes): {error}"
        ) from None


def rotate_field(
    entry: EncryptedField, *, batch_size: int = 5000, max_batches: int | None = None, workers: int = 1,
    progress: Callable[[FieldRotation], None] | None = None,
) -> FieldRotation:
    """Re-encrypts (and re-hashes) the rows of one column that are not current; see the module's docstring.

    Keyset pagination by primary-key ranges of `batch_size` (an index range scan each, whatever the planner thinks
    of the prefix condition), the rows not current picked in SQL by their token's prefix. With `workers` > 1 (on
    PostgreSQL), that many threads, each on its own database connection, take the next range in turn: the UPDATEs
    (index maintenance, in the database server) overlap one another and the encryption."""
    report = FieldRotation(entry.label)
    encrypt, keyed_hash = encryptor()
    decrypt = decryptor()
    bounds = entry.model._base_manager.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return report
    ranges = iter(range(bounds["low"], bounds["high"] + 1, batch_size))
    lock = threading.Lock()
    failures: list[BaseException] = []
    in_flight = 0  # ranges taken by a worker and not finished: with the batches done, never more than max_batches

    def work() -> None:
        nonlocal in_flight
        while True:
            with lock:
                if failures or (max_batches is not None and report.batches + in_flight >= max_batches):
                    return
                low = next(ranges, None)
                if low is None:
                    return
                in_flight += 1
            try:
                rotated = _rotate_range(entry, low, low + batch_size - 1, decrypt, encrypt, keyed_hash)
            except BaseException as error:  # handed to the caller's thread
                with lock:
                    in_flight -= 1
                    failures.append(error)
                return
            with lock:
                in_flight -= 1
                if rotated is None:  # nothing left to rotate in that range: no batch
                    continue
                report.rotated += rotated
                report.batches += 1
                if progress is not None:
                    progress(report)

    if workers > 1 and connection.vendor == "postgresql":
        def threaded() -> None:
            try:
                work()
            finally:
                connections.close_all()

        threads = [threading.Thread(target=threaded, daemon=True) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        work()
    if failures:
        raise failures[0]
    return report


@dataclass
class FileRotation:
    pending: int = 0
    resealed: int = 0
    unreadable: list[str] = field(default_factory=list)  # sealed under a key no longer configured, or altered


def _file_is_pending(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(64)
    if head.startswith(MAGIC):
        return not head.startswith(current_header())
    if head[:4] in BLOB_MAGICS:
        return not sealed_blob_is_current(head)
    return False


def _media_files():
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path


def rotate_files(*, dry_run: bool = False) -> FileRotation:
    """Seals again, under the current cipher and key, every file under MEDIA_ROOT sealed otherwise (files in the
    clear are `encrypt_files`' business)."""
    report = FileRotation()
    for path in _media_files():
        if not _file_is_pending(path):
            continue
        report.pending += 1
        if dry_run:
            continue
        try:
            if path.read_bytes()[:4] in BLOB_MAGICS:
                temporary = path.with_name(f".{path.name}.sealing")
                temporary.write_bytes(seal_bytes(open_bytes(path.read_bytes())))
                os.chmod(temporary, path.stat().st_mode & 0o777)
                os.replace(temporary, path)
                report.resealed += 1
            elif seal_file_in_place(path, reseal=True):
                report.resealed += 1
        except (SealError, CryptoError) as error:  # left as it is, named in the report; the rest goes on
            report.unreadable.append(f"{path}: {error}")
    return report
