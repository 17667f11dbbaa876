"""python manage.py benchmark_mix [--users 50] [--seconds 120] [--jobs]: many users of several roles at once (issue 18).

Starts gunicorn (sync workers, as deployed) on this database and runs `--users` virtual users on loopback, each a
thread with its own session as one of the demo accounts (province staff, city staff, two county officials, city
leadership, in turn). A user opens one of its role's pages (dashboard, 应建未建 gap list, person list and a name
search, task board, API lists), reads it for a think time drawn from `--think` seconds, and opens the next, until
`--seconds` have passed. With `--jobs`, a census import (preview and commit of a generated file, as the import job
runs it) and a PDF report of the province (as the report worker builds it) run in their own processes during the
load, at nice 10 as the workers run. Prints, for each page, requests, errors, p50 / p95 / p99 in ms and requests/s, then the totals, as
`name=value` lines; a page whose status is not 200 counts as an error. The client shares the machine's cores with
the server, as wrk does."""
from __future__ import annotations

import http.client
import math
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from qiaolian.management.commands.benchmark_load import Command as LoadCommand

# role account → the pages its user opens (label, path); the labels name the figures
PAGES = {
    "dashboard": "/",
    "gaps": "/census/coverage/gaps/",
    "persons": "/census/persons/",
    "person_search": "/census/persons/?q=%E5%BC%A0",  # 张
    "task_board": "/tasks/",
    "api_persons": "/api/persons/",
    "api_requirements": "/api/requirements/?status=missing",
    "api_tasks": "/api/tasks/",
}
STAFF_PAGES = tuple(PAGES)
ROLES = {
    "yunnan_staff": STAFF_PAGES,
    "yuxi_staff": STAFF_PAGES,
    "tonghai_official": STAFF_PAGES,
    "huaning_official": STAFF_PAGES,
    "yuxi_leader": ("dashboard", "gaps", "task_board", "api_requirements", "api_tasks"),
}


