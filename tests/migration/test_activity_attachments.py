"""Migration 0007 (issue 16 §3): an activity's single `attachment` of 0005 becomes an ActivityAttachment row, its
file left where it is; going back restores it. Run in its own process on a database of its own, as a deployment
would migrate."""
from __future__ import annotations

import sqlite3

from tests.migration.test_existing_database import manage

SETUP = (
    "from orgs.regions.models import Region; from orgs.organizations.models import Organization, Activity; "
    "import datetime as dt; "
    "r = Region.objects.create(code='530423', name='通海县', level='county'); "
    "o = Organization.objects.create(name='通海县侨联', kind='county', region=r); "
    "Activity.objects.create(organization=o, duty='liaison', title='有附件', held_on=dt.date(2026, 1, 5)); "
    "Activity.objects.create(organization=o, duty='culture', title='无附件', held_on=dt.date(2026, 1, 6))"
)


def rows(database, sql: str) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchall()


def test_the_old_attachment_becomes_a_row_and_comes_back(tmp_path):
    database = tmp_path / "db.sqlite3"
    for step in (("migrate", "--noinput"), ("shell", "-c", SETUP), ("migrate", "orgs", "0006", "--noinput")):
        done = manage(database, *step)
        assert done.returncode == 0, done.stderr
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE orgs_activity SET attachment = 'orgs/activities/1/签到表.pdf' WHERE title = '有附件'")

    forward = manage(database, "migrate", "--noinput")
    assert forward.returncode == 0, forward.stderr
    assert rows(database, "SELECT a.title, f.file, f.name, f.size FROM orgs_activityattachment f "
                          "JOIN orgs_activity a ON a.id = f.activity_id") == [
        ("有附件", "orgs/activities/1/签到表.pdf", "签到表.pdf", 0),  # the file is not on this machine: size unknown
    ]

    back = manage(database, "migrate", "orgs", "0006", "--noinput")
    assert back.returncode == 0, back.stderr
    assert rows(database, "SELECT title, attachment FROM orgs_activity ORDER BY title") == [
        ("无附件", ""), ("有附件", "orgs/activities/1/签到表.pdf"),
    ]
