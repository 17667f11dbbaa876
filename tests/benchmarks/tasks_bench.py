"""Benchmark group `tasks` (issue 6): the reminder run over 100,000 open tasks for 5,000 people, and the task
board of a province scope. Measured by `manage.py benchmark_reminders` in the dataset's database."""
from __future__ import annotations

import os
import re

from tests.benchmarks.runner import run


def _figures(text: str) -> dict[str, str]:
    return dict(re.findall(r"(\w+)=([\w.\-]+)", text))


def bench(env, dataset, options) -> str:
    load_before = os.getloadavg()[0]
    measured = run("benchmark_reminders", "--tasks", "100000", "--people", "5000", env=env)
    f = _figures(measured.stdout)
    load_after = os.getloadavg()[0]
    return "\n".join([
        "| figure | target | measured |",
        "| --- | --- | --- |",
        f"| reminder run, {f.get('open_tasks')} open tasks, {f.get('people')} people ({f.get('due_tasks')} due today, "
        f"{f.get('escalated_tasks')} escalated) | < 30 s | {f.get('reminder_seconds')} s |",
        f"| digests sent / people with something due | one each | {f.get('digests')} / {f.get('people_due')} "
        f"(one per person: {f.get('one_per_person')}) |",
        f"| outbox relay of the digests' e-mails (separate job; dummy mail backend) | — | {f.get('relayed')} e-mails, "
        f"{f.get('relay_seconds')} s |",
        f"| second run on the same day | sends nothing | {f.get('second_run_digests')} digests, {f.get('second_run_seconds')} s |",
        f"| task board, yuxi_staff (玉溪市) | < 300 ms | {f.get('board_ms_yuxi_staff')} ms |",
        f"| task board, yunnan_staff (云南省) | < 300 ms | {f.get('board_ms_yunnan_staff')} ms |",
        f"| whole step (setup included), peak memory | — | {measured.seconds:.0f} s, {measured.peak_mb:.0f} MB |",
        "",
        "Reminders are computed set-based (one query for the due tasks, one for their responsible users, one for the "
        "escalating tasks, two for their superior regions, one for the staff there), digests inserted with "
        "ON CONFLICT DO NOTHING on (user, day). Server time of the board is the view alone (RequestFactory), median of 6. "
        f"`manage.py benchmark --only tasks`, run day {f.get('today', '2023-01-15')}; machine load average "
        f"{load_before:.1f} → {load_after:.1f} on 2 cores (other benchmarks were running).",
    ])
