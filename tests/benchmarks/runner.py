"""Benchmarks (not tests): each step runs as its own `manage.py` process against a fresh PostgreSQL
database, so times are end to end and peak memory (max RSS) is the step's own. Results replace the
matching section of docs/benchmarks.md.

    make bench                       # all groups
    make bench BENCH_ARGS="--only census --people-scale province"
"""
from __future__ import annotations

import datetime as dt
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "benchmarks.md"
PYTHON = sys.executable
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = os.environ.get("BENCH_DB_NAME", "qiaolian_bench")


@dataclass
class Measured:
    seconds: float
    peak_mb: float
    stdout: str


def run(*args: str, env: dict[str, str]) -> Measured:
    """Runs `manage.py args` in a child process; returns wall time, its peak RSS and its output."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0,):
        raise SystemExit(f"benchmark step failed ({code}): manage.py {' '.join(args)}\n{output}")
    return Measured(seconds, usage.ru_maxrss / 1024, output)


def vacuum_analyze(env: dict[str, str]) -> None:
    """VACUUM ANALYZE after the bulk load, as one would after loading a database: otherwise autovacuum
    works through the million new rows in the background while the first measured steps run."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def fresh_database(url: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def database_copy(env: dict[str, str], *, drop: bool = False) -> dict[str, str]:
    """`env` pointed at a fresh copy of the benchmark database as it stands, or, with `drop`, that copy removed. Each
    measured 100,000-row import runs on its own copy: every file is a county's file into the same province, not into
    one that the files measured before it have grown (three such files make 通海县 a county of 400,000 people, forty
    times the real one). The copy is PostgreSQL's default (WAL-logged, through the buffer cache: its pages are as warm
    as a database in use; the file-level copy left the next import 0.4–0.6 s slower), then a checkpoint, so that the
    copy's WAL does not start one during the import."""
    import psycopg

    name = f"{BENCH_DB}_import"
    admin = os.environ.get("BENCH_ADMIN_DATABASE_URL", ADMIN_URL)
    with psycopg.connect(admin.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if not drop:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {BENCH_DB}")
            conn.execute("CHECKPOINT")
    return {**env, "DATABASE_URL": env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"}


def write_section(name: str, body: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def machine() -> str:
    cores = os.cpu_count()
    return (
        f"{platform.python_implementation()} {platform.python_version()}, {cores} cores "
        f"(a 10,000,000-step Python loop: {python_loop_seconds():.2f} s), PostgreSQL 15 on 127.0.0.1"
    )


def python_loop_seconds(steps: int = 10_000_000, repeats: int = 3) -> float:
    """How fast this machine runs Python just now: the best of `repeats` empty loops of `steps` in a function. The
    machines these figures were taken on differed by up to 1.7 times in the steps every run repeats (`generate_census`,
    the admin import), and one machine drifted by a quarter within a session: compare figures of different days with
    this one beside them."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for _step in range(steps):
            pass
        best = min(best, time.perf_counter() - started)
    return best


@dataclass
class Dataset:
    """The shared dataset: national regions, the demo (regions, users, organizations, policies) and a
    synthetic census at `people_scale`, with what preparing it measured."""

    people_scale: str
    regions: Measured
    regions_again: Measured
    generated: Measured


def prepare_dataset(env: dict[str, str], *, people_scale: str) -> Dataset:
    run("migrate", "--noinput", "-v0", env=env)
    regions = run("import_regions", "fixtures/regions_county.csv", env=env)
    again = run("import_regions", "fixtures/regions_county.csv", env=env)
    run("shell", "-c", "from qiaolian.demo.organizations import demo_regions_load, demo_users_create, demo_organizations_create; "
        "from census.coverage.services import policies_load; demo_regions_load(); demo_users_create(); "
        "demo_organizations_create(); policies_load()", env=env)
    generated = run("generate_census", "--scale", people_scale, "--seed", "1", env=env)
    vacuum_analyze(env)
    return Dataset(people_scale, regions, again, generated)


def bench_regions_and_census(env: dict[str, str], dataset: Dataset, *, rows: int, compare_rows: int) -> str:
    today = dt.date.today().isoformat()
    regions, again, generated, people_scale = dataset.regions, dataset.regions_again, dataset.generated, dataset.people_scale
    coverage = run("benchmark_coverage", "--region", "530000", env=env)
    tmp = Path(tempfile.mkdtemp(prefix="qiaolian-bench-"))
    xlsx, small = tmp / f"census-{rows}.xlsx", tmp / f"census-{compare_rows}.csv"
    csv_files = {seed: tmp / f"census-{rows}-{seed}.csv" for seed in (12, 15, 16)}
    run("generate_census", "--sheet", str(rows), "--region", "530423", "--out", str(xlsx), "--seed", "11", env=env)
    for seed, csv_file in csv_files.items():
        run("generate_census", "--sheet", str(rows), "--region", "530423", "--out", str(csv_file), "--format", "csv", "--seed", str(seed), env=env)
    run("generate_census", "--sheet", str(compare_rows), "--region", "530423", "--out", str(small), "--format", "csv", "--seed", "13", env=env)

    def import_twice(path: Path, on: dict[str, str] = env) -> tuple[Measured, Measured]:
        """Preview (a dry run), then the commit of that preview, as the upload page's two steps."""
        args = ("import_census", str(path), "--campaign", str(dt.date.today().year), "--user", "tonghai_official")
        preview = run(*args, "--dry-run", env=on)
        record = _found(r"import=#(\d+)", preview.stdout)
        # the synthetic names repeat (a few hundred 可能重复 in 100,000 rows): accepted, as the page's check box does
        commit = run(*args, "--from-preview", record, "--accept-duplicates", env=on)
        return preview, commit

    def import_into_the_province(path: Path) -> tuple[Measured, Measured]:
        measured = import_twice(path, database_copy(env))
        database_copy(env, drop=True)
        return measured

    x_preview, x_commit = import_into_the_province(xlsx)
    # Three different .csv files, each into the province as prepared: the median run is reported (a single run on
    # this 2-core machine varies by half a second with what else the machine does).
    csv_runs = sorted((import_into_the_province(csv_file) for csv_file in csv_files.values()), key=lambda pair: _pipeline_seconds(*pair))
    c_preview, c_commit = csv_runs[1]
    csv_totals = ", ".join(f"{_pipeline_seconds(*pair):.1f}" for pair in csv_runs)
    # Excel 97-2003 holds at most 65,536 rows a sheet: 100,000 rows are two .xls files of 50,000
    xls_source = tmp / f"census-{rows}-17.csv"
    run("generate_census", "--sheet", str(rows), "--region", "530423", "--out", str(xls_source), "--format", "csv", "--seed", "17", env=env)
    xls_files = [tmp / f"census-{rows // 2}-{part}.xls" for part in (1, 2)]
    for part, xls_file in enumerate(xls_files):
        csv_to_xls(xls_source, xls_file, skip=part * (rows // 2), rows=rows // 2)
    xls_runs = [import_twice(xls_file) for xls_file in xls_files]
    ours_small_p, ours_small_c = import_twice(small)
    small_again = tmp / f"census-{compare_rows}-b.csv"
    run("generate_census", "--sheet", str(compare_rows), "--region", "530423", "--out", str(small_again), "--format", "csv", "--seed", "14", env=env)
    theirs = run("benchmark_admin_import", str(small_again), "--user", "tonghai_official", env=env)
    theirs_seconds = float(_found(r"seconds=([\d.]+)", theirs.stdout))

    def rate(n: int, preview: Measured, commit: Measured) -> str:
        parts = [float(_field(s.stdout, "seconds")) for s in (preview, commit)]
        inner, wall = sum(parts), preview.seconds + commit.seconds
        return (
            f"{inner:.1f} s in the pipeline (preview {parts[0]:.1f} s + commit {parts[1]:.1f} s), {n / inner:,.0f} rows/s "
            f"({wall:.1f} s, {n / wall:,.0f} rows/s with process start-up)"
        )

    def xls_rate(n: int, runs: list[tuple[Measured, Measured]]) -> str:
        inner = sum(_pipeline_seconds(*pair) for pair in runs)
        return f"{inner:.1f} s in the pipeline ({' + '.join(f'{_pipeline_seconds(*pair):.1f}' for pair in runs)} s), {n / inner:,.0f} rows/s"

    ours_small = float(_field(ours_small_p.stdout, "seconds")) + float(_field(ours_small_c.stdout, "seconds"))
    lines = [
        f"Measured {today} on {machine()}, field cipher `{env.get('FIELD_CIPHER') or 'aes'}`; `make bench` (tests/benchmarks/runner.py).",
        "Each step is a separate `manage.py` process (start-up of about 1 s included); memory is that process's peak RSS.",
        "The generated database is vacuumed and analyzed once after loading, before anything is measured. The .xlsx and",
        "the three .csv files are each imported into a fresh copy of that province (`database_copy`); the .xls files and",
        "the small files one after the other into the province itself.",
        "",
        "| figure | target | measured |",
        "| --- | --- | --- |",
        f"| `import_regions` national county file (3,218 rows, empty tables) | < 10 s | {regions.seconds:.1f} s ({_field(regions.stdout, 'seconds')} s in the import itself) |",
        f"| `import_regions` again (all unchanged) | idempotent | {again.seconds:.1f} s, `{_summary(again.stdout)}` |",
        f"| `generate_census --scale {people_scale}` | < 5 min | {generated.seconds:.0f} s: `{generated.stdout.strip().splitlines()[-1]}` |",
        f"| import {rows:,}-row .xlsx, preview + commit | ≥ 5,000 rows/s, < 600 MB | {rate(rows, x_preview, x_commit)}; peak {max(x_preview.peak_mb, x_commit.peak_mb):.0f} MB |",
        f"| import {rows:,}-row .csv, preview + commit (median of 3 files: {csv_totals} s) | ≥ 20,000 rows/s | {rate(rows, c_preview, c_commit)}; peak {max(p.peak_mb for pair in csv_runs for p in pair):.0f} MB |",
        f"| import {rows:,} rows of .xls (two files of {rows // 2:,}: the format's sheets end at 65,536 rows), preview + commit | | {xls_rate(rows, xls_runs)}; peak {max(p.peak_mb for pair in xls_runs for p in pair):.0f} MB |",
        f"| same-size file ({compare_rows:,} rows .csv): ours, preview + commit | | {ours_small:.1f} s |",
        f"| same-size file: django-import-export's admin import (dry run + import) | ours ≥ 20× faster | {theirs_seconds:.1f} s → ours {theirs_seconds / ours_small:.0f}× faster |",
    ]
    c = coverage.stdout
    lines += [
        "",
        "### Coverage (issue 4), on the same dataset",
        "",
        "| figure | target | measured |",
        "| --- | --- | --- |",
        f"| full evaluation of 云南省 ({_field(c, 'places')} places) | < 10 s, queries not growing with the tree | {_field(c, 'full_seconds')} s, {_field(c, 'full_queries')} queries; unchanged re-run {_field(c, 'again_seconds')} s |",
        f"| re-evaluation after editing one person (service call, county re-evaluated, rollups above) | < 100 ms | {_field(c, 'edit_ms')} ms (median of 7), {_field(c, 'edit_queries')} queries |",
        f"| gap page 应建未建, province scope (yunnan_staff) | < 300 ms | {_field(c, 'gap_page_ms')} ms (median of 7, Django test client) |",
        f"| region page 云南省 | | {_field(c, 'region_page_ms')} ms |",
        f"| person list, province scope | | {_field(c, 'person_list_ms')} ms |",
    ]
    return "\n".join(lines)


def csv_to_xls(source: Path, target: Path, *, skip: int, rows: int) -> None:
    """`rows` data rows of a generated .csv (after the first `skip`), with its header, as an Excel 97-2003 .xls
    (xlwt, a test dependency: the benchmark runs in the development environment)."""
    import csv

    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("侨情登记")
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for column, text in enumerate(header):
            sheet.write(0, column, text)
        out = 1
        for index, cells in enumerate(reader):
            if index < skip:
                continue
            if out > rows:
                break
            for column, text in enumerate(cells):
                if text:
                    sheet.write(out, column, text)
            out += 1
    book.save(str(target))


def _pipeline_seconds(preview: Measured, commit: Measured) -> float:
    """Preview plus commit as timed inside the command (without process start-up)."""
    return sum(float(_field(s.stdout, "seconds")) for s in (preview, commit))


def _found(pattern: str, text: str) -> str:
    """The first group of `pattern` in a command's output, which must hold it."""
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"no {pattern!r} in the command's output: {text[-500:]}")
    return match.group(1)


def _field(text: str, name: str) -> str:
    match = re.search(rf"\b{name}=([\d.]+)", text)
    return match.group(1) if match else "?"


def _summary(text: str) -> str:
    match = re.search(r"created=\d+ updated=\d+ unchanged=\d+ invalid=\d+", text)
    return match.group(0) if match else text.strip()


def main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="manage.py benchmark")
    parser.add_argument("--only", default="census,tasks,reports,directory,issue16",
                        help="groups to run (comma separated): census, tasks, reports, directory, issue16, nation "
                        "(nation: with --people-scale nation, not in the default run)")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the import benchmark files")
    parser.add_argument("--compare-rows", type=int, default=5_000, help="rows of the side-by-side file")
    parser.add_argument("--people-scale", default="province", help="generate_census scale")
    options = parser.parse_args(argv)
    admin_url = os.environ.get("BENCH_ADMIN_DATABASE_URL", ADMIN_URL)
    fresh_database(admin_url)
    env = {
        **os.environ,
        "DATABASE_URL": admin_url.rsplit("/", 1)[0] + f"/{BENCH_DB}",
        "REDIS_URL": "",
        "AXES_ENABLED": "false",
    }
    groups = set(options.only.split(","))
    unknown = groups - set(GROUPS)
    if unknown:
        raise SystemExit(f"unknown benchmark groups: {', '.join(sorted(unknown))} (known: {', '.join(GROUPS)})")
    dataset = prepare_dataset(env, people_scale=options.people_scale)
    for name, (title, bench) in GROUPS.items():
        if name in groups:
            body = bench(env, dataset, options)
            write_section(name, f"## {title}\n\n" + body)
            print(body)


def _census_group(env: dict[str, str], dataset: Dataset, options) -> str:
    return bench_regions_and_census(env, dataset, rows=options.rows, compare_rows=options.compare_rows)


def _group(module: str):
    """A group defined in its own module of this package: `bench(env, dataset, options) -> str`."""

    def bench(env, dataset, options):
        from importlib import import_module

        return import_module(f"tests.benchmarks.{module}").bench(env, dataset, options)

    return bench


# name → (section title in docs/benchmarks.md, function). Each group's module owns its figures.
GROUPS = {
    "census": ("Regions, census import and coverage (issues 2, 3 and 4)", _census_group),
    "tasks": ("Plans, tasks and reminders (issue 6)", _group("tasks_bench")),
    "reports": ("Dashboard and progress reports (issue 7)", _group("reports_bench")),
    "directory": ("Accounts and the unit directory (issue 15)", _group("directory_bench")),
    "issue16": ("Census rounds and plans written in the product (issue 16)", _group("issue16_bench")),
    "load": ("Production under load (issue 18 §3)", _group("load_bench")),
    "nation": ("The whole country (issue 18 §6)", _group("nation_bench")),
    "channels": ("Notification channels: the province digest through 企业微信 (issue 21 §1)", _group("channels_bench")),
}
