"""Reads of imports: who may download an import's file and error report (they hold full IDs), what the
preview passed over, and the units it would create."""
from __future__ import annotations

from dataclasses import dataclass

from census.importing.models import CensusImport, ImportStatus, UnitImport
from census.importing.reading import SKIP_REASONS
from orgs.units.models import UnitKind


def import_files_downloadable_by(record, user) -> bool:
    """An import's files (the upload, the error report) hold full resident IDs: only the uploader
    and holders of census.reveal_id_number may download them (the caller checks scope first)."""
    return record.user_id == user.pk or user.has_perm("census.reveal_id_number")


@dataclass(frozen=True)
class SkippedRows:
    """Rows of the file passed over as not people, of one kind: 合计行 (第 105 行) …"""

    label: str
    count: int
    rows: str  # the first row numbers, for finding them in the file


SKIPPED_ROWS_SHOWN = 10


def skipped_rows(record: CensusImport | UnitImport) -> list[SkippedRows]:
    """What the preview passed over, by kind, in the order of SKIP_REASONS."""
    skipped = (record.reading or {}).get("skipped") or {}
    shown = []
    for reason, label in SKIP_REASONS.items():
        rows = skipped.get(reason) or []
        if rows:
            numbers = "、".join(str(n) for n in rows[:SKIPPED_ROWS_SHOWN]) + ("……" if len(rows) > SKIPPED_ROWS_SHOWN else "")
            shown.append(SkippedRows(str(label), len(rows), numbers))
    return shown


def new_units_listed(record: CensusImport) -> list[dict]:
    """The units a previewed file names and the directory lacks (new_units.py), with their kinds' labels; none
    once the import is written or refused."""
    if record.status != ImportStatus.PREVIEWED:
        return []
    labels = dict(UnitKind.choices)
    return [{**unit, "kind_label": labels.get(unit["kind"], unit["kind"])} for unit in (record.reading or {}).get("new_units") or []]
