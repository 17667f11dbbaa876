"""python manage.py benchmark_coverage [--region CODE]: the coverage figures, in one process.

Prints `name=value` lines the benchmark runner reads: full evaluation time and queries, the
re-evaluation after editing one person, and server times of the gap page, the region page and the
person list for a province-scope user (median of several requests; the first request warms up)."""
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from census.coverage.services import evaluate_coverage
from census.registry.models import Person
from census.registry.services import person_update
from orgs.regions.models import Region


def _median_ms(action, times: int = 7) -> float:
    action()
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


class Command(BaseCommand):
    help = "Measures coverage evaluation and the coverage pages (see tests/benchmarks/runner.py)."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="530000")
        parser.add_argument("--user", default="yunnan_staff")

    def handle(self, *args, region, user, **options):
        root = Region.objects.get(code=region)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            report = evaluate_coverage(root)
            seconds = time.perf_counter() - started
        self.stdout.write(f"full_seconds={seconds:.2f} full_queries={len(queries)} places={report.places}")
        started = time.perf_counter()
        evaluate_coverage(root)
        self.stdout.write(f"again_seconds={time.perf_counter() - started:.2f}")

        editor = get_user_model().objects.get(username="tonghai_official")
        person = Person.objects.editable_by(editor).order_by("pk").first()
        flip = {"value": person.is_needy}

        def edit_one():
            flip["value"] = not flip["value"]
            person_update(person=person, editor=editor, is_needy=flip["value"])

        with CaptureQueriesContext(connection) as queries:
            edit_one()
        self.stdout.write(f"edit_ms={_median_ms(edit_one):.0f} edit_queries={len(queries)}")

        client = Client()
        client.force_login(get_user_model().objects.get(username=user))
        for name, url in (
            ("gap_page", "/census/coverage/gaps/"),
            ("region_page", f"/regions/{region}/"),
            ("person_list", "/census/persons/"),
        ):
            status = client.get(url).status_code
            self.stdout.write(f"{name}_ms={_median_ms(lambda url=url: client.get(url)):.0f} {name}_status={status}")
