"""python manage.py restore_drill BACKUP_DIR: restores a backup into a scratch database and directory and compares
every table's rows and checksum and every file's SHA-256 with the backup's manifest. Exits non-zero on any
difference. See qiaolian/backup.py."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qiaolian.backup import BackupError, restore_drill


class Command(BaseCommand):
    help = "Restores a backup made by `backup` into scratch copies and compares them with its manifest."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="a directory written by `manage.py backup`")

    def handle(self, *args, backup, **options):
        try:
            result = restore_drill(Path(backup))
        except BackupError as error:
            raise CommandError(str(error)) from error
        for difference in result.differences:
            self.stderr.write(difference)
        if result.differences:
            raise CommandError(f"the restore differs from the manifest in {len(result.differences)} place(s)")
        self.stdout.write(f"restored and compared: tables={result.tables} rows={result.rows} files={result.files}")