@dataclass
class Tally:
    """What the users saw: per page, the latencies in ms and the errors (status, or the exception's name)."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, page: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.latencies.setdefault(page, []).append(ms)
            if error:
                self.errors.setdefault(page, []).append(error)


class Command(BaseCommand):
    help = "Mixed roles and pages under load (gunicorn on this database): p50/p95/p99 and requests/s per page."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--seconds", type=int, default=120)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
        parser.add_argument("--port", type=int, default=8793)
        parser.add_argument("--jobs", action="store_true", help="run an import and a PDF report during the load")
        parser.add_argument("--import-rows", type=int, default=30_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, users, seconds, workers, think, port, jobs, import_rows, seed, **options):
        accounts = {a.username: a for a in get_user_model().objects.filter(username__in=ROLES)}
        missing = set(ROLES) - set(accounts)
        if missing:
            raise CommandError(f"demo accounts missing: {', '.join(sorted(missing))}")
        loader = LoadCommand()
        roles = list(ROLES)
        sessions = [(roles[i % len(roles)], loader._session(accounts[roles[i % len(roles)]])) for i in range(users)]
        census_file = self._census_file(import_rows, seed) if jobs else None
        server = loader._gunicorn(workers, port)
        tally, stop_at = Tally(), time.monotonic() + seconds
        try:
            self._warm(port, sessions)
            started = time.monotonic()
            stop_at = started + seconds
            threads = [threading.Thread(target=self._user, args=(port, role, key, stop_at, think, tally, random.Random(seed + i)),
                                        daemon=True) for i, (role, key) in enumerate(sessions)]
            for thread in threads:
                thread.start()
            job_figures = self._jobs(census_file, started) if census_file else []
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
            if census_file:
                census_file.unlink(missing_ok=True)
        self._report(tally, elapsed, users, workers, think, job_figures)

    def _census_file(self, rows: int, seed: int) -> Path:
        path = Path(tempfile.mkdtemp(prefix="qiaolian-mix-")) / "census.csv"
        subprocess.run([sys.executable, "manage.py", "generate_census", "--sheet", str(rows), "--region", "530423",
                        "--out", str(path), "--format", "csv", "--seed", str(seed + 100)],
                       cwd=settings.BASE_DIR, check=True, capture_output=True)
        return path

    def _warm(self, port: int, sessions: list[tuple[str, str]]) -> None:
        """One request per page and role before measuring: gunicorn's workers import and connect."""
        seen: set[str] = set()
        for role, key in sessions:
            if role in seen:
                continue
            seen.add(role)
            for page in ROLES[role]:
                _get(port, PAGES[page], key)

    def _user(self, port, role, key, stop_at, think, tally, rng) -> None:
        time.sleep(rng.uniform(0, think[1]))  # users arrive over the first seconds, not all at once
        while time.monotonic() < stop_at:
            page = rng.choice(ROLES[role])
            begun = time.perf_counter()
            try:
                status = _get(port, PAGES[page], key)
                error = None if status == 200 else str(status)
            except OSError as exc:
                error = exc.__class__.__name__
            tally.add(page, (time.perf_counter() - begun) * 1000, error)
            time.sleep(rng.uniform(*think))

    def _jobs(self, census_file: Path, started: float) -> list[str]:
        """The import (preview, then commit) and the province's PDF report, each in its own process, at once."""
        year = str(time.localtime().tm_year)
        base = ["nice", "-n", "10", sys.executable, "manage.py"]  # as `make worker` / `make report-worker` run
        pdf = Path(tempfile.mkdtemp(prefix="qiaolian-mix-")) / "yunnan.pdf"
        time.sleep(5)
        report = subprocess.Popen([*base, "build_report", "--region", "530000", "--format", "pdf", "--out", str(pdf)],
                                  cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        figures = []
        args = [*base, "import_census", str(census_file), "--campaign", year, "--user", "tonghai_official"]
        begun = time.monotonic()
        preview = subprocess.run([*args, "--dry-run"], cwd=settings.BASE_DIR, capture_output=True, text=True)
        record = _field(preview.stdout + preview.stderr, r"import=#(\d+)")  # import_census names it on stderr
        if preview.returncode or record is None:
            raise CommandError(f"the import's preview failed:\n{preview.stdout}{preview.stderr}")
        commit = subprocess.run([*args, "--from-preview", record, "--accept-duplicates"], cwd=settings.BASE_DIR,
                                capture_output=True, text=True)
        if commit.returncode:
            raise CommandError(f"the import's commit failed:\n{commit.stdout}{commit.stderr}")
        figures.append(f"job_import_started_s={begun - started:.0f} job_import_seconds={time.monotonic() - begun:.1f} "
                       f"job_import_summary=\"{commit.stdout.strip().splitlines()[-1]}\"")
        output, _ = report.communicate(timeout=600)
        if report.returncode or not pdf.read_bytes().startswith(b"%PDF-"):
            raise CommandError(f"the report failed:\n{output}")
        figures.append(f"job_report_started_s=5 job_report_summary=\"{output.strip().splitlines()[-1]}\"")
        pdf.unlink()
        return figures

    def _report(self, tally: Tally, elapsed: float, users: int, workers: int, think, job_figures: list[str]) -> None:
        everything: list[float] = []
        errors = 0
        for page in PAGES:
            times = sorted(tally.latencies.get(page, []))
            if not times:
                continue
            everything += times
            failed = tally.errors.get(page, [])
            errors += len(failed)
            self.stdout.write(
                f"mix_{page}_requests={len(times)} mix_{page}_errors={len(failed)} mix_{page}_p50_ms={_pct(times, 50):.0f} "
                f"mix_{page}_p95_ms={_pct(times, 95):.0f} mix_{page}_p99_ms={_pct(times, 99):.0f} "
                f"mix_{page}_rps={len(times) / elapsed:.2f}"
                + (f" mix_{page}_error_kinds={','.join(sorted(set(failed)))}" if failed else "")
            )
        everything.sort()
        self.stdout.write(
            f"mix_users={users} mix_workers={workers} mix_think_s={think[0]:g}-{think[1]:g} mix_seconds={elapsed:.0f} "
            f"mix_requests={len(everything)} mix_errors={errors} mix_rps={len(everything) / elapsed:.2f} "
            f"mix_p50_ms={_pct(everything, 50):.0f} mix_p95_ms={_pct(everything, 95):.0f} "
            f"mix_p99_ms={_pct(everything, 99):.0f} mix_mean_ms={statistics.fmean(everything):.0f}"
        )
        for line in job_figures:
            self.stdout.write(line)


def _get(port: int, path: str, session_key: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}",
                                                 "Accept-Language": "zh-hans"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _pct(sorted_values: list[float], percent: int) -> float:
    """The nearest-rank percentile."""
    return sorted_values[max(0, math.ceil(percent / 100 * len(sorted_values)) - 1)]


def _field(text: str, pattern: str) -> str | None:
    match = re.search(pattern, text)
    return match.group(1) if match else None
