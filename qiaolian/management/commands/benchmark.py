"""python manage.py benchmark [--only GROUPS]: runs tests/benchmarks and writes docs/benchmarks.md."""
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Runs the benchmarks against a fresh PostgreSQL database and records the figures in docs/benchmarks.md."

    def add_arguments(self, parser):
        parser.add_argument("args", nargs="*")

    def run_from_argv(self, argv):
        from tests.benchmarks.runner import main

        main(argv[2:])
