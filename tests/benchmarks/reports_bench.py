"""Benchmark group `reports` (issue 7): the dashboard of 云南省 as yunnan_staff (cold and cached), the
Excel report and the PDF report of 云南省 — the PDF built by `build_report` in its own process, as the report
worker does, so its peak memory is its own."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from tests.benchmarks.runner import _field, machine, run


def bench(env, dataset, options) -> str:
    today = dt.date.today().isoformat()
    load_before = os.getloadavg()[0]
    run("evaluate_coverage", "--region", "530000", env=env)
    figures = run("benchmark_reports", "--region", "530000", "--prepare", env=env)
    out = Path(tempfile.mkdtemp(prefix="qiaolian-bench-report-")) / "yunnan.pdf"
    pdf = run("build_report", "--region", "530000", "--format", "pdf", "--out", str(out), env=env)
    xlsx = run("build_report", "--region", "530000", "--format", "xlsx", "--out", str(out.with_suffix(".xlsx")), env=env)
    f = figures.stdout
    pages = _pages(out)
    load_after = os.getloadavg()[0]
    return "\n".join([
        f"Measured {today} on {machine()}; `BENCH_DB_NAME=… manage.py benchmark --only reports`. Dataset: "
        f"`generate_census --scale {dataset.people_scale}`, coverage of 云南省 evaluated, then one task per gap "
        f"({_field(f, 'tasks')} tasks, a third overdue) and a 侨胞之家 per organization; and what issue 17 reports on: "
        f"a township federation in every township and a village one in every fourth village (coverage not re-evaluated), "
        f"then for each of the {_field(f, 'founded')} founded organizations a leading body, two posts, a volunteer, budget funding for half and responsible "
        f"people for two thirds, a training per county ({_field(f, 'trainings')}) attended by the cadres and volunteers "
        f"of its organizations ({_field(f, 'attendance')} attendances), each city's scoring sheet with a yearly assessment "
        f"of every founded organization ({_field(f, 'assessments')}), and "
        f"a 市级 designation for every third home at 五有达标.",
        f"Report contents: {_field(f, 'gaps')} gaps, {_field(f, 'overdue')} overdue tasks, {_field(f, 'areas')} counties, {pages} PDF pages. "
        f"Load average (1 min) {load_before:.1f} before and {load_after:.1f} after the group: times on a busier machine are longer.",
        "",
        "| figure | target | measured |",
        "| --- | --- | --- |",
        f"| dashboard 云南省 as yunnan_staff, server time, figures computed (cache empty) | < 300 ms | {_field(f, 'dashboard_cold_ms')} ms (median of 5) |",
        f"| same, figures cached | < 300 ms | {_field(f, 'dashboard_warm_ms')} ms |",
        f"| `/api/dashboard/?region=530000`, cached | | {_field(f, 'api_warm_ms')} ms |",
        f"| Excel report 云南省 (in process) | < 15 s | {_field(f, 'xlsx_seconds')} s |",
        f"| Excel report 云南省, `build_report` process | < 15 s | {xlsx.seconds:.1f} s ({_field(xlsx.stdout, 'seconds')} s building), peak {xlsx.peak_mb:.0f} MB |",
        f"| PDF report 云南省, `build_report` process | < 60 s, < 1.5 GB | {pdf.seconds:.1f} s ({_field(pdf.stdout, 'seconds')} s building), peak {pdf.peak_mb:.0f} MB |",
    ])


def _pages(path: Path) -> str:
    import subprocess

    try:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"
    for line in info.splitlines():
        if line.startswith("Pages:"):
            return line.split()[1]
    return "?"
