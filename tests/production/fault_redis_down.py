"""Fault: Redis stopped while users work (make fault-redis).

Starts a private redis-server (port 6391 unless --redis-port), a database of its own on the shared PostgreSQL
(`fault_redis`, created and dropped here), gunicorn (2 workers), a Celery worker (both queues) and one beat against
them; loads the regions and demo users and the 玉溪 plan. Four users then work for the whole run: tonghai_official
registers persons and founds organizations, yuxi_leader requests reports (built by the worker), yuxi_staff assigns
tasks (an e-mail each, through the e-mail outbox). After --before seconds Redis is stopped for --down seconds, then
started again, empty (no persistence: what was queued in it is lost), and the users go on for --after seconds.

It asserts: every page answered (200 or the redirect after a save), before, during and after the outage; every
save is in the database; every queued job ran exactly once (its outbox row done, each report built once); every
e-mail was delivered exactly once (the messages written by the file e-mail backend against the outbox rows); and
that the outage was real (jobs were queued while Redis was down and relayed after). Exit status 1 on any failure.
Bounded: --timeout (default 600 s) for the whole run."""
from __future__ import annotations

import argparse
import email
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tests.production.faults_common import (
    BIN,
    Browser,
    Outcome,
    Service,
    database_create,
    database_drop,
    fail,
    free_port,
    gunicorn,
    manage,
    project_env,
    resident_id,
    say,
    sql,
    start,
    stop_all,
    time_box,
    user_loop,
    wait_until,
)

SETUP = """
import datetime
from django.contrib.auth import get_user_model
from qiaolian.demo.organizations import demo_regions_load, demo_users_create
from qiaolian.demo.plans import demo_liaisons_create
from tasks.plans.models import Plan
from tasks.plans.services import PLAN_FILES, plan_load
demo_regions_load()
demo_users_create()
demo_liaisons_create()
plan_load(path=PLAN_FILES[0], today=datetime.date(2022, 11, 1))
users = {u.username: u.pk for u in get_user_model().objects.filter(username__in=["tonghai_official"])}
print("PLAN", Plan.objects.order_by("pk").values_list("pk", flat=True).first(), "TONGHAI", users["tonghai_official"])
"""


def redis_server(port: int, logs: Path) -> Service:
    service = start(f"redis-{port}", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--daemonize", "no"], env={"PATH": "/usr/bin:/bin"}, logs=logs)
    if not wait_until(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True,
                                             timeout=5).stdout.strip() == "PONG", 15):
        fail(f"redis-server on {port} did not answer:\n{service.tail()}")
    return service


class Phase:
    """before / down / after, read by the user threads."""

    def __init__(self):
        self.name = "before"
        self.stopping = threading.Event()


def person_user(base: str, phase: Phase, outcome: Outcome, saved: list[str]) -> None:
    browser = Browser(base)
    browser.login("tonghai_official")
    n = [0]

    def step() -> None:
        n[0] += 1
        number = resident_id("530423", f"19{60 + n[0] % 40:02d}0{1 + n[0] % 9}1{n[0] % 10}", n[0])
        name = phase.name
        status, _headers, body = browser.post("/census/persons/new/", {
            "name": f"故障演练{n[0]:04d}", "id_type": "resident_id", "id_number": number, "category": "relative",
            "region": "530423"})
        outcome.record(name, "person", status, "" if status == 302 else body.decode(errors="replace"))
        if status == 302:
            saved.append(number)
        status, _headers, body = browser.get("/census/persons/?q=故障演练")
        outcome.record(name, "person list", status, "" if status == 200 else body.decode(errors="replace"))
        time.sleep(0.3)

    user_loop(outcome, lambda: phase.name, phase.stopping, step)


def organization_user(base: str, phase: Phase, outcome: Outcome, founded: list[str]) -> None:
    browser = Browser(base)
    browser.login("tonghai_official")
    n = [0]

    def step() -> None:
        n[0] += 1
        name, title = phase.name, f"故障演练侨联小组{n[0]:04d}"
        status, _headers, body = browser.post("/organizations/new/", {
            "name": title, "kind": "branch", "region": "530423", "planned_on": "2026-01-15"})
        outcome.record(name, "organization", status, "" if status == 302 else body.decode(errors="replace"))
        if status == 302:
            founded.append(title)
        for page in ("/", "/organizations/"):
            status, _headers, body = browser.get(page)
            outcome.record(name, f"page {page}", status, "" if status == 200 else body.decode(errors="replace"))
        time.sleep(0.3)

    user_loop(outcome, lambda: phase.name, phase.stopping, step)


