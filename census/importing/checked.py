"""What a preview found, kept beside the uploaded file so that the commit need not validate again.

The file holds the validated, normalised rows (with their resident IDs and keyed hashes), the errors
and the refused rows. It is encrypted and authenticated with the resident-ID key (orgs/common/crypto.py),
so it is no more readable than the registry and cannot be altered unnoticed. It is bound to the
upload's SHA-256, the sheet read, the column mapping it was read with, the day of the check, the importer,
the campaign, a fingerprint of what the importer could import into (regions and units by name) and the key and
cipher the ID hashes were made with (a key changed since makes them another scheme's): if any
of these differs at commit time the commit validates the file again from scratch. Only the checks that
depend on the registry at commit time (matching existing people, persons registered elsewhere) run again in
any case.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import marshal
from dataclasses import dataclass, field
from pathlib import Path

from orgs.common.crypto import CryptoError, open_bytes, seal_bytes

FORMAT = 4
SUFFIX = ".checked"


def file_checksum(path: Path) -> str:
    """SHA-256 of a stored upload (hex)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def upload_checksum(uploaded) -> str:
    """`file_checksum` of an upload's content, read before it is stored (sealed): no decrypted copy needed."""
    digest = hashlib.sha256()
    for block in uploaded.chunks():  # from the start (Django's File.chunks seeks to 0)
        digest.update(block)
    return digest.hexdigest()


def checked_path(upload: Path) -> Path:
    """Where the preview's findings for an upload are kept: beside it."""
    upload = Path(upload)
    return upload.with_name(upload.name + SUFFIX)


def scope_fingerprint(scope) -> str:
    """A digest of everything the row checks looked up in the importer's scope."""
    digest = hashlib.sha256()
    for mapping in (scope.region_by_code, scope.region_by_name):
        digest.update(repr(sorted(mapping.items())).encode())
    digest.update(repr(sorted((name, sorted(units)) for name, units in scope.units_by_name.items())).encode())
    digest.update(b"admin" if scope.scope.is_admin else b"")
    return digest.hexdigest()


# Cells of refused rows keep their type for the error report; marshal has no dates, so they are tagged.
def _cell_out(value):
    if isinstance(value, dt.datetime):
        return ("datetime", value.isoformat())
    if isinstance(value, dt.date):
        return ("date", value.isoformat())
    if isinstance(value, dt.time):
        return ("time", value.isoformat())
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _cell_in(value):
    if isinstance(value, tuple):
        kind, text = value
        return {"datetime": dt.datetime, "date": dt.date, "time": dt.time}[kind].fromisoformat(text)
    return value


_PLAIN = (str, int, float, bool, type(None))
_PLAIN_TYPES = frozenset(_PLAIN)


def _column_out(key: str, column: list) -> list:
    if key == "birth_date":
        return [None if d is None else d.toordinal() for d in column]
    if set(map(type, column)) <= _PLAIN_TYPES:
        return column
    return [v if v.__class__ in _PLAIN else str(v) for v in column]  # choices (Category.RETURNED) as their value


def _column_in(key: str, column: list) -> list:
    if key == "birth_date":
        return [None if o is None else dt.date.fromordinal(o) for o in column]
    return column


@dataclass
class Checked:
    """The binding (checksum, day, importer, campaign, scope, sheet, mapping, scheme) and the findings of one preview."""

    checksum: str
    today: dt.date
    user_id: int | None
    campaign_id: int
    scope: str
    sheet: str
    rows: int
    ignored_headers: list[str]
    header: list[object]
    # the column mapping the file was read with (header text -> schema key or "")
    mapping: dict[str, str] = field(default_factory=dict)
    # where the rows were read: sheet, header row, encoding, rows skipped by reason (ImportOutcome.reading)
    reading: dict = field(default_factory=dict)
    # the valid rows by column: "row", "id_number", "id_hash" and the data fields
    valid: dict[str, list] = field(default_factory=dict)
    # (row, column, value, reason)
    errors: list[tuple] = field(default_factory=list)
    invalid_rows: dict[int, list[object]] = field(default_factory=dict)
    # ID hashes that were registered at preview time (looked up again at commit time)
    known: list[str] = field(default_factory=list)
    # the prefix of the key and cipher current at preview time (orgs.common.crypto.current_prefix): the hashes' scheme
    scheme: str = ""
    # whether rows of an earlier key or cipher were stored at preview time (census.registry.selectors
    # .registry_has_earlier_hashes): when none were, none are since (the application writes current rows only)
    earlier_hashes: bool = True

    def matches(
        self, *, checksum: str, today: dt.date, user_id, campaign_id: int, scope: str, sheet: str, mapping: dict[str, str],
        scheme: str,
    ) -> bool:
        return (self.checksum, self.today, self.user_id, self.campaign_id, self.scope, self.sheet, self.mapping, self.scheme) == (
            checksum, today, user_id, campaign_id, scope, sheet, dict(mapping or {}), scheme,
        )


def checked_save(path: Path, checked: Checked, data_fields: tuple[str, ...]) -> None:
    payload = {
        "format": FORMAT,
        "fields": list(data_fields),
        "checksum": checked.checksum,
        "today": checked.today.toordinal(),
        "user": checked.user_id,
        "campaign": checked.campaign_id,
        "scope": checked.scope,
        "sheet": checked.sheet,
        "mapping": dict(checked.mapping),
        "reading": checked.reading,
        "rows": checked.rows,
        "ignored": list(checked.ignored_headers),
        "header": [_cell_out(c) for c in checked.header],
        "valid": {key: _column_out(key, column) for key, column in checked.valid.items()},
        "errors": [tuple(e) for e in checked.errors],
        "invalid": {row: [_cell_out(c) for c in cells] for row, cells in checked.invalid_rows.items()},
        "known": list(checked.known),
        "scheme": checked.scheme,
        "earlier": checked.earlier_hashes,
    }
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(seal_bytes(marshal.dumps(payload, 4)))
    temporary.replace(path)


def checked_load(path: Path, data_fields: tuple[str, ...]) -> Checked | None:
    """The findings kept at `path`, or None when there are none usable (missing, unreadable, altered,
    written by another version or with another key)."""
    try:
        payload = marshal.loads(open_bytes(Path(path).read_bytes()))
    except (OSError, CryptoError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or payload.get("fields") != list(data_fields):
        return None
    valid = {key: _column_in(key, column) for key, column in payload["valid"].items()}
    return Checked(
        checksum=payload["checksum"],
        today=dt.date.fromordinal(payload["today"]),
        user_id=payload["user"],
        campaign_id=payload["campaign"],
        scope=payload["scope"],
        sheet=payload["sheet"],
        mapping=payload["mapping"],
        reading=payload["reading"],
        rows=payload["rows"],
        ignored_headers=payload["ignored"],
        header=[_cell_in(c) for c in payload["header"]],
        valid=valid,
        errors=payload["errors"],
        invalid_rows={row: [_cell_in(c) for c in cells] for row, cells in payload["invalid"].items()},
        known=payload["known"],
        scheme=payload["scheme"],
        earlier_hashes=payload["earlier"],
    )


def checked_discard(path: Path) -> None:
    Path(path).unlink(missing_ok=True)
