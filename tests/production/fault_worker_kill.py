"""`make fault-worker`: the Celery worker killed with `kill -9` mid-import and mid-report.

On the local PostgreSQL and Redis, in a database of its own (`PROD_DATABASE`, default `faultworker`, created and
dropped here) and a Redis database number of its own (`PROD_REDIS_DB`, default 14), with gunicorn, the worker and
the report worker of docker-compose.yml, four cuts:

A. import commit, the pool process killed (as the OOM killer does): the worker's main process sees the job lost,
   puts the message back (reject_on_worker_lost), the next delivery finds the import running and marks it failed
   with the reason;
B. import commit, the whole worker killed (main process and pool at once): nothing puts the message back; a new
   worker starts; after JOB_STUCK_SECONDS the sweep job marks the import failed with the reason; after the visibility
   timeout the message comes back and does nothing;
C. report build, the report worker's pool process killed: as A, the report is marked failed with the reason;
D. report build, the whole report worker killed: as B, the sweep marks it failed.

After each cut: the record is failed with a reason, never left "running", and the registry has not changed (the
commit is one transaction). Then the same file imported again adds exactly its rows once, and a report requested
again is built. Bounded: `FAULT_TIMEOUT` seconds (default 420). Prints what it did and found; non-zero on failure.
"""
from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.production.stack import STARTED, Browser, Process, Stack, StackError, bounded, free_port, say, wait_for

ROWS = int(os.environ.get("FAULT_IMPORT_ROWS", "20000"))
STUCK_SECONDS = 12
VISIBILITY_SECONDS = 40
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Run:
    def __init__(self, stack: Stack, browser: Browser) -> None:
        self.stack, self.browser = stack, browser
        self.sheet = stack.tmp / "census.xlsx"

    # ---- reading the database ---------------------------------------------------------------------------------

    def registry(self) -> dict[str, int]:
        persons, events = self.stack.sql("SELECT (SELECT count(*) FROM census_person), (SELECT count(*) FROM census_personevent)")[0]
        return {"persons": persons, "events": events}

    def import_row(self, pk: int) -> tuple[str, str, int]:
        return self.stack.sql("SELECT status, message, progress FROM census_censusimport WHERE id = %s", (pk,))[0]

    def report_row(self, pk: int) -> tuple[str, str]:
        return self.stack.sql("SELECT status, error FROM tasks_reportjob WHERE id = %s", (pk,))[0]

    def wait_import(self, pk: int, *states: str, timeout: float = 180) -> tuple[str, str, int]:
        return wait_for(f"import {pk} to be {'/'.join(states)}", lambda: (row := self.import_row(pk))[0] in states and row,
                        timeout=timeout, interval=0.2)  # type: ignore[return-value]

    def wait_report(self, pk: int, *states: str, timeout: float = 180) -> tuple[str, str]:
        return wait_for(f"report {pk} to be {'/'.join(states)}", lambda: (row := self.report_row(pk))[0] in states and row,
                        timeout=timeout, interval=0.2)  # type: ignore[return-value]

    # ---- through the pages ------------------------------------------------------------------------------------

    def previewed_import(self) -> int:
        status, page, _final = self.browser.get("/census/imports/")
        campaign = re.search(r'<select name="campaign"[^>]*>.*?<option value="(\d+)"', page, re.S)
        if status != 200 or not campaign:
            raise StackError(f"import page answered {status} without a campaign")
        status, _page, final = self.browser.post("/census/imports/upload/", {"campaign": campaign.group(1)},
                                                 files={"file": ("通海县侨情.xlsx", self.sheet.read_bytes(), XLSX)})
        found = re.fullmatch(r"/census/imports/(\d+)/", final)
        if not found:
            raise StackError(f"upload answered {status} at {final}")
        pk = int(found.group(1))
        state = self.wait_import(pk, "previewed", "failed", "rejected")
        if state[0] != "previewed":
            raise StackError(f"import {pk} preview ended {state}")
        return pk

    def commit(self, pk: int) -> None:
        status, _page, final = self.browser.post(f"/census/imports/{pk}/commit/", {"create_units": "on", "accept_duplicates": "on"})
        if status != 200:
            raise StackError(f"commit of import {pk} answered {status} at {final}")

    def request_report(self, region: str) -> int:
        status, page, final = self.browser.post("/reports/request/", {"region": region, "format": "pdf", "as_of": ""})
        found = re.search(r'href="/reports/(\d+)/"', page)
        if status != 200 or not found:
            raise StackError(f"report request answered {status} at {final}")
        return int(found.group(1))

    # ---- the cuts ---------------------------------------------------------------------------------------------

    def writing(self) -> str:
        """Waits until another connection to the database holds a transaction that has written to the registry (a
        transaction id, a statement on census_person): the commit's one transaction is open, the kill lands in it."""
        rows = wait_for("the commit's transaction to write", lambda: self.stack.sql(
            "SELECT left(query, 60) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_xid IS NOT NULL AND query LIKE %s", ("%census_person%",)), timeout=30, interval=0.05)
        return rows[0][0]  # type: ignore[index]

    def kill_pool_process(self, worker: Process) -> None:
        children = worker.children()
        if len(children) != 1:
            raise StackError(f"{worker.name} should have one pool process, has {children}")
        os.kill(children[0], signal.SIGKILL)
        say(f"kill -9 {children[0]} ({worker.name}'s pool process; its main process {worker.pid} lives on)")

    def kill_worker(self, worker: Process) -> None:
        pids = [worker.pid, *worker.children()]
        self.stack.kill9(worker)
        say(f"kill -9 of {worker.name}, main process and pool at once: {pids}")