def report_user(base: str, phase: Phase, outcome: Outcome, requested: list[str]) -> None:
    browser = Browser(base)
    browser.login("yuxi_leader")

    def step() -> None:
        name = phase.name
        status, _headers, body = browser.post("/reports/request/", {"region": "530423", "format": "xlsx"})
        outcome.record(name, "report", status, "" if status == 302 else body.decode(errors="replace"))
        if status == 302:
            requested.append(name)
        status, _headers, body = browser.get("/reports/")
        outcome.record(name, "report list", status, "" if status == 200 else body.decode(errors="replace"))
        time.sleep(1.5)

    user_loop(outcome, lambda: phase.name, phase.stopping, step)


def task_user(base: str, phase: Phase, outcome: Outcome, assigned: list[str], plan: str, tonghai: str) -> None:
    browser = Browser(base)
    browser.login("yuxi_staff")
    n = [0]

    def step() -> None:
        n[0] += 1
        name, title = phase.name, f"故障演练任务{n[0]:04d}"
        status, _headers, body = browser.post("/tasks/new/", {
            "plan": plan, "title": title, "region": "530423", "deadline": "2030-03-01", "responsible_users": [tonghai]})
        outcome.record(name, "task", status, "" if status == 302 else body.decode(errors="replace"))
        if status == 302:
            assigned.append(title)
        time.sleep(1.0)

    user_loop(outcome, lambda: phase.name, phase.stopping, step)


