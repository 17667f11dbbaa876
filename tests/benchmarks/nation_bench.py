"""Benchmark group `nation` (issue 18 §6): `manage.py benchmark --only nation --people-scale nation`. On the
dataset the runner prepared (every county of the country, each with generated townships, villages and units, and
the people of `generate_census --scale nation`), the full coverage evaluation of the whole country (one process:
its time and peak memory), then the pages of tests/benchmarks/nation_pages.py. Figures for the real country are
extrapolated from these in docs/operations.md ("Scale-out"), with the method written there."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from tests.benchmarks.runner import ROOT, _field, machine, run


def bench(env, dataset, options) -> str:
    today = dt.date.today().isoformat()
    load_before = os.getloadavg()[0]
    evaluated = run("evaluate_coverage", env=env)
    again = run("evaluate_coverage", env=env)
    counts = run("shell", "-c", "from census.registry.models import Person; from census.coverage.models import Requirement; "
                 "from orgs.regions.models import Region; "
                 "print(f'people={Person.objects.count()} regions={Region.objects.count()} requirements={Requirement.objects.count()}')",
                 env=env)
    pages = subprocess.run([sys.executable, "tests/benchmarks/nation_pages.py"], cwd=ROOT, env=env, check=True,
                           capture_output=True, text=True).stdout
    load_after = os.getloadavg()[0]
    places = _field(evaluated.stdout, "places")
    c, p = counts.stdout, pages
    rows = [(label, _field(p, f"{key}_cold_ms"), _field(p, f"{key}_ms"), _field(p, f"{key}_queries")) for label, key in (
        ("dashboard 中国 (admin)", "china_dashboard"), ("应建未建 中国 (admin)", "china_gaps"), ("person list 中国 (admin)", "china_persons"),
        ("dashboard 云南省 (yunnan_staff)", "yunnan_dashboard"), ("应建未建 云南省 (yunnan_staff)", "yunnan_gaps"),
        ("person list 云南省 (yunnan_staff)", "yunnan_persons"))]
    return "\n".join([
        f"Measured {today} on {machine()}; `BENCH_DB_NAME=qiaolian_nation manage.py benchmark --only nation --people-scale "
        f"{dataset.people_scale}`. Dataset: {_field(c, 'people')} people, {_field(c, 'regions')} regions, "
        f"{_field(c, 'requirements')} verdicts after the evaluation; generated in {dataset.generated.seconds:.0f} s "
        f"(`{dataset.generated.stdout.strip().splitlines()[-1]}`). Load average (1 min) {load_before:.1f} before and "
        f"{load_after:.1f} after. Pages: server time through Django's test client, median of 5 after a first request with "
        "an empty cache (cold).",
        "",
        "| figure | measured |",
        "| --- | --- |",
        f"| full coverage evaluation of the country (`evaluate_coverage`, one process) | {evaluated.seconds:.1f} s, peak {evaluated.peak_mb:.0f} MB ({places} places) |",
        f"| the same again (nothing changed) | {again.seconds:.1f} s, peak {again.peak_mb:.0f} MB |",
        *[f"| {label} | {warm} ms (cold {cold} ms), {queries} queries |" for label, cold, warm, queries in rows],
    ])
