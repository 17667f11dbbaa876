"""Re-encrypts what an earlier key or cipher wrote: every registered encrypted column (orgs.common.crypto_registry)
and every sealed file under MEDIA_ROOT, to the current key (the first of FIELD_KEYS) and cipher (FIELD_CIPHER), with
the look-up hashes recomputed. In batches, each its own transaction; resumable (run it again after an interruption:
what is current is skipped); readers read both forms meanwhile; a no-op when everything is current."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from orgs.common.crypto import current_prefix
from orgs.common.crypto_registry import encrypted_fields, remember_all_current
from orgs.common.rotation import RotationError, count_pending, rotate_field, rotate_files


class Command(BaseCommand):
    help = "Re-encrypt stored values and files to the current key and cipher (FIELD_KEYS, FIELD_CIPHER); resumable."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000, help="rows per transaction (default 5000)")
        parser.add_argument("--dry-run", action="store_true", help="count what is not current, change nothing")
        parser.add_argument("--workers", type=int, default=2, help="parallel database connections (PostgreSQL; default 2)")
        parser.add_argument("--max-batches", type=int, default=None, help="stop after this many batches per column")

    def handle(self, *args, batch_size: int = 5000, dry_run: bool = False, max_batches: int | None = None,
               workers: int = 2, **options):
        if batch_size < 1:
            raise CommandError(f"--batch-size {batch_size}: at least 1")
        started = time.monotonic()
        prefix = current_prefix()
        self.stdout.write(f"current: {prefix.rstrip(':')}")
        total = 0
        for entry in encrypted_fields():
            if dry_run:
                pending = count_pending(entry)
                total += pending
                self.stdout.write(f"{entry.label}: {pending} not current")
                continue
            try:
                report = rotate_field(entry, batch_size=batch_size, max_batches=max_batches, workers=workers)
            except RotationError as error:
                raise CommandError(str(error)) from None
            total += report.rotated
            if report.rotated:
                self.stdout.write(f"{entry.label}: {report.rotated} re-encrypted in {report.batches} batch(es)")
        files = rotate_files(dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"files: {files.pending} not current")
            self.stdout.write(f"would rotate {total} value(s) and {files.pending} file(s)")
            return
        if max_batches is None:
            remember_all_current(prefix)  # bulk look-ups need not ask for earlier schemes' hashes any more
        if files.resealed:
            self.stdout.write(f"files: {files.resealed} sealed again")
        for problem in files.unreadable:
            self.stderr.write(f"file not sealed again (cannot be opened with the configured keys): {problem}")
        if files.unreadable:
            raise CommandError(f"{len(files.unreadable)} file(s) under MEDIA_ROOT cannot be opened with the configured keys "
                               "(listed above): restore the key that sealed them to FIELD_KEYS, then run again")
        if not total and not files.resealed:
            self.stdout.write("nothing to rotate: every value and file is current")
        else:
            self.stdout.write(f"rotated {total} value(s) and {files.resealed} file(s) in {time.monotonic() - started:.1f} s")
