"""Benchmark group `issue16`: census rounds (submit, approve, the changes since the last approval) and plans written
in the product (previewing and generating a province's gap tasks, a cascade of sub-plans). Measured by
`manage.py benchmark_rounds` and `manage.py benchmark_plans` in the dataset's database (a province census)."""
from __future__ import annotations

import os
import re

from django.core.management import get_commands

from tests.benchmarks.runner import run


def _figures(text: str) -> dict[str, str]:
    return dict(re.findall(r"(\w+)=([\w.\-]+)", text))


def bench(env, dataset, options) -> str:
    load_before = os.getloadavg()[0]
    plans = run("benchmark_plans", "--region", "530000", env=env)
    p = _figures(plans.stdout)
    rows = [
        "| figure | target | measured |",
        "| --- | --- | --- |",
        f"| preview of a milestone over every gap of 云南省 ({p.get('preview_new')} places: townships, villages, units) "
        f"| — | {p.get('preview_ms')} ms |",
        f"| generating those tasks (assigned to each county's officials, one message each) | < 10 s | "
        f"{p.get('generate_seconds')} s ({p.get('generated')} tasks) |",
        f"| generating again | creates nothing | {p.get('again_seconds')} s, {p.get('again_generated')} tasks |",
        f"| a cascade: a sub-plan and a task for each county | — | {p.get('cascade_seconds')} s "
        f"({p.get('sub_plans')} sub-plans) |",
    ]
    if "benchmark_rounds" in get_commands():
        rounds = run("benchmark_rounds", env=env)
        r = _figures(rounds.stdout)
        rows += [
            f"| submitting a county of {r.get('people', '50,000')} people | < 2 s | {r.get('submit_ms')} ms |",
            f"| approving it (the snapshot the next review compares with) | < 2 s | {r.get('approve_ms')} ms |",
            f"| what changed since the last approval, that county (~1% of people changed; median of 5, first run "
            f"{r.get('diff_first_ms')} ms) | < 500 ms | {r.get('diff_ms')} ms |",
            f"| reopening it, submitting again, approving again (the snapshot rewritten only where people changed) "
            f"| < 2 s each | {r.get('reopen_ms')} / {r.get('resubmit_ms')} / {r.get('reapprove_ms')} ms |",
        ]
    load_after = os.getloadavg()[0]
    rows += [
        "",
        "Generation is set-based: one query for the places, three to find each place's county and its officials "
        "(MPTT ranges matched in memory, where a correlated subquery per place took 3 s for 6,662 places), one for the "
        "existing tasks, bulk inserts for the tasks, their assignees, their first history line and one inbox message "
        f"per person. `manage.py benchmark --only issue16`; machine load average {load_before:.1f} → {load_after:.1f} on 2 cores.",
    ]
    return "\n".join(rows)