def check_unchanged(run: Run, before: dict[str, int], what: str) -> None:
    after = run.registry()
    if after != before:
        raise StackError(f"{what}: the registry changed although the import failed: {before} → {after}")
    say(f"{what}: registry unchanged {after}")


def main() -> int:
    bounded(int(os.environ.get("FAULT_TIMEOUT", "420")), "the worker-kill fault script")
    stack = Stack("faultworker", redis_db=14, database=os.environ.get("PROD_DATABASE", "faultworker"), extra_env={
        "CENSUS_ASYNC_BYTES": "0", "JOB_STUCK_SECONDS": str(STUCK_SECONDS), "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
    })
    try:
        with stack:
            stack.create_database()
            stack.manage("migrate", "--noinput")
            password = re.search(r"password: (\S+?)\)", stack.manage("load_demo", timeout=400))
            assert password
            port = free_port()
            stack.start_gunicorn(port=port, workers=2)
            worker = stack.start_worker("worker", queues="celery", concurrency=1)
            report_worker = stack.start_worker("report-worker", queues="reports", concurrency=1)
            county, city = Browser(f"http://127.0.0.1:{port}"), Browser(f"http://127.0.0.1:{port}")
            county.login("tonghai_official", password.group(1))
            city.login("yunnan_staff", password.group(1))
            run = Run(stack, county)
            stack.manage("generate_census", "--sheet", str(ROWS), "--out", str(run.sheet), "--region", "530423")
            before = run.registry()
            say(f"registry before: {before}")

            # A. import commit, pool process killed
            pk = run.previewed_import()
            say(f"A: import {pk} previewed ({ROWS} rows); committing")
            run.commit(pk)
            state = run.wait_import(pk, "running", "committed")
            if state[0] != "running":
                raise StackError(f"A: import {pk} was {state[0]} before it could be cut")
            query = run.writing()
            say(f"A: import {pk} running, its transaction writing ({query!r}), progress {run.import_row(pk)[2]} %")
            run.kill_pool_process(worker)
            status, message, _p = run.wait_import(pk, "failed", "committed", timeout=60)
            if status != "failed" or not message:
                raise StackError(f"A: import {pk} ended {status} ({message})")
            say(f"A: import {pk} failed with the reason: {message}")
            check_unchanged(run, before, "A")

            # B. import commit, the whole worker killed
            pk_b = run.previewed_import()
            say(f"B: import {pk_b} previewed; committing")
            run.commit(pk_b)
            run.wait_import(pk_b, "running")
            say(f"B: import {pk_b} running, its transaction writing ({run.writing()!r})")
            run.kill_worker(worker)
            time.sleep(1)
            say(f"B: import {pk_b} after the kill: {run.import_row(pk_b)[0]}")
            worker = stack.start_worker("worker-2", queues="celery", concurrency=1)
            time.sleep(STUCK_SECONDS + 1)
            stack.celery_call("census.fail_stuck_imports")
            status, message, _p = run.wait_import(pk_b, "failed", timeout=60)
            say(f"B: import {pk_b} failed by the sweep: {message}")
            check_unchanged(run, before, "B")

            # C. report build, pool process killed
            city_run = Run(stack, city)
            report = city_run.request_report("530000")
            say(f"C: report {report} requested (云南省, PDF)")
            run.wait_report(report, "running")
            time.sleep(1)
            run.kill_pool_process(report_worker)
            status, error = run.wait_report(report, "failed", "done", timeout=60)
            if status != "failed" or not error:
                raise StackError(f"C: report {report} ended {status}")
            say(f"C: report {report} failed with the reason: {error}")

            # D. report build, the whole report worker killed
            report_d = city_run.request_report("530000")
            say(f"D: report {report_d} requested")
            run.wait_report(report_d, "running")
            time.sleep(1)
            run.kill_worker(report_worker)
            say(f"D: report {report_d} after the kill: {run.report_row(report_d)[0]}")
            report_worker = stack.start_worker("report-worker-2", queues="reports", concurrency=1)
            time.sleep(STUCK_SECONDS + 1)
            stack.celery_call("tasks.fail_stuck_reports")
            status, error = run.wait_report(report_d, "failed", timeout=60)
            say(f"D: report {report_d} failed by the sweep: {error}")

            # The messages of B and D come back after the visibility timeout: they find their records decided.
            def redelivered() -> bool:
                imports = re.search(r"census\.jobs\.census_import_job\[[^]]+\] succeeded in [0-9.]+s: 'failed'",
                                    worker.log.read_text(errors="replace"))
                reports = re.search(r"tasks\.build_report\[[^]]+\] succeeded in [0-9.]+s: 'failed'",
                                    report_worker.log.read_text(errors="replace"))
                return bool(imports and reports)
            wait_for("the killed jobs' messages to come back", redelivered, timeout=VISIBILITY_SECONDS + 60, interval=2)
            say(f"B, D: their messages came back after the visibility timeout ({VISIBILITY_SECONDS} s) and did nothing: "
                f"import {run.import_row(pk_b)[0]}, report {run.report_row(report_d)[0]}")
            check_unchanged(run, before, "after the redeliveries")

            # Exactly once: the file imported again, in full, on the restarted worker.
            pk_e = run.previewed_import()
            run.commit(pk_e)
            run.wait_import(pk_e, "committed", timeout=180)
            after = run.registry()
            say(f"import {pk_e} of the same file committed: persons {before['persons']} → {after['persons']}")
            if after["persons"] - before["persons"] != ROWS:
                raise StackError(f"the registry grew by {after['persons'] - before['persons']}, the file has {ROWS} rows")
            report_e = city_run.request_report("530400")
            run.wait_report(report_e, "done", timeout=180)
            say(f"report {report_e} requested again: built")
            left = stack.sql("SELECT (SELECT count(*) FROM census_censusimport WHERE status IN ('queued', 'running')),"
                             " (SELECT count(*) FROM tasks_reportjob WHERE status IN ('queued', 'running'))")[0]
            say(f"imports and reports left queued or running: {list(left)}")
            if any(left):
                raise StackError("jobs left queued or running")
            say(json.dumps({"imports": stack.sql("SELECT id, status FROM census_censusimport ORDER BY id"),
                            "reports": stack.sql("SELECT id, status FROM tasks_reportjob ORDER BY id")}))
    except StackError as error:
        say(f"FAILED: {error}")
        return 1
    finally:
        signal.alarm(0)
    say(f"fault worker-kill PASSED in {time.monotonic() - STARTED:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
