"""Migration 0008 (issue 17 §2) moves the three registration fields of Organization into the establishment and its steps
with nothing lost: an approved office, a registration date and a credit code become the matching states and steps; an
organization with none of them gets nothing. Run on a fresh SQLite file in its own process, as a deployment would."""
from __future__ import annotations

import sqlite3

from tests.migration.test_existing_database import manage

ORGANIZATIONS = (
    # id, name, office_approved, registered_on, credit_code
    (1, "已登记县侨联", 1, "2021-09-01", "91350100M000100Y43"),
    (2, "仅批准县侨联", 1, None, ""),
    (3, "仅有代码分会", 0, None, "91350100M000100Y43"),
    (4, "空白分会", 0, None, ""),
)


def test_the_registration_fields_become_establishment_states_and_steps(tmp_path):
    database = tmp_path / "before.sqlite3"
    done = manage(database, "migrate", "orgs", "0007_organization_network", "--noinput")
    assert done.returncode == 0, done.stderr[-2000:]
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO orgs_region (id, code, name, full_name, level, kind, is_key_area, lft, rght, tree_id, depth, parent_id) "
            "VALUES (1, '530423', '通海县', '通海县', 'county', 'county', 0, 1, 2, 1, 0, NULL)"
        )
        for pk, name, approved, registered_on, code in ORGANIZATIONS:
            connection.execute(
                "INSERT INTO orgs_organization (id, name, kind, status, region_id, office_approved, registered_on, credit_code, "
                "budget_funded, responsible_leader, daily_affairs_cadre, created_at, updated_at) "
                "VALUES (?, ?, 'county', 'active', 1, ?, ?, ?, 0, '', '', '2022-01-01 00:00:00', '2022-03-04 00:00:00')",
                (pk, name, approved, registered_on, code),
            )
    done = manage(database, "migrate", "orgs", "--noinput")
    assert done.returncode == 0, done.stderr[-2000:]
    with sqlite3.connect(database) as connection:
        states = {row[0]: row[1:] for row in connection.execute(
            "SELECT organization_id, office_status, credit_code_status, credit_code FROM orgs_establishment")}
        steps = sorted(connection.execute("SELECT organization_id, action, date, code FROM orgs_establishmentstep"))
        columns = {row[1] for row in connection.execute("PRAGMA table_info(orgs_organization)")}
    assert states == {
        1: ("registered", "assigned", "91350100M000100Y43"),
        2: ("approved", "none", ""),
        3: ("none", "assigned", "91350100M000100Y43"),
    }
    assert steps == [
        (1, "approve_office", "2021-09-01", ""), (1, "assign_credit_code", "2021-09-01", "91350100M000100Y43"),
        (1, "register_office", "2021-09-01", ""),
        (2, "approve_office", "2022-03-04", ""),  # undated: the organization's last change, and the note says so
        (3, "assign_credit_code", "2022-03-04", "91350100M000100Y43"),
    ]
    assert not {"office_approved", "registered_on", "credit_code"} & columns
