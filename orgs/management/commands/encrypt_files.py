"""Seals, in place, the stored files written in the clear before files were encrypted at rest (orgs/common/sealing.py):
every file of every FileField. Idempotent: a sealed file is left as it is, so it may be run again at any time."""
from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models

from orgs.common.sealing import MAGIC, SealedFileSystemStorage, is_sealed, seal_file_in_place


class Command(BaseCommand):
    help = "Encrypt at rest the stored files (uploads, documents, reports) still in the clear; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would be sealed, change nothing")

    def handle(self, *args, dry_run: bool = False, **options):
        sealed = already = missing = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.get_fields() if isinstance(f, models.FileField)]
            for field in fields:
                if not isinstance(field.storage, SealedFileSystemStorage):
                    continue
                names = model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
                for name in names.iterator():
                    path = Path(field.storage.path(name))
                    if not path.exists():
                        missing += 1
                        continue
                    if dry_run:
                        with path.open("rb") as handle:
                            is_clear = not is_sealed(handle.read(len(MAGIC)))
                        sealed, already = sealed + is_clear, already + (not is_clear)
                    elif seal_file_in_place(path):
                        sealed += 1
                    else:
                        already += 1
        verb = "would seal" if dry_run else "sealed"
        self.stdout.write(f"{verb} {sealed} file(s); {already} already sealed; {missing} missing on disk")
