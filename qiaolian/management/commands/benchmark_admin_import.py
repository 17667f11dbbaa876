"""python manage.py benchmark_admin_import FILE --user USERNAME

The comparison side of the import benchmark: the same file through django-import-export's own
import (a dry run as the admin's confirm step, then the import), with the admin's resource."""
import time

import tablib
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from census.importing.resources import PersonResource


class Command(BaseCommand):
    help = "Imports a census CSV through django-import-export's resource, as the admin would; prints the time."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True)

    def handle(self, *args, file, user, **options):
        importer = get_user_model().objects.get(username=user)
        with open(file, encoding="utf-8-sig") as handle:
            dataset = tablib.Dataset().load(handle.read(), format="csv")
        started = time.perf_counter()
        resource = PersonResource(user=importer)
        preview = resource.import_data(dataset, dry_run=True, user=importer)
        result = resource.import_data(dataset, dry_run=False, user=importer)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"rows={len(dataset)} errors={preview.has_errors() or result.has_errors()} "
            f"invalid={len(result.invalid_rows)} seconds={seconds:.2f}"
        )
