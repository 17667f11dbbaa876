"""Fault: PostgreSQL restarted under load (make fault-postgres).

Never touches the shared PostgreSQL: initdb's a private cluster in a temporary directory (owned by postgres, port
5439 unless --port), migrates it, loads the regions and demo users, opens a census round, and starts gunicorn
(2 workers, jobs in-process) against it. Three users read pages and the API and one registers persons for the whole
run; a census import of --rows rows (`manage.py import_census`) starts just before the server is stopped
(`pg_ctl stop -m fast`, which cuts every connection), which stays down --down seconds and is started again.

It asserts: before the outage every answer is a success; during it every answer is a 503 with Retry-After and no
trace (the translated page, JSON under /api/); after it every answer is a success again, from the same gunicorn
processes (no restart); every person save that answered is in the database; and the import is all or nothing: its
rows are either all in the database or none, and run again after the outage they are all there once. Exit status 1
on any failure. Bounded: --timeout (default 420 s)."""
from __future__ import annotations

import argparse
import csv
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg

from tests.production.faults_common import (
    PYTHON,
    ROOT,
    Browser,
    Outcome,
    Service,
    fail,
    free_port,
    gunicorn,
    manage,
    project_env,
    resident_id,
    say,
    sql,
    stop_all,
    time_box,
    wait_until,
)

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SETUP = """
from qiaolian.demo.organizations import demo_regions_load, demo_users_create
demo_regions_load()
demo_users_create()
"""
IMPORTER = "fault-importer"  # the import command's application_name, to see it in pg_stat_activity
WRITING = ("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND backend_xid IS NOT NULL "
           "AND query ILIKE 'COPY%%census_person%%'")
PAGES = ("/", "/census/persons/", "/organizations/", "/regions/", "/dashboard/530423/")
API = ("/api/persons/", "/api/organizations/", "/api/regions/?code=530423")


class Cluster:
    """A private PostgreSQL cluster: data and socket in `directory`, listening on 127.0.0.1:`port`."""

    def __init__(self, directory: Path, port: int):
        self.directory, self.port = directory, port
        self.data, self.log = directory / "data", directory / "postgres.log"

    def _run(self, *command: str, timeout: float = 120) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            fail(f"{' '.join(command)}: {done.stdout[-1500:]} {done.stderr[-1500:]}")

    def init(self) -> None:
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.directory, postgres.pw_uid, postgres.pw_gid)
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


class Phase:
    def __init__(self):
        self.name = "before"
        self.stopping = threading.Event()


def reader(base: str, username: str, phase: Phase, outcome: Outcome) -> None:
    browser = Browser(base, timeout=20)
    browser.login(username)
    n = 0
    while not phase.stopping.is_set():
        n += 1
        path = (PAGES + API)[n % (len(PAGES) + len(API))]
        name = phase.name
        try:
            status, headers, body = browser.get(path)
        except OSError as error:  # a refused or cut connection is not an answer
            outcome.record(name, "no answer", 0, f"{path}: {error}")
            continue
        check(outcome, name if name == phase.name else "straddle", path, status, headers, body)
        time.sleep(0.1)


def writer(base: str, phase: Phase, outcome: Outcome, saved: list[str]) -> None:
    browser = Browser(base, timeout=20)
    browser.login("tonghai_official")
    n = 0
    while not phase.stopping.is_set():
        n += 1
        name = phase.name
        data = {"name": f"重启演练{n:04d}", "id_type": "resident_id", "category": "relative", "region": "530423",
                "id_number": resident_id("530423", f"19{50 + n % 40:02d}0{1 + n % 9}2{n % 8}", 500 + n)}
        try:
            status, headers, body = browser.post("/census/persons/new/", data)
        except OSError as error:
            outcome.record(name, "no answer", 0, f"person: {error}")
            continue
        if status == 302:
            saved.append(data["name"])
        check(outcome, name if name == phase.name else "straddle", "person save", status, headers, body, success=302)
        time.sleep(0.2)


