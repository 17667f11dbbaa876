"""python manage.py backup [--to DIR]: the database (pg_dump), the uploaded files and a manifest of row counts
and checksums, in one new directory under DIR (default var/backups). See qiaolian/backup.py."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from qiaolian.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Backs up the database and the uploaded files, with a manifest that `restore_drill` checks."

    def add_arguments(self, parser):
        parser.add_argument("--to", default=str(Path(settings.BASE_DIR) / "var" / "backups"),
                            help="the directory to write the backup into (default var/backups)")

    def handle(self, *args, to, **options):
        try:
            directory = backup_create(Path(to))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(directory))
