"""`make prod-smoke`: the production stack of docker-compose.yml, natively, driven through HTTP.

On the local PostgreSQL and Redis, in a database of its own (`PROD_DATABASE`, default `prodsmoke`, created and
dropped here) and a Redis database number of its own (`PROD_REDIS_DB`, default 13):

1. `docker compose config -q` where docker exists (no daemon needed; skipped with a message otherwise);
2. migrate and load the demo; give the demo users e-mail addresses (the file-based e-mail backend writes to a
   temporary directory);
3. start gunicorn (2 workers), the Celery worker of the default queue, the report worker (queue `reports`) and one
   beat;
4. log in through the login form (CSRF token, django-axes) as each demo role and open the home page;
5. upload a census file on the import page: its preview and its commit are jobs that go through the broker to the
   worker (`CENSUS_ASYNC_BYTES=0`); the registry grows by exactly the file's rows;
6. request a PDF report on the report page; the report worker builds it; download it and check it is a PDF;
7. run the reminders (`send_reminders`, what beat runs at 08:00): the digests' e-mails go through the outbox, the
   relay job on the worker delivers them (files in the mail directory, outbox rows `sent`);
8. stop everything it started, also on failure. Bounded: `PROD_SMOKE_TIMEOUT` seconds (default 480).

Prints what it did and what it found; exits non-zero on the first failure.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.production.stack import ROOT, STARTED, Browser, Stack, StackError, bounded, free_port, say, wait_for

DEMO_USERS = ("admin", "security_admin", "audit_admin", "yunnan_staff", "yuxi_staff", "tonghai_official",
              "huaning_official", "yuxi_leader")
# The pages the three administrators land on (三员分立): each sees its own, not the dashboard.
LANDING = {"security_admin": "/accounts/", "audit_admin": "/audit/"}


def totp(secret_base32: str, at: float | None = None) -> str:
    """RFC 6238 (HMAC-SHA1, 30 s, 6 digits): what an authenticator app shows for `secret_base32`."""
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def second_factor_enrol(browser: Browser, username: str) -> None:
    """An administrator's first login ends on the enrolment page: read the key as a user types it into the
    authenticator app, answer with its current code, and keep the recovery codes page's answer."""
    status, page, final = browser.get("/accounts/2fa/enrol/")
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', page)
    if status != 200 or secret is None:
        raise StackError(f"{username}: no enrolment page with a key ({status} at {final})")
    status, page, final = browser.post("/accounts/2fa/enrol/", {"token": totp(secret.group(1).replace(" ", ""))})
    if status != 200 or "恢复码" not in page:
        raise StackError(f"{username}: the enrolment's first code was refused ({status} at {final})")
    say(f"{username}: second factor enrolled (TOTP), recovery codes shown")
IMPORT_ROWS = 300
REMINDER_DAY = "2022-12-30"  # a day with reminders in the demo plans (README)


