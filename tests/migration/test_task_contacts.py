"""Migration tasks 0008 (issue 21 §3): the phone and document numbers written into tasks' "其他责任人" before are
masked, the rest of each contact kept. Run on a copy of the demo database of before, in its own process."""
from __future__ import annotations

import json
import sqlite3

from tests.migration.test_existing_database import manage, old_database  # noqa: F401  (the fixture)


def test_the_numbers_in_task_contacts_are_masked(old_database):  # noqa: F811
    done = manage(old_database, "migrate", "tasks", "0007_notification_channels", "--noinput")
    assert done.returncode == 0, done.stderr[-2000:]
    contacts = [{"name": "李四", "contact": "0877-1234567"}, {"name": "王五", "contact": "通海县侨联 139 1234 5678"},
                {"name": "赵六", "contact": "通海县侨联办公室"}]
    with sqlite3.connect(old_database) as connection:
        task_id = connection.execute("SELECT MIN(id) FROM tasks_task").fetchone()[0]
        connection.execute("UPDATE tasks_task SET responsible_contacts = ? WHERE id = ?", (json.dumps(contacts, ensure_ascii=False), task_id))
    done = manage(old_database, "migrate", "--noinput")
    assert done.returncode == 0, done.stderr[-2000:]
    with sqlite3.connect(old_database) as connection:
        stored = json.loads(connection.execute("SELECT responsible_contacts FROM tasks_task WHERE id = ?", (task_id,)).fetchone()[0])
    assert stored == [{"name": "李四", "contact": "087****4567"}, {"name": "王五", "contact": "通海县侨联 139****5678"},
                      {"name": "赵六", "contact": "通海县侨联办公室"}]
