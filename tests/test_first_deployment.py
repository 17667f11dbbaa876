"""Issue 15: a federation deploys without the demo. The walk of docs/operations.md ("From an empty database to the
first verdicts"), command by command, each in its own process on a new database: migrate, the national regions,
the county's townships and villages, a superuser, a census round, one census sheet, the evaluation. The verdicts are
what the policy says; with every policy removed, the evaluation fails naming the region."""
from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
from pathlib import Path

from census.importing.synthetic import resident_id

ROOT = Path(__file__).resolve().parents[1]


def manage(database: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEBUG": "false", **(env or {})}
    environment.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=600, check=False)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_an_empty_database_reaches_the_verdicts_the_policy_says(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    ok(manage(database, "migrate", "--noinput"))
    policies = ok(manage(database, "shell", "-c", "from census.coverage.models import Policy; print(sorted(Policy.objects.values_list('key', flat=True)))"))
    assert policies.strip().splitlines()[-1] == "['default']"  # the local ones wait for their regions

    ok(manage(database, "import_regions", "fixtures/regions_county.csv"))
    local = tmp_path / "tonghai.csv"
    with local.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "level", "parent_code"])
        writer.writerow(["530423101", "河西镇", "township", "530423"])
        writer.writerow(["530423102", "九街镇", "township", "530423"])
        for code, name in (("530423101201", "大回村"), ("530423101202", "下回村"), ("530423101203", "解家营村")):
            writer.writerow([code, name, "village", "530423101"])
    ok(manage(database, "import_regions", str(local)))
    ok(manage(database, "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.org",
              env={"DJANGO_SUPERUSER_PASSWORD": "A-long-passw0rd!"}))
    ok(manage(database, "open_campaign", "--year", "2026", "--region", "530000", "--user", "admin"))

    # 河西镇: 100 people — 30 in 大回村, 29 in 下回村, 41 in the township itself; 九街镇: 5 people
    rng, taken = random.Random(15), set()
    placed = [("530423101201", 30), ("530423101202", 29), ("530423101", 41), ("530423102", 5)]
    sheet = tmp_path / "通海县侨情.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["姓名", "身份证号码", "类别", "居住地区划代码"])
        for code, count in placed:
            for i in range(count):
                writer.writerow([f"侨眷{code[-3:]}{i}", resident_id(rng, "530423", taken)[0], "侨眷", code])
    imported = ok(manage(database, "import_census", str(sheet), "--campaign", "2026", "--user", "admin"))
    assert "new=105" in imported

    evaluated = ok(manage(database, "evaluate_coverage", "--region", "530423"))
    verdicts = ok(manage(database, "shell", "-c", (
        "from census.coverage.models import Requirement; "
        "print(sorted((r.region.code, r.verdict) for r in Requirement.objects.filter(unit__isnull=True, region__code__startswith='530423')))"
    ))).strip().splitlines()[-1]
    assert "county required=1" in evaluated
    assert "('530423', 'required')" in verdicts  # every county founds a county federation
    assert "('530423101', 'required')" in verdicts  # 100 people in the township
    assert "('530423101201', 'required')" in verdicts  # 30 in the village
    assert "('530423101202', 'required')" not in verdicts  # 29: a group, a branch, or join a neighbour
    assert "('530423102', 'required')" not in verdicts

    ok(manage(database, "shell", "-c", "from census.coverage.models import Policy, Requirement; Requirement.objects.all().delete(); Policy.objects.all().delete()"))
    refused = manage(database, "evaluate_coverage", "--region", "530423")
    assert refused.returncode != 0
    assert "没有生效的建会门槛" in refused.stderr and "通海县（530423）" in refused.stderr
