"""Benchmark group `load` (issue 18 §3): `manage.py benchmark --only load`. On the province dataset, with coverage
evaluated and the reports group's preparation (tasks, organizations and their standing), with Redis as cache:
`benchmark_mix` (50 users of five roles for 120 s, think time 1–5 s, while a census import and the province's PDF
report run) for p50 / p95 / p99 and requests/s per page; then `benchmark_load` (wrk) per page as 云南省 staff, the
requests/s each page sustains at saturation (50 connections)."""
from __future__ import annotations

import datetime as dt
import os
import re

from tests.benchmarks.runner import _field, machine, run

LABELS = {
    "dashboard": ("dashboard", "/"),
    "gaps": ("应建未建 gap list", "/census/coverage/gaps/"),
    "persons": ("person list", "/census/persons/"),
    "person_search": ("person search (张)", "/census/persons/?q=%E5%BC%A0"),
    "task_board": ("task board", "/tasks/"),
    "api_persons": ("`/api/persons/`", "/api/persons/"),
    "api_requirements": ("`/api/requirements/?status=missing`", "/api/requirements/?status=missing"),
    "api_tasks": ("`/api/tasks/`", "/api/tasks/"),
}
API = {"api_persons", "api_requirements", "api_tasks"}
USERS, SECONDS, WORKERS = 50, 120, 4


def bench(env, dataset, options) -> str:
    today = dt.date.today().isoformat()
    env = {**env, "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")}
    run("evaluate_coverage", "--region", "530000", env=env)
    run("benchmark_reports", "--region", "530000", "--prepare", env=env)
    load_before = os.getloadavg()[0]
    mix = run("benchmark_mix", "--users", str(USERS), "--seconds", str(SECONDS), "--workers", str(WORKERS),
              "--think", "1", "5", "--jobs", env=env).stdout
    load_mid = os.getloadavg()[0]
    paths = [arg for key in LABELS for arg in ("--path", LABELS[key][1])]
    saturation = run("benchmark_load", "--user", "yunnan_staff", *paths, "--workers", str(WORKERS), "--users", "10",
                     "--saturation", "50", "--seconds", "10", env=env).stdout
    rows = []
    for key, (label, path) in LABELS.items():
        target = 150 if key in API else 300
        wrk_name = _wrk_name(path)
        p95 = _field(mix, f"mix_{key}_p95_ms")
        rows.append(
            f"| {label} | ≤ {target} ms | {_field(mix, f'mix_{key}_p50_ms')} / {p95} / {_field(mix, f'mix_{key}_p99_ms')} ms "
            f"| {_field(mix, f'mix_{key}_rps')} | {_field(mix, f'mix_{key}_errors')} "
            f"| {_field(saturation, f'{wrk_name}_saturation_rps')} (p50 {_field(saturation, f'{wrk_name}_saturation_p50_ms')} ms) |"
        )
    jobs = [line for line in mix.splitlines() if line.startswith("job_")]
    return "\n".join([
        f"Measured {today} on {machine()}; `manage.py benchmark --only load` (tests/benchmarks/load_bench.py): gunicorn "
        f"with {WORKERS} sync workers, Redis as cache, on the province dataset (`generate_census --scale province`, 云南省 "
        "evaluated, the reports group's tasks and organizations). Client and server share the machine's two cores.",
        f"`benchmark_mix`: {USERS} users for {SECONDS} s, in turn 云南省 staff, 玉溪市 staff, two county officials and "
        "玉溪市 leadership, each opening one of its role's pages and reading it 1–5 s before the next; during the run a "
        "census import (30,000 rows, preview and commit) and the PDF report of 云南省 run in their own processes, as "
        f"the workers run them. Load average (1 min) {load_before:.1f} before, {load_mid:.1f} after the mixed run.",
        "",
        "| page | target p95 | p50 / p95 / p99 at 50 users | requests/s at 50 users | errors | requests/s at saturation (wrk, 50 connections, 云南省 staff) |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        f"| all pages | | {_field(mix, 'mix_p50_ms')} / {_field(mix, 'mix_p95_ms')} / {_field(mix, 'mix_p99_ms')} ms "
        f"| {_field(mix, 'mix_rps')} | {_field(mix, 'mix_errors')} | |",
        "",
        "Jobs during the mixed run: " + "; ".join(f"`{line}`" for line in jobs) + ".",
    ])


def _wrk_name(path: str) -> str:
    """The figure name benchmark_load gives a path."""
    return "load_" + (re.sub(r"[^a-z0-9]+", "_", path.strip("/").lower()) or "home")
