"""A real Celery worker against a real Redis (PostgreSQL + Redis only): a digest is delivered; and when the
broker stops mid-way, a page's save still succeeds, its e-mail waits in the outbox and is delivered exactly once
when the broker is back.

These tests commit (the worker is another process), so they flush the database afterwards; the module fixture
reloads the session data (national tree, demo users) for the tests that follow."""
from __future__ import annotations

import datetime
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tasks.notifications.models import Digest, OutboxMessage, OutboxStatus
from tasks.plans.models import Plan, Task

ROOT = Path(settings.BASE_DIR)
CELERY = str(Path(sys.executable).parent / "celery")


def _unavailable(reason: str):
    """Skips on a developer machine; fails in CI on PostgreSQL, which must run these tests."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set and the database is PostgreSQL: the worker tests must run)", pytrace=False)
    pytest.skip(reason)


def _require_worker_setup(*, private_redis: bool = False) -> None:
    """SQLite always skips (the worker subprocess cannot see an in-memory/SQLite test database); on PostgreSQL a
    missing broker or redis-server binary skips locally and fails in CI."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker subprocess must see the test database (SQLite run skips it)")
    if not settings.REDIS_URL:
        _unavailable("needs REDIS_URL: a real broker for the worker")
    if private_redis and not (shutil.which("redis-server") and shutil.which("redis-cli")):
        _unavailable("needs redis-server and redis-cli to run a private broker")


@pytest.fixture(scope="module", autouse=True)
def _reload_session_data(django_db_blocker):
    """transaction=True tests flush every table at their end: put back what tests/conftest.py loads once."""
    yield
    from django.contrib.contenttypes.models import ContentType

    from qiaolian.demo.organizations import demo_regions_load, demo_users_create

    with django_db_blocker.unblock():
        ContentType.objects.clear_cache()
        from orgs.regions.models import Region

        if not Region.objects.exists():
            demo_regions_load()
            demo_users_create()


def _worker_env(redis_url: str) -> dict:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update({
        "REDIS_URL": redis_url,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "qiaolian.settings",
    })
    return env


def _start_worker(redis_url: str, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(
        [CELERY, "-A", "qiaolian", "worker", "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=ROOT, env=_worker_env(redis_url), stdout=handle, stderr=subprocess.STDOUT,
    )


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait(predicate, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.3)
    return predicate()


def _load_yuxi():
    from orgs.regions.models import Region

    if not Region.objects.exists():
        from qiaolian.demo.organizations import demo_regions_load, demo_users_create

        demo_regions_load()
        demo_users_create()
    from qiaolian.demo.plans import demo_liaisons_create
    from tasks.plans.services import PLAN_FILES, plan_load

    demo_liaisons_create()
    plan_load(path=PLAN_FILES[0], today=datetime.date(2022, 11, 1))
    return Plan.objects.get(key="yuxi-2020")


@pytest.mark.django_db(transaction=True)
def test_real_worker_delivers_a_digest(tmp_path):
    _require_worker_setup()
    from tasks.reminders.jobs import send_reminders

    _load_yuxi()
    log = tmp_path / "worker.log"
    worker = _start_worker(settings.REDIS_URL, log)
    try:
        send_reminders.apply_async(kwargs={"today": "2022-12-24"})
        assert _wait(lambda: Digest.objects.count() == 9 and not OutboxMessage.objects.exclude(status=OutboxStatus.SENT).exists()
                     and OutboxMessage.objects.count() == 9), log.read_text()[-3000:]
        # A duplicated run (redelivery, a second beat) sends nothing more.
        send_reminders.apply_async(kwargs={"today": "2022-12-24"})
        assert _wait(lambda: "succeeded" in log.read_text() and log.read_text().count("tasks.send_reminders") >= 4)
        time.sleep(2)
    finally:
        _stop(worker)
    text = log.read_text()
    assert Digest.objects.count() == 9 and OutboxMessage.objects.count() == 9
    assert text.count("Subject: ") == 9, text[-3000:]
    assert "tonghai_official@example.org" in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    assert _wait(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG", 10)
    return process


def _reset_producer_pool(app) -> None:
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def private_broker():
    """Our own redis-server on a free port (never the shared one), with this process's Celery app pointed at it."""
    _require_worker_setup(private_redis=True)  # before starting redis-server, so a missing binary skips/fails
    from qiaolian.celery import app

    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    old = app.conf.broker_url
    app.conf.broker_url = url
    _reset_producer_pool(app)
    state = {"redis": _start_redis(port), "port": port, "url": url}
    yield state
    if state["redis"].poll() is None:
        _stop(state["redis"])
    app.conf.broker_url = old
    _reset_producer_pool(app)


@pytest.mark.django_db(transaction=True)
def test_broker_down_mid_way_loses_nothing_and_sends_nothing_twice(tmp_path, private_broker):
    from django.contrib.auth import get_user_model

    from orgs.regions.models import Region
    from tasks.notifications.jobs import relay_outbox
    from tasks.plans.services import task_create

    plan = _load_yuxi()
    tonghai = Region.objects.get(code="530423")
    official = get_user_model().objects.get(username="tonghai_official")
    log = tmp_path / "worker.log"
    worker = _start_worker(private_broker["url"], log)
    try:
        first = task_create(plan=plan, title="断线前的任务", region=tonghai, deadline=datetime.date(2023, 3, 1), responsible_users=[official])
        assert _wait(lambda: OutboxMessage.objects.filter(subject__contains="断线前的任务", status=OutboxStatus.SENT).exists()), log.read_text()[-3000:]

        _stop(private_broker["redis"])  # the broker goes away mid-way
        started = time.monotonic()
        second = task_create(plan=plan, title="断线期间的任务", region=tonghai, deadline=datetime.date(2023, 3, 1), responsible_users=[official])
        assert time.monotonic() - started < 15  # the save does not hang on the broker
        assert Task.objects.filter(pk=second.pk).exists()
        time.sleep(2)
        waiting = OutboxMessage.objects.get(subject__contains="断线期间的任务")
        assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 0

        private_broker["redis"] = _start_redis(private_broker["port"])  # back, same port, empty
        relay_outbox.apply_async()  # what beat does every 60 s
        assert _wait(lambda: OutboxMessage.objects.get(pk=waiting.pk).status == OutboxStatus.SENT, 90), log.read_text()[-3000:]
        relay_outbox.apply_async()  # a second relay finds nothing to send
        time.sleep(3)
    finally:
        _stop(worker)
    waiting.refresh_from_db()
    assert waiting.attempts == 1
    text = log.read_text()
    assert text.count("Subject: ") == 2, text[-3000:]
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 2
    assert first.pk != second.pk
