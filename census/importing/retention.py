"""Retention of census uploads: the original file and the error report of a committed import hold full resident
IDs that the registry now holds (encrypted); they are deleted CENSUS_UPLOAD_RETENTION_DAYS after the commit by a
daily beat job (`census.delete_expired_uploads`). The import record stays, saying when its files were deleted."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from census.importing.checked import checked_path
from census.importing.models import CensusImport, ImportStatus


def census_uploads_expired(now: dt.datetime | None = None):
    """Committed imports whose files are past the retention period and still on record."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.CENSUS_UPLOAD_RETENTION_DAYS)
    return CensusImport.objects.filter(status=ImportStatus.COMMITTED, finished_at__lt=cutoff, files_deleted_at__isnull=True)


def census_uploads_delete_expired(now: dt.datetime | None = None) -> int:
    """Deletes the files of every expired import (each in its own transaction; the files go once it commits) and
    returns how many imports were cleared. Running it again clears nothing more."""
    cleared = 0
    for pk in census_uploads_expired(now).values_list("pk", flat=True):
        with transaction.atomic():
            record = CensusImport.objects.select_for_update().filter(pk=pk, files_deleted_at__isnull=True).first()
            if record is None:
                continue
            stored = [(f.storage, f.name) for f in (record.file, record.error_report) if f]
            beside = checked_path(Path(record.file.path)) if record.file else None
            record.file.name, record.error_report.name = "", ""
            record.files_deleted_at = now or timezone.now()
            record.save(update_fields=["file", "error_report", "files_deleted_at"])

            def remove(stored=stored, beside=beside) -> None:
                for storage, name in stored:
                    storage.delete(name)
                if beside is not None:
                    beside.unlink(missing_ok=True)

            transaction.on_commit(remove)
        cleared += 1
    return cleared
