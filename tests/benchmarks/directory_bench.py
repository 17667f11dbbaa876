"""Benchmark group `directory` (issue 15): the account list with 2,000 accounts and the unit list with 20,000 units,
at province scale. Measured by `manage.py benchmark_accounts` and `manage.py benchmark_units` in the dataset's
database; server time is the whole Django stack through the test client, median of 6 after a warm-up."""
from __future__ import annotations

import os
import re
import shutil

from tests.benchmarks.runner import run


def _figures(text: str) -> dict[str, str]:
    return dict(re.findall(r"(\w+)=([\w.\-]+)", text))


def bench(env, dataset, options) -> str:
    load_before = os.getloadavg()[0]
    accounts = run("benchmark_accounts", "--accounts", "2000", env=env)
    a = _figures(accounts.stdout)
    units = run("benchmark_units", "--province", "530000", "--units", "20000", env=env)
    load_after = os.getloadavg()[0]
    return "\n".join([*_account_rows(a, accounts), *_unit_rows(units), "",
                      *_load_rows(env, "yunnan_staff", ("/accounts/", "/api/accounts/", "/census/units/", "/api/units/")), "",
        "The list costs a fixed number of queries whatever the page holds: the page's accounts with their profiles, "
        "their roles with regions (one prefetch), the locked user names (one query on django-axes' table), the count. "
        f"`manage.py benchmark --only directory`; machine load average {load_before:.1f} → {load_after:.1f} on 2 cores.",
    ])


def _account_rows(a: dict[str, str], accounts) -> list[str]:
    return [
        "| figure | target | measured |",
        "| --- | --- | --- |",
        f"| account list, yunnan_staff (云南省, {a.get('account_list_total_yunnan_staff')} accounts, 50 a page) | < 300 ms | "
        f"{a.get('account_list_ms_yunnan_staff')} ms |",
        f"| account list, yuxi_staff (玉溪市, {a.get('account_list_total_yuxi_staff')} accounts) | < 300 ms | "
        f"{a.get('account_list_ms_yuxi_staff')} ms |",
        f"| account list, admin ({a.get('account_list_total_admin')} accounts) | < 300 ms | {a.get('account_list_ms_admin')} ms |",
        f"| account list filtered (role, region subtree, not locked), yunnan_staff | < 300 ms | "
        f"{a.get('account_list_filtered_ms_yunnan_staff')} ms |",
        f"| `/api/accounts/`, yunnan_staff | < 300 ms | {a.get('account_api_ms_yunnan_staff')} ms |",
        f"| setup (2,000 accounts, 40 locked), whole step | — | {a.get('setup_seconds')} s, {accounts.seconds:.0f} s, "
        f"{accounts.peak_mb:.0f} MB |",
    ]


def _unit_rows(units) -> list[str]:
    """benchmark_units prints `name=ms status=… queries=…` per line: the figures keyed by their names."""
    f = {}
    for line in units.stdout.splitlines():
        figures = _figures(line)
        name = next(iter(figures), "")
        if name.startswith("unit_"):
            f[name] = (figures[name], figures.get("queries", ""))
        f.update({k: (v, "") for k, v in figures.items() if k in ("units", "built_units", "build_seconds")})
    rows = []
    for user, place in (("yunnan_staff", "云南省"), ("yuxi_staff", "玉溪市")):
        for key, label in (("unit_list_ms", "unit list"), ("unit_list_filtered_ms", "unit list filtered (two kinds, no organization, not 两新)"),
                           ("unit_list_search_ms", "unit list searched (中学)"), ("unit_list_page100_ms", "unit list, page 100"),
                           ("unit_detail_ms", "a unit's page"), ("unit_api_ms", "`/api/units/`")):
            ms, queries = f.get(f"{key}_{user}", ("—", ""))
            rows.append(f"| {label}, {user} ({place}) | < 300 ms | {ms} ms" + (f", {queries} queries |" if queries else " |"))
    rows.append(f"| units in 云南省 (the unit benchmark's province) | 20,000 | {f.get('units', ('—', ''))[0]} |")
    return rows


def _load_rows(env, user: str, paths: tuple[str, ...]) -> list[str]:
    """Under load (`manage.py benchmark_load`): gunicorn with 2 sync workers on PostgreSQL, wrk on the same machine."""
    if shutil.which("wrk") is None:
        return ["Under load: not measured (wrk is missing: `apt-get install wrk`)."]
    args = ["benchmark_load", "--user", user, "--users", "10", "--saturation", "50", "--seconds", "15"]
    for path in paths:
        args += ["--path", path]
    f = _figures(run(*args, env=env).stdout)
    rows = ["| page, as " + user + " | p50 / p99 at 10 users | requests/s at 10 users | requests/s at saturation (50 connections) | errors |",
            "| --- | --- | --- | --- | --- |"]
    for path in paths:
        name = re.sub(r"[^a-z0-9]+", "_", path.strip("/").lower())
        rows.append(
            f"| `{path}` | {f.get(f'load_{name}_users_p50_ms')} / {f.get(f'load_{name}_users_p99_ms')} ms | "
            f"{f.get(f'load_{name}_users_rps')} | {f.get(f'load_{name}_saturation_rps')} "
            f"(p50 {f.get(f'load_{name}_saturation_p50_ms')} ms) | {f.get(f'load_{name}_users_errors')}, "
            f"{f.get(f'load_{name}_saturation_errors')} |"
        )
    return rows
