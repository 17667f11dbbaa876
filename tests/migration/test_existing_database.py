"""A database made before the restructure into concern packages (issue 13) migrates to the new layout without
a change to its data.

`demo-before-restructure.sqlite3.xz` is the database of main at bc705a5 (the commit before the restructure)
after `migrate` and `load_demo`: 3,613 regions, 6,000 persons, the plans, tasks, organizations and users of the
demo. The test migrates a copy with the code of today, in its own process (as a deployment would), and compares
every table's row count before and after; then it reads the rows through today's models."""
from __future__ import annotations

import lzma
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(__file__).with_name("demo-before-restructure.sqlite3.xz")


def row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {table: connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


def manage(database: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEBUG": "false"}
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.fixture
def old_database(tmp_path) -> Path:
    database = tmp_path / "before.sqlite3"
    with lzma.open(SNAPSHOT) as packed, database.open("wb") as unpacked:
        shutil.copyfileobj(packed, unpacked)
    return database


def documents(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT id, id_number_encrypted, id_number_hash, id_number_masked FROM census_person ORDER BY id").fetchall()


def test_a_database_of_the_old_layout_migrates_with_every_row_kept(old_database):
    before = row_counts(old_database)
    assert before["census_person"] == 6000 and before["orgs_region"] == 3613  # the demo is in it
    stored = documents(old_database)

    migrated = manage(old_database, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    after = row_counts(old_database)
    # Every table keeps its rows; only the migrations written since the snapshot are recorded as applied, and the
    # tables added since are empty.
    # (new models add their content types and permissions).
    grown = ("django_migrations", "django_content_type", "auth_permission")
    # issue 21: the channel choices moved onto the accounts (tasks 0007 copies them); their old table goes
    folded = {"tasks_notificationpreference": "orgs_accountprofile"}
    assert all(before.get(old, 0) <= after[new] for old, new in folded.items())
    assert {t: n for t, n in after.items() if t in before and t not in grown} == {
        t: n for t, n in before.items() if t not in grown and t not in folded
    }
    assert all(after[t] >= before[t] for t in grown)
    # Issue 16: the open round of the snapshot (2026, 玉溪市) gets its reporting counties, none of them submitted yet.
    assert {t: n for t, n in after.items() if t not in before} == {
        "census_persondocument": 0, "census_columnmapping": 0, "orgs_accountprofile": 0, "census_unitimport": 0,
        "tasks_milestone_target_regions": 0, "tasks_milestone_target_units": 0, "orgs_cadrecontactlog": 0,
        "orgs_activityattachment": 0, "census_campaignreport": 9, "census_campaignreportstep": 0,
        "census_approvalsnapshot": 0,
        # Issue 17 §2: the demo had no office, registration or credit code to move into an establishment
        "orgs_establishment": 0, "orgs_establishmentstep": 0, "orgs_staffpost": 0,
        # Issue 17 §4: no nomination before (the demo's designations are recorded with their nomination afterwards)
        "orgs_designationnomination": 0, "orgs_designationstep": 0,
        "orgs_candidate": 0, "orgs_congress": 0,  # issue 17 §1: the candidate lists and congresses
        # issue 17 §3: trainings, their attendance, the volunteer register and a person's links to those records
        "orgs_training": 0, "orgs_trainingattendance": 0, "orgs_volunteer": 0, "census_personrecordlink": 0,
        # issue 17 §4: scoring sheets, yearly assessments, plan leadership groups
        "orgs_scoringsheet": 0, "orgs_scoringitem": 0, "orgs_organizationassessment": 0, "orgs_assessmentscore": 0,
        "tasks_planleadershipmember": 0,
        # issue 18 §4: two-factor login (django-otp's devices)
        "otp_totp_totpdevice": 0, "otp_static_staticdevice": 0, "otp_static_statictoken": 0,
        # issue 18 §2: the job outbox
        "orgs_queuedjob": 0,
        # issue 21 §2: unified sign-on (the accounts' 统一身份认证账号, django-cas-ng's session tickets)
        "orgs_externalidentity": 0, "django_cas_ng_proxygrantingticket": 0, "django_cas_ng_sessionticket": 0,
    }
    # Issue 14: every person registered then holds a resident ID, its ciphertext and lookup hash untouched.
    assert documents(old_database) == stored
    with sqlite3.connect(old_database) as connection:
        assert connection.execute("SELECT DISTINCT id_type FROM census_person").fetchall() == [("resident_id",)]
    assert after["django_migrations"] >= before["django_migrations"]

    # Nothing is pending and the models of today describe the tables as they are.
    pending = manage(old_database, "makemigrations", "--check", "--dry-run")
    assert pending.returncode == 0, pending.stdout + pending.stderr
    plan = manage(old_database, "showmigrations", "--plan")
    assert plan.returncode == 0 and "[ ]" not in plan.stdout, plan.stdout

    # Today's models, from their concern packages, read the same rows.
    code = (
        "from census.registry.models import Person; from orgs.regions.models import Region; "
        "from orgs.organizations.models import Organization; from tasks.plans.models import Task; "
        "from census.coverage.models import Requirement; "
        "from orgs.common.crypto import decrypt_text; from census.registry.services import person_find_by_document; "
        "first = Person.objects.order_by('pk').first(); "
        "assert person_find_by_document('resident_id', decrypt_text(first.id_number_encrypted)) == first; "
        "print(Person.objects.count(), Region.objects.count(), Organization.objects.count(), "
        "Task.objects.count(), Requirement.objects.count())"
    )
    read = manage(old_database, "shell", "-c", code)
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip().splitlines()[-1].split() == [str(before[t]) for t in
                                   ("census_person", "orgs_region", "orgs_organization", "tasks_task", "census_requirement")]