def compose_config() -> None:
    docker = shutil.which("docker")
    if not docker:
        say("docker compose config: SKIPPED (docker is not installed here)")
        return
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        say("docker compose config: SKIPPED (docker is here, its compose plugin is not)")
        return
    env_file = ROOT / ".env"
    env = {"POSTGRES_PASSWORD": "check-only", "PATH": "/usr/bin:/bin:/usr/local/bin"}
    result = subprocess.run([docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    if result.returncode != 0 and not env_file.exists() and "env file" in result.stderr:
        say("docker compose config: SKIPPED (no .env; the compose file reads one)")
        return
    if result.returncode != 0:
        raise StackError(f"docker compose config -q failed:\n{result.stderr}")
    say("docker compose config -q: valid")


def shell_json(stack: Stack, code: str) -> dict:
    return json.loads(stack.shell(code).splitlines()[-1])


def counts(stack: Stack) -> dict:
    return shell_json(stack, (
        "import json; from census.registry.models import Person; from census.importing.models import CensusImport; "
        "from tasks.reports.models import ReportJob; from tasks.notifications.models import OutboxMessage, Digest; "
        "print(json.dumps({'persons': Person.objects.count(), 'imports': CensusImport.objects.count(), "
        "'reports': ReportJob.objects.count(), 'digests': Digest.objects.count(), "
        "'outbox': {s: OutboxMessage.objects.filter(status=s).count() for s in ('pending', 'sent', 'failed')}}))"
    ))


def logins(base: str, password: str) -> dict[str, Browser]:
    browsers = {}
    for username in DEMO_USERS:
        browser = Browser(base)
        browser.login(username, password)
        status, page, final = browser.get("/")
        if final.startswith("/accounts/2fa/"):
            second_factor_enrol(browser, username)
            status, page, final = browser.get("/")
        landing = LANDING.get(username)
        if status != 200 or (landing is None and final.startswith("/accounts/")) or (landing and not final.startswith(landing)):
            raise StackError(f"{username}: home page answered {status} at {final}")
        if "/accounts/logout/" not in page:
            raise StackError(f"{username}: the home page offers no logout (not logged in?)")
        say(f"logged in as {username}: home page 200 ({len(page) // 1024} KiB)")
        browsers[username] = browser
    return browsers


def census_import(stack: Stack, browser: Browser, worker_log: Path) -> None:
    sheet = stack.tmp / "census.xlsx"
    stack.manage("generate_census", "--sheet", str(IMPORT_ROWS), "--out", str(sheet), "--region", "530423")
    before = counts(stack)
    status, page, _final = browser.get("/census/imports/")
    match = re.search(r'<select name="campaign"[^>]*>.*?<option value="(\d+)"', page, re.S)
    if status != 200 or not match:
        raise StackError(f"import page answered {status} without a campaign to choose")
    status, page, final = browser.post("/census/imports/upload/", {"campaign": match.group(1)},
                                       files={"file": ("通海县侨情.xlsx", sheet.read_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
    found = re.fullmatch(r"/census/imports/(\d+)/", final)
    if status != 200 or not found:
        raise StackError(f"upload answered {status} at {final}")
    pk = found.group(1)
    say(f"uploaded {sheet.name} ({IMPORT_ROWS} rows) as import {pk}")

    def import_status(*wanted: str):
        def check():
            code, body, _f = browser.get(f"/census/imports/{pk}/status/")
            state = json.loads(body)["status"] if code == 200 else None
            if state in ("failed", "rejected"):
                reason = stack.shell(f"from census.importing.models import CensusImport; print(CensusImport.objects.get(pk={pk}).message)")
                raise StackError(f"import {pk} ended {state}: {reason.strip()[-300:]}")
            return state if state in wanted else None
        return check

    wait_for(f"import {pk} preview by the worker", import_status("previewed"), timeout=120)
    say(f"import {pk}: previewed by the worker")
    status, _page, final = browser.post(f"/census/imports/{pk}/commit/", {"create_units": "on", "accept_duplicates": "on"})
    if status != 200:
        raise StackError(f"commit answered {status} at {final}")
    wait_for(f"import {pk} commit by the worker", import_status("committed"), timeout=180)
    after = counts(stack)
    grown = after["persons"] - before["persons"]
    runs = worker_log.read_text(errors="replace").count("census.jobs.census_import_job[")
    say(f"import {pk}: committed by the worker; persons {before['persons']} → {after['persons']} (+{grown}); "
        f"import job lines in the worker log: {runs}")
    if grown != IMPORT_ROWS:
        raise StackError(f"the registry grew by {grown}, the file has {IMPORT_ROWS} rows")
    if runs < 2:
        raise StackError("the import jobs did not run in the worker (no census_import_job in its log)")


def report(browser: Browser, report_log: Path) -> None:
    status, page, final = browser.post("/reports/request/", {"region": "530400", "format": "pdf", "as_of": ""})
    found = re.search(r'href="/reports/(\d+)/"', page)  # the list, newest first
    if status != 200 or final != "/reports/" or not found:
        raise StackError(f"report request answered {status} at {final}")
    pk = found.group(1)
    say(f"report {pk} requested (玉溪市, PDF)")

    def download():
        status, headers, body, _final = browser.request("GET", f"/reports/{pk}/download/")
        return (headers, body) if status == 200 else None

    headers, body = wait_for(f"report {pk} built by the report worker", download, timeout=240, interval=2)  # type: ignore[misc]
    if not body.startswith(b"%PDF-"):
        raise StackError(f"report {pk}: the download is not a PDF ({body[:20]!r})")
    if "tasks.build_report[" not in report_log.read_text(errors="replace"):
        raise StackError("the report was not built by the report worker (no tasks.build_report in its log)")
    say(f"report {pk}: built by the report worker, downloaded {len(body) // 1024} KiB, {headers.get('Content-Type')}, starts with %PDF-")


def reminders(stack: Stack) -> None:
    before = counts(stack)
    out = stack.manage("send_reminders", "--today", REMINDER_DAY)
    say(f"send_reminders --today {REMINDER_DAY}: {out.strip().splitlines()[-1] if out.strip() else '(no output)'}")
    mid = counts(stack)
    queued = mid["outbox"]["pending"] + mid["outbox"]["sent"] - before["outbox"]["pending"] - before["outbox"]["sent"]
    if mid["digests"] <= before["digests"] or queued <= 0:
        raise StackError(f"the reminders wrote no digest or e-mail (before {before}, after {mid})")

    def delivered():
        now = counts(stack)
        return now if now["outbox"]["pending"] == 0 else None

    after = wait_for("the outbox to be delivered by the worker", delivered, timeout=120, interval=2)
    mails = sum(path.read_text(errors="replace").count("\nMessage-ID: ") for path in stack.mail_dir.iterdir())
    sent = after["outbox"]["sent"] - before["outbox"]["sent"]
    say(f"reminders: digests {before['digests']} → {after['digests']}; outbox {after['outbox']}; "
        f"{sent} sent by the relay on the worker, {mails} e-mails in the mail directory in all")
    if after["outbox"]["failed"] or sent < queued or mails < after["outbox"]["sent"]:
        raise StackError("e-mails failed, or fewer were written by the e-mail backend than the outbox says were sent")


def main() -> int:
    bounded(int(os.environ.get("PROD_SMOKE_TIMEOUT", "480")), "the prod smoke")
    port = free_port()
    stack = Stack("prodsmoke", redis_db=13, database=os.environ.get("PROD_DATABASE", "prodsmoke"),
                  extra_env={"CENSUS_ASYNC_BYTES": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost"})
    try:
        compose_config()
        with stack:
            stack.create_database()
            stack.manage("migrate", "--noinput", timeout=300)
            demo = stack.manage("load_demo", timeout=400)
            password = re.search(r"password: (\S+?)\)", demo)
            if not password:
                raise StackError("load_demo printed no password")
            stack.shell(
                "from django.contrib.auth import get_user_model; U = get_user_model(); "
                "[U.objects.filter(pk=u.pk).update(email=f'{u.username}@example.org') for u in U.objects.all()]"
            )
            stack.start_gunicorn(port=port, workers=2)
            worker = stack.start_worker("worker", queues="celery", concurrency=2)
            report_worker = stack.start_worker("report-worker", queues="reports", concurrency=1)
            beat = stack.start_beat()
            base = f"http://127.0.0.1:{port}"
            browsers = logins(base, password.group(1))
            census_import(stack, browsers["tonghai_official"], worker.log)
            report(browsers["yuxi_staff"], report_worker.log)
            reminders(stack)
            for process in (worker, report_worker, beat):
                if not process.alive():
                    raise StackError(f"{process.name} died:\n{process.tail()}")
            # beat's first outbox relay is due 60 s after it started: it goes through the broker to the worker
            wait_for("beat to send the outbox relay", lambda: "Sending due task outbox-relay" in beat.log.read_text(errors="replace"),
                     timeout=90, interval=2)
            say(f"beat sent: {beat.log.read_text(errors='replace').count('Sending due task')} job(s) (outbox-relay every 60 s)")
    except StackError as error:
        say(f"FAILED: {error}")
        return 1
    finally:
        signal.alarm(0)
    say(f"prod smoke PASSED in {time.monotonic() - STARTED:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