def check(outcome: Outcome, phase: str, what: str, status: int, headers: dict, body: bytes, success: int = 200) -> None:
    """During the outage a 503 as specified; else the success status. Requests during a change of phase (stopping,
    starting) or across one (straddle) may be either."""
    text = body.decode(errors="replace")
    if status == 503:
        api = what.startswith("/api/")
        problems = []
        if headers.get("Retry-After") != "30":
            problems.append("no Retry-After")
        if "Traceback" in text or "psycopg" in text or "OperationalError" in text:
            problems.append("a trace in the body")
        if "数据库暂时不可用" not in text and not (api and "\\u6570\\u636e\\u5e93" in text):
            problems.append("not the 503 page")
        if problems:
            outcome.record(phase, f"{what} bad 503", status, f"{', '.join(problems)}: {text[:200]}")
            return
    detail = "" if status in (success, 503) else text
    outcome.record(phase, what if status == success else f"{what} ({status})", status, detail)


def write_census(path: Path, rows: int) -> list[str]:
    names = [f"导入演练{i:05d}" for i in range(rows)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["姓名", "身份证号码", "类别", "居住地区划代码"])
        for i, name in enumerate(names):
            day = i % 4200  # 50 years × 12 months × 7 days, then the next sequence number: every number distinct
            birth = f"19{40 + day % 50:02d}{1 + day // 50 % 12:02d}{1 + day // 600:02d}"
            out.writerow([name, resident_id("530423", birth, i // 4200), "侨眷", "530423"])
    return names


def imported(url: str) -> int:
    return sql(url, "SELECT count(*) FROM census_person WHERE name LIKE '导入演练%%'")[0][0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5439)
    parser.add_argument("--before", type=float, default=10)
    parser.add_argument("--down", type=float, default=15)
    parser.add_argument("--after", type=float, default=15)
    parser.add_argument("--rows", type=int, default=30000, help="rows of the census file imported across the outage")
    parser.add_argument("--timeout", type=float, default=420)
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()
    if not (PG_BIN / "initdb").exists():
        fail(f"no PostgreSQL binaries in {PG_BIN} (set PG_BIN)")
    started = time.monotonic()
    time_box(options.timeout)
    work = Path(tempfile.mkdtemp(prefix="fault-postgres-"))
    work.chmod(0o755)  # the postgres user walks through it to its cluster
    logs = work / "logs"
    logs.mkdir()
    cluster = Cluster(work / "cluster", options.port)
    cluster.directory.mkdir()
    services: list[Service] = []
    importer: subprocess.Popen | None = None
    try:
        cluster.init()
        cluster.start()
        say(f"private PostgreSQL on 127.0.0.1:{options.port} ({cluster.directory})")
        env = project_env(DATABASE_URL=cluster.url, MEDIA_ROOT=str(work / "media"), AXES_ENABLED="0")
        manage(env, "migrate", "--noinput")
        manage(env, "shell", "-c", SETUP)
        manage(env, "open_campaign", "--year", "2026", "--region", "530400", "--user", "yuxi_staff")
        census = work / "census.csv"
        names = write_census(census, options.rows)
        say(f"migrated, regions and demo users loaded, round 2026 opened; census file of {len(names)} rows")

        port = free_port()
        web = gunicorn(env, port, logs)
        services.append(web)
        workers_before = sorted(int(p) for p in subprocess.run(["pgrep", "-P", str(web.process.pid)], capture_output=True,
                                                                 text=True).stdout.split())
        base = f"http://127.0.0.1:{port}"
        phase, outcome = Phase(), Outcome()
        saved: list[str] = []
        users = [threading.Thread(target=reader, args=(base, name, phase, outcome))
                 for name in ("tonghai_official", "yuxi_staff", "yuxi_leader")]
        users.append(threading.Thread(target=writer, args=(base, phase, outcome, saved)))
        for user in users:
            user.start()
        say(f"4 users working; the import starts and PostgreSQL stops in {options.before:.0f} s")
        time.sleep(options.before)

        command = [PYTHON, "manage.py", "import_census", str(census), "--campaign", "2026", "--user", "tonghai_official"]
        importer = subprocess.Popen(command, cwd=ROOT, env={**env, "DATABASE_URL": f"{cluster.url}?application_name={IMPORTER}"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # Stop while it writes: as soon as its transaction copies the persons in.
        with psycopg.connect(cluster.url, autocommit=True) as watcher:
            writing = wait_until(lambda: watcher.execute(WRITING, (IMPORTER,)).fetchone()[0] > 0, 180, interval=0.02)
        phase.name = "stopping"
        cluster.stop()
        phase.name = "down"
        say(f"PostgreSQL stopped (fast: connections cut) for {options.down:.0f} s; the import was writing: {writing}, "
            f"running: {importer.poll() is None}")
        time.sleep(options.down)
        phase.name = "starting"
        cluster.start()
        time.sleep(1)
        phase.name = "after"
        say(f"PostgreSQL started again; users go on for {options.after:.0f} s")
        time.sleep(options.after)
        phase.stopping.set()
        for user in users:
            user.join(30)
        import_output, _ = importer.communicate(timeout=120)
        say(f"the import ended with exit status {importer.returncode}: {import_output.strip().splitlines()[-1:] or ''}")

        say("answers (phase, what, status: count):")
        for (name, what, status), count in sorted(outcome.counts.items()):
            say(f"  {name:<8} {what:<34} {status}: {count}")
        problems = [f for f in outcome.failures if not f.startswith(("stopping", "starting", "straddle"))]
        statuses = {name: {status for (p, _what, status) in outcome.counts if p == name} for name in ("before", "down", "after")}
        if statuses["before"] - {200, 302}:
            problems.append(f"before the outage: {statuses['before']}")
        if statuses["down"] != {503}:
            problems.append(f"during the outage, answers other than 503: {statuses['down']}")
        if statuses["after"] - {200, 302} or not statuses["after"]:
            problems.append(f"after the outage: {statuses['after']}")
        workers_after = sorted(int(p) for p in subprocess.run(["pgrep", "-P", str(web.process.pid)], capture_output=True,
                                                                text=True).stdout.split())
        say(f"gunicorn workers before {workers_before}, after {workers_after}")
        if web.process.poll() is not None or workers_after != workers_before:
            problems.append("gunicorn or its workers were restarted")

        stored = sql(cluster.url, "SELECT count(*) FROM census_person WHERE name LIKE '重启演练%%'")[0][0]
        say(f"person saves answered {len(saved)}, stored {stored}")
        if stored != len(saved):
            problems.append(f"{len(saved)} saves answered, {stored} stored")

        rows = imported(cluster.url)
        records = sql(cluster.url, "SELECT id, status, message FROM census_censusimport ORDER BY id")
        say(f"import across the outage: {rows} of {len(names)} rows in the database; import records {records}")
        if not writing or importer.returncode == 0:
            problems.append("the outage did not cut the import while it wrote (raise --rows)")
        if rows not in (0, len(names)):
            problems.append(f"a half-written import: {rows} of {len(names)} rows")
        if rows == 0:
            again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
            rows = imported(cluster.url)
            say(f"the import run again: exit status {again.returncode}, {rows} rows")
        duplicates = sql(cluster.url, "SELECT count(*) FROM (SELECT name FROM census_person WHERE name LIKE '导入演练%%' "
                                      "GROUP BY name HAVING count(*) > 1) d")[0][0]
        if rows != len(names) or duplicates:
            problems.append(f"after recovery the import holds {rows} rows ({duplicates} duplicated), expected {len(names)}")

        if problems:
            for problem in problems[:30]:
                say(f"problem: {problem}")
            say(f"--- gunicorn log tail ---\n{web.tail(20)}")
            fail(f"{len(problems)} problems")
        say(f"OK in {time.monotonic() - started:.0f} s: 503 during the outage only, recovered without a restart, "
            "the import all or nothing")
        return 0
    finally:
        if importer is not None and importer.poll() is None:
            importer.kill()
        stop_all(services)
        if cluster.running():
            try:
                cluster.stop()
                say("stopped the private PostgreSQL")
            except SystemExit:
                say(f"could not stop the private PostgreSQL in {cluster.data}: stop it with pg_ctl")
        if options.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
