"""Two runs at once (PostgreSQL only: real transactions on two connections): the daily reminder run delivers each
digest once, and generating a milestone's tasks creates each one once without a unique-key error."""
from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections

from tasks.notifications.models import Digest, Notification, OutboxMessage
from tasks.plans.models import Task
from tests.tasks.test_worker import _load_yuxi, _reload_session_data  # noqa: F401 - module fixture: these tests flush


def _at_once(fn, n: int = 2) -> tuple[list, list]:
    barrier, results, errors = threading.Barrier(n), [], []

    def run():
        try:
            barrier.wait()
            results.append(fn())
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results, errors


def _skip_unless_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two connections with real row locks (SQLite run skips it)")


@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_once_deliver_each_digest_once():
    _skip_unless_postgres()
    from tasks.reminders.services import reminders_send

    _load_yuxi()
    results, errors = _at_once(lambda: reminders_send(today=datetime.date(2022, 12, 24)))
    assert errors == []
    assert sorted(r.digests_sent for r in results) == [0, 9]
    assert Digest.objects.count() == 9 and Notification.objects.filter(digest__isnull=False).count() == 9
    assert OutboxMessage.objects.filter(key__startswith="digest:").count() == sum(r.emails for r in results)


@pytest.mark.django_db(transaction=True)
def test_generated_tasks_created_twice_at_once_create_each_task_once():
    """E.g. the daily job's yearly occurrences while a plan is reloaded (same `_tasks_bulk_create` as gap tasks)."""
    _skip_unless_postgres()
    from tasks.plans.services import milestone_tasks_create

    plan = _load_yuxi()
    milestone = plan.milestones.exclude(task_level="").order_by("deadline").first()
    Task.objects.filter(milestone=milestone).delete()
    results, errors = _at_once(lambda: len(milestone_tasks_create(milestone=milestone)))
    assert errors == []
    created = Task.objects.filter(milestone=milestone)
    assert sorted(results)[0] == 0 and sum(results) == created.count() > 0
    assert created.values("place_key").distinct().count() == created.count()