def mailed(mail_dir: Path) -> list[email.message.Message]:
    """The messages the file e-mail backend wrote (one file per connection, messages separated by a line of dashes)."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_text(errors="replace").split("-" * 79 + "\n"):
            if chunk.strip():
                messages.append(email.message_from_string(chunk))
    return messages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--database", default="fault_redis")
    parser.add_argument("--before", type=float, default=15)
    parser.add_argument("--down", type=float, default=20)
    parser.add_argument("--after", type=float, default=20)
    parser.add_argument("--settle", type=float, default=150, help="seconds allowed for the jobs and e-mails to drain")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, e-mails)")
    options = parser.parse_args()
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        fail("needs redis-server and redis-cli")
    started = time.monotonic()
    time_box(options.timeout)
    work = Path(tempfile.mkdtemp(prefix="fault-redis-"))
    logs, mail_dir, media = work / "logs", work / "mail", work / "media"
    for folder in (logs, mail_dir, media):
        folder.mkdir()
    say(f"work directory {work}")
    services: list[Service] = []
    database_url = ""
    supervising = threading.Event()
    try:
        redis = redis_server(options.redis_port, logs)
        services.append(redis)
        database_url = database_create(options.database)
        say(f"database {database_url}")
        env = project_env(
            DATABASE_URL=database_url, REDIS_URL=f"redis://127.0.0.1:{options.redis_port}/0", MEDIA_ROOT=str(media),
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(mail_dir),
            JOB_OUTBOX_RELAY_SECONDS="5", JOB_OUTBOX_RESEND_SECONDS="30", AXES_ENABLED="0",
        )
        manage(env, "migrate", "--noinput")
        setup = manage(env, "shell", "-c", SETUP).split()
        plan, tonghai = setup[setup.index("PLAN") + 1], setup[setup.index("TONGHAI") + 1]
        say(f"loaded regions, demo users and the 玉溪 plan (#{plan})")
        # What the setup queued and e-mailed is not the run's: counted from here.
        baseline_jobs = sql(database_url, "SELECT coalesce(max(id), 0) FROM orgs_queuedjob")[0][0]
        baseline_outbox = sql(database_url, "SELECT coalesce(max(id), 0) FROM tasks_outboxmessage")[0][0]
        baseline_mail = len(mailed(mail_dir))

        port = free_port()
        services.append(gunicorn(env, port, logs))
        worker_command = [str(BIN / "celery"), "-A", "qiaolian", "worker", "-Q", "celery,reports", "-c", "2",
                          "-l", "info", "--without-heartbeat", "--without-gossip", "--without-mingle"]
        services.append(start("worker", worker_command, env=env, logs=logs))
        services.append(start("beat", [str(BIN / "celery"), "-A", "qiaolian", "beat", "-l", "info",
                                       "--schedule", str(work / "beat-schedule")], env=env, logs=logs))
        if not wait_until(lambda: "ready" in services[-2].log.read_text(errors="replace"), 60):
            fail(f"the worker did not start:\n{services[-2].tail()}")

        base = f"http://127.0.0.1:{port}"
        phase, outcome = Phase(), Outcome()
        persons: list[str] = []
        organizations: list[str] = []
        reports: list[str] = []
        tasks: list[str] = []
        users = [
            threading.Thread(target=person_user, args=(base, phase, outcome, persons)),
            threading.Thread(target=organization_user, args=(base, phase, outcome, organizations)),
            threading.Thread(target=report_user, args=(base, phase, outcome, reports)),
            threading.Thread(target=task_user, args=(base, phase, outcome, tasks, plan, tonghai)),
        ]
        for user in users:
            user.start()
        # As the process supervisor does in production (docker compose: restart: unless-stopped). Seen here: kombu
        # 5.7 can end the worker ("Unrecoverable error", a late ack on the connection Redis just closed).
        worker_restarts: list[str] = []
        supervising.set()

        def supervise() -> None:
            while supervising.is_set():
                worker = next(service for service in services if service.name == "worker")
                if worker.process.poll() is not None:
                    cause = next((line for line in reversed(worker.tail(400).splitlines()) if "Error" in line), "?")
                    worker_restarts.append(cause)
                    say(f"the worker ended (exit {worker.process.returncode}: {cause[:160]}); restarted, as a supervisor would")
                    services[services.index(worker)] = start("worker", worker_command, env=env, logs=logs)
                time.sleep(1)

        supervisor = threading.Thread(target=supervise, daemon=True)
        supervisor.start()
        say(f"4 users working; Redis stops in {options.before:.0f} s")
        time.sleep(options.before)
        redis.stop()
        services.remove(redis)
        phase.name = "down"
        down_at = sql(database_url, "SELECT now()")[0][0]
        say(f"Redis stopped for {options.down:.0f} s")
        time.sleep(options.down)
        up_at = sql(database_url, "SELECT now()")[0][0]  # before the start: a job sent from here on was sent after
        redis = redis_server(options.redis_port, logs)
        services.insert(0, redis)
        phase.name = "after"
        say(f"Redis started again (empty); users go on for {options.after:.0f} s")
        time.sleep(options.after)
        phase.stopping.set()
        for user in users:
            user.join(60)

        say("user actions (phase, action, status: count):")
        for (name, action, status), count in sorted(outcome.counts.items()):
            say(f"  {name:<6} {action:<24} {status}: {count}")
        problems = list(outcome.failures)
        for name in ("before", "down", "after"):
            if not any(key[0] == name for key in outcome.counts):
                problems.append(f"no request during phase {name}")

        def drained() -> bool:
            left = sql(database_url, "SELECT count(*) FROM orgs_queuedjob WHERE id > %s AND status NOT IN ('done', 'failed')",
                       (baseline_jobs,))[0][0]
            unsent = sql(database_url, "SELECT count(*) FROM tasks_outboxmessage WHERE id > %s AND status = 'pending'",
                         (baseline_outbox,))[0][0]
            unbuilt = sql(database_url, "SELECT count(*) FROM tasks_reportjob WHERE status IN ('queued', 'running')")[0][0]
            return left == 0 and unsent == 0 and unbuilt == 0

        remaining = max(10.0, min(options.settle, options.timeout - (time.monotonic() - started)))
        say(f"waiting up to {remaining:.0f} s for the outbox to drain (relay every 5 s, e-mail relay every 60 s)")
        if not wait_until(drained, remaining, interval=2):
            problems.append("the outboxes did not drain in time")

        supervising.clear()
        supervisor.join(5)
        if worker_restarts:
            say(f"the worker was restarted {len(worker_restarts)} time(s) during the run (see above)")
        jobs = sql(database_url, "SELECT name, status, sends, created_at, sent_at FROM orgs_queuedjob WHERE id > %s",
                   (baseline_jobs,))
        by_status: dict[str, int] = {}
        for _name, status, *_rest in jobs:
            by_status[status] = by_status.get(status, 0) + 1
        waited = [row for row in jobs if down_at <= row[3] < up_at]
        relayed_after = [row for row in waited if row[4] is not None and row[4] >= up_at]
        say(f"job outbox: {len(jobs)} rows {by_status}; {len(waited)} queued while Redis was down, "
            f"{len(relayed_after)} of them relayed after it came back")
        messages_sent = sum(row[2] for row in jobs)
        worker_log = "\n".join(service.log.read_text(errors="replace") for service in services if service.name == "worker")
        say(f"job messages handed to the broker {messages_sent} for {len(jobs)} rows; second deliveries skipped by the "
            f"job wrapper: {worker_log.count('skipped: its outbox row already ran')}")
        if any(status != "done" for _name, status, *_rest in jobs):
            problems.append(f"jobs not done: {by_status}")
        if not waited or len(relayed_after) != len(waited):
            problems.append(f"the outage was not exercised: {len(waited)} jobs queued while down, {len(relayed_after)} relayed after")

        report_rows = sql(database_url, "SELECT status, count(*) FROM tasks_reportjob GROUP BY status")
        report_jobs = sql(database_url, "SELECT count(*) FROM orgs_queuedjob WHERE id > %s AND name = 'tasks.build_report'",
                          (baseline_jobs,))[0][0]
        say(f"reports requested {len(reports)}: {dict(report_rows)}; their jobs in the outbox: {report_jobs}")
        if dict(report_rows) != {"done": len(reports)} or report_jobs != len(reports):
            problems.append(f"reports: {dict(report_rows)} for {len(reports)} requests, {report_jobs} jobs")

        persons_stored = sql(database_url, "SELECT count(*) FROM census_person WHERE name LIKE '故障演练%%'")[0][0]
        organizations_stored = sql(database_url, "SELECT count(*) FROM orgs_organization WHERE name LIKE '故障演练%%'")[0][0]
        say(f"persons saved {len(persons)}, stored {persons_stored}; organizations founded {len(organizations)}, stored {organizations_stored}")
        if persons_stored != len(persons) or organizations_stored != len(organizations):
            problems.append("a save that answered is not in the database (or one that failed is)")

        outbox = sql(database_url, "SELECT to_address, status FROM tasks_outboxmessage WHERE id > %s", (baseline_outbox,))
        messages = mailed(mail_dir)[baseline_mail:]
        say(f"tasks assigned {len(tasks)}; e-mail outbox {len(outbox)} rows "
            f"({sum(1 for _to, status in outbox if status == 'sent')} sent); messages delivered {len(messages)}")
        subjects = [str(email.header.make_header(email.header.decode_header(m["Subject"] or ""))) for m in messages]
        duplicates = {s for s in subjects if subjects.count(s) > 1}
        task_mails = [s for s in subjects if "故障演练任务" in s]
        if len(messages) != len(outbox) or any(status != "sent" for _to, status in outbox):
            problems.append(f"{len(outbox)} outbox e-mails, {len(messages)} delivered")
        if duplicates:
            problems.append(f"e-mails delivered twice: {sorted(duplicates)[:5]}")
        if len(task_mails) != len(tasks):
            problems.append(f"{len(tasks)} tasks assigned, {len(task_mails)} assignment e-mails")

        if problems:
            for problem in problems[:30]:
                say(f"problem: {problem}")
            for service in services:
                say(f"--- {service.name} log tail ---\n{service.tail(15)}")
            fail(f"{len(problems)} problems")
        say(f"OK in {time.monotonic() - started:.0f} s: every page answered, every job ran once, every e-mail went once")
        return 0
    finally:
        supervising.clear()
        time.sleep(1.5)  # the supervisor's last look is over: it restarts nothing after this
        stop_all(services)
        if database_url:
            database_drop(options.database)
            say(f"dropped database {options.database}")
        if options.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
