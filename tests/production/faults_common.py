"""Small helpers of the fault scripts (tests/production/fault_*.py): processes started and stopped with timeouts, a
PostgreSQL database of their own, `manage.py` against it, and a logged-in HTTP user (urllib, CSRF, cookies).

Generic on purpose (no fault in here), so that they can be merged with the production stack's helpers. Run from the
project root; Python standard library and psycopg only (the scripts run outside Django)."""
from __future__ import annotations

import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PYTHON = sys.executable
SHARED_POSTGRES = "postgres://postgres@127.0.0.1:5432"
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Qiaolian@2026")


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def fail(message: str) -> None:
    say(f"FAILED: {message}")
    raise SystemExit(1)


def time_box(seconds: float) -> None:
    """Ends the script (through its `finally` clean-up) after `seconds`, whatever it is waiting for."""

    def expire(_signum, _frame):
        fail(f"time box of {seconds:.0f} s exceeded")

    signal.signal(signal.SIGALRM, expire)
    signal.alarm(int(seconds))


def wait_until(check: Callable[[], object], timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except Exception:
            pass
        time.sleep(interval)
    return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


@dataclass
class Service:
    """A process this script started (in its own process group), with its log file."""

    name: str
    process: subprocess.Popen
    log: Path

    def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(5)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def start(name: str, command: list[str], *, env: dict[str, str], logs: Path, cwd: Path = ROOT) -> Service:
    log = logs / f"{name}.log"
    handle = log.open("ab")
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    say(f"started {name} (pid {process.pid}): {' '.join(command[:6])}{' …' if len(command) > 6 else ''}")
    return Service(name, process, log)


def stop_all(services: list[Service]) -> None:
    for service in reversed(services):
        service.stop()
        say(f"stopped {service.name}")


def project_env(**overrides: str) -> dict[str, str]:
    """The environment of the project's processes: this one's, without the caller's database and Redis."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER")}
    env.update({"DEBUG": "0", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"})
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 900) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        fail(f"manage.py {' '.join(args)}: exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def sql(url: str, query: str, params: tuple = ()) -> list[tuple]:
    """Rows of one query (autocommit) on the database at `url`."""
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def database_create(name: str, server: str = SHARED_POSTGRES) -> str:
    """A fresh database `name` on `server` (dropped first if a previous run left it); its URL."""
    database_drop(name, server)
    sql(f"{server}/postgres", f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def database_drop(name: str, server: str = SHARED_POSTGRES) -> None:
    sql(f"{server}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def gunicorn(env: dict[str, str], port: int, logs: Path, *, workers: int = 2, timeout: int = 60) -> Service:
    service = start("gunicorn", [str(BIN / "gunicorn"), "-c", "python:qiaolian.gunicorn_conf", "qiaolian.wsgi:application", "--bind", f"127.0.0.1:{port}",
                                 "--workers", str(workers), "--timeout", str(timeout), "--graceful-timeout", "5",
                                 "--access-logfile", "-"], env=env, logs=logs)
    if not wait_until(lambda: port_open(port), 60):
        fail(f"gunicorn did not listen on {port}:\n{service.tail()}")
    return service


def resident_id(county: str, birth: str, sequence: int) -> str:
    """A valid 18-digit resident ID (GB 11643 check character) issued in `county` (6 digits), born `birth` (YYYYMMDD)."""
    first17 = f"{county}{birth}{sequence % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


@dataclass
class Outcome:
    """What a user saw: (phase, action, status) counts, and the failures with their first bytes."""

    counts: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, phase: str, action: str, status: int, detail: str = "") -> None:
        with self.lock:
            self.counts[(phase, action, status)] += 1
            if detail:
                self.failures.append(f"{phase} {action} {status}: {detail[:300]}")


class Browser:
    """One user over HTTP: cookies, the CSRF token, no redirects followed (a 302 after a POST is the success)."""

    def __init__(self, base: str, timeout: float = 30):
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect())

    def csrf(self) -> str:
        return next((c.value for c in self.cookies if c.name == "csrftoken"), "")

    def request(self, method: str, path: str, data: dict | list | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + urllib.parse.quote(path, safe="/?=&%:"), data=body, method=method, headers={
            "Accept-Language": "zh-hans", **({"X-CSRFToken": self.csrf(), "Referer": self.base + "/"} if method != "GET" else {}),
            **(headers or {}),
        })
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path)

    def post(self, path: str, data: dict | list) -> tuple[int, dict[str, str], bytes]:
        return self.request("POST", path, data)

    def login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.get("/accounts/login/")  # sets the CSRF cookie
        status, _headers, body = self.post("/accounts/login/", {"username": username, "password": password})
        if status != 302:
            fail(f"login of {username}: {status} {body[:300]!r}")


def user_loop(outcome: Outcome, phase_of: Callable[[], str], stopping: threading.Event, step: Callable[[], None]) -> None:
    """Runs `step` until `stopping`; an exception (no answer at all) is recorded, never ends the user."""
    while not stopping.is_set():
        phase = phase_of()
        try:
            step()
        except Exception as error:
            outcome.record(phase, "no answer", 0, f"{error.__class__.__name__}: {error}")
            time.sleep(0.5)
