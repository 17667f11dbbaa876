"""Reads of imports: who may download an import's file and error report (they hold full IDs)."""
from __future__ import annotations


def import_files_downloadable_by(record, user) -> bool:
    """An import's files (the upload, the error report) hold full resident IDs: only the uploader
    and holders of census.reveal_id_number may download them (the caller checks scope first)."""
    return record.user_id == user.pk or user.has_perm("census.reveal_id_number")
