"""The production processes of qiaolian on this machine, for the smoke and fault scripts of tests/production/.

`Stack` runs what docker-compose.yml runs, natively: gunicorn, the Celery worker of the default queue, the report
worker (queue `reports`) and beat, against the local PostgreSQL and Redis. Each script uses a database of its own
(created and dropped here) and a Redis database number of its own, so it never disturbs the test suites or another
script. Every process is started in its own session (process group) and stopped by its id: SIGTERM to the group,
SIGKILL after a grace period; `Stack.close()` (also on failure, as a context manager) stops all of them, deletes the
keys of its Redis database number and drops its PostgreSQL database.

Not collected by pytest (no `test_` prefix): run by the scripts beside it (`make prod-smoke` …).
"""
from __future__ import annotations

import base64
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
PG_HOST = os.environ.get("PROD_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PROD_PG_PORT", "5432"))
PG_USER = os.environ.get("PROD_PG_USER", "postgres")
REDIS_HOST = os.environ.get("PROD_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("PROD_REDIS_PORT", "6379"))

STARTED = time.monotonic()


def say(message: str) -> None:
    """One line of the script's account of what it did and found, with the seconds since it started."""
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


STACK_SECRET_KEY = f"prod-smoke-{uuid.uuid4().hex}"
STACK_RESIDENT_ID_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()


class StackError(RuntimeError):
    """A check failed or a process did not come up: the script fails with this message."""


def wait_for(what: str, check: Callable[[], object], *, timeout: float, interval: float = 0.5) -> object:
    """Polls `check` until it returns something true; raises StackError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception as error:  # a service still starting: keep polling
            last_error = error
        else:
            if result:
                return result
        time.sleep(interval)
    raise StackError(f"timed out after {timeout:.0f} s waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))


def bounded(seconds: int, what: str) -> None:
    """Fails the script (StackError, so that everything started is stopped) after `seconds`, or when it is told to
    stop (SIGTERM, e.g. from `timeout` in the Makefile or from CI)."""
    def expired(_signum, _frame):
        raise StackError(f"{what} ran longer than {seconds} s")

    def terminated(_signum, _frame):
        raise StackError(f"{what} was stopped (SIGTERM)")

    signal.signal(signal.SIGALRM, expired)
    signal.signal(signal.SIGTERM, terminated)
    signal.alarm(seconds)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def children(self) -> list[int]:
        """The pids of the process's direct children (Celery's pool processes, gunicorn's workers)."""
        try:
            out = subprocess.run(["pgrep", "-P", str(self.pid)], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired):
            return []
        return [int(pid) for pid in out.split()]

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Stack:
    """The processes and the dedicated database and Redis database number of one script run."""

    name: str
    redis_db: int
    database: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    keep_logs: bool = False

    def __post_init__(self) -> None:
        self.database = self.database or os.environ.get("PROD_DATABASE", f"{self.name}_{uuid.uuid4().hex[:6]}")
        self.redis_db = int(os.environ.get("PROD_REDIS_DB", self.redis_db))
        self.tmp = Path(tempfile.mkdtemp(prefix=f"qiaolian-{self.name}-"))
        self.mail_dir = self.tmp / "mail"
        self.mail_dir.mkdir()
        self.processes: list[Process] = []
        self.database_created = False

    # ---- environment --------------------------------------------------------------------------------------

    @property
    def database_url(self) -> str:
        return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}"

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "DJANGO_"))}
        env.update({
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "DEBUG": "false",
            # One key for every process of the stack, as one deployment has: files sealed by the web process are
            # opened by the workers (orgs.common.sealing), ID numbers encrypted by one are read by the others.
            "SECRET_KEY": STACK_SECRET_KEY,
            "RESIDENT_ID_KEY": STACK_RESIDENT_ID_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MEDIA_ROOT": str(self.tmp / "media"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        })
        env.update(self.extra_env)
        return env

    # ---- database and Redis -------------------------------------------------------------------------------

    def _admin_sql(self, sql: str) -> None:
        import psycopg  # lazy: the module is imported by scripts that may only want `say`

        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    def create_database(self) -> None:
        if not re.fullmatch(r"[a-z0-9_]+", self.database):
            raise StackError(f"unsafe database name {self.database!r}")
        self._admin_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        self._admin_sql(f'CREATE DATABASE "{self.database}"')
        self.database_created = True
        say(f"database {self.database} created on {PG_HOST}:{PG_PORT}; Redis {self.redis_url}")
        self.clear_redis()

    def drop_database(self) -> None:
        if self.database_created:
            self._admin_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self.database_created = False
            say(f"database {self.database} dropped")

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        """Rows of a query on the stack's database (a quick look at statuses and counts, without Django)."""
        import psycopg  # lazy: see _admin_sql

        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=self.database, connect_timeout=10) as conn:
            return list(conn.execute(query, params).fetchall())

    def celery_call(self, task: str, *, timeout: float = 60) -> None:
        """Queues `task` through the broker (`celery call`), as beat would."""
        subprocess.run([str(VENV_BIN / "celery"), "-A", "qiaolian", "call", task], cwd=ROOT, env=self.env(),
                       capture_output=True, text=True, timeout=timeout, check=True)
        say(f"queued {task} through the broker")

    def redis(self):
        import redis  # lazy: see _admin_sql

        return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=self.redis_db, socket_timeout=10)

    def clear_redis(self) -> None:
        """Deletes the keys of this run's Redis database number only (never FLUSHALL, never another number)."""
        client = self.redis()
        keys = list(client.scan_iter(count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start:start + 500])

    # ---- commands and processes ---------------------------------------------------------------------------

    def manage(self, *args: str, timeout: float = 300, check: bool = True) -> str:
        """Runs `manage.py args` with the stack's environment; returns its output."""
        started = time.monotonic()
        try:
            result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(), capture_output=True,
                                    text=True, timeout=timeout)
        except subprocess.TimeoutExpired as error:
            raise StackError(f"manage.py {' '.join(args)} ran longer than {timeout:.0f} s") from error
        if check and result.returncode != 0:
            raise StackError(f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
        shown = " ".join(args)
        say(f"manage.py {shown if len(shown) < 100 else shown[:97] + '…'}: {time.monotonic() - started:.1f} s")
        return result.stdout

    def shell(self, code: str, *, timeout: float = 120) -> str:
        """Runs Python in `manage.py shell` (Django set up with the stack's settings); returns what it printed."""
        return self.manage("shell", "--verbosity", "0", "-c", code, timeout=timeout).strip()

    def start(self, name: str, argv: list[str]) -> Process:
        log = self.tmp / f"{name}.log"
        handle = log.open("ab")
        popen = subprocess.Popen(argv, cwd=ROOT, env=self.env(), stdout=handle, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        handle.close()
        process = Process(name, popen, log)
        self.processes.append(process)
        say(f"started {name} (pid {popen.pid}): {' '.join(argv[1:6])} …")
        return process

    def start_gunicorn(self, *, port: int, workers: int = 2) -> Process:
        process = self.start("gunicorn", [
            str(VENV_BIN / "gunicorn"), "-c", "python:qiaolian.gunicorn_conf", "qiaolian.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--timeout", "120", "--access-logfile", "-",
        ])
        wait_for("gunicorn to answer /healthz", lambda: _http_ok(f"http://127.0.0.1:{port}/healthz"), timeout=60)
        return process

    def start_worker(self, name: str = "worker", *, queues: str = "celery", concurrency: int = 2) -> Process:
        """A Celery worker as docker-compose.yml runs it (fresh process per job); waits until it is ready."""
        process = self.start(name, [
            str(VENV_BIN / "celery"), "-A", "qiaolian", "worker", "-l", "info", "-Q", queues, "-O", "fair",
            "--concurrency", str(concurrency), "--max-tasks-per-child", "1", "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip", "--without-mingle",
        ])
        wait_for(f"{name} to be ready", lambda: "ready." in process.log.read_text(errors="replace") or not process.alive(), timeout=60)
        if not process.alive():
            raise StackError(f"{name} exited at start:\n{process.tail()}")
        return process

    def start_beat(self, name: str = "beat") -> Process:
        return self.start(name, [
            str(VENV_BIN / "celery"), "-A", "qiaolian", "beat", "-l", "info",
            "--schedule", str(self.tmp / f"{name}-schedule"),
        ])

    def stop(self, process: Process, *, grace: float = 20) -> None:
        """SIGTERM to the process group, SIGKILL after `grace` seconds."""
        if process.alive():
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.popen.wait(timeout=10)
        else:
            _signal_group(process.pid, signal.SIGKILL)  # leftover children of a dead leader
        if process in self.processes:
            self.processes.remove(process)

    def kill9(self, process: Process) -> None:
        """`kill -9` of the process and all of its children at once (the whole group), as the OOM killer or an
        operator's mistake would; nothing gets to clean up."""
        _signal_group(process.pid, signal.SIGKILL)
        process.popen.wait(timeout=10)
        if process in self.processes:
            self.processes.remove(process)

    def close(self, *, failed: bool = False) -> None:
        for process in reversed(list(self.processes)):
            if failed:
                say(f"--- last lines of {process.name} ---\n{process.tail()}")
            try:
                self.stop(process, grace=15)
            except Exception as error:
                say(f"could not stop {process.name} (pid {process.pid}): {error}")
        say("all processes stopped")
        try:
            self.clear_redis()
        except Exception as error:
            say(f"could not clear Redis db {self.redis_db}: {error}")
        try:
            self.drop_database()
        except Exception as error:
            say(f"could not drop database {self.database}: {error}")
        if failed or self.keep_logs:
            say(f"logs kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(failed=exc_type is not None)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except urllib.error.HTTPError:
        return False


# ---- HTTP as a browser does it ----------------------------------------------------------------------------


class Browser:
    """A cookie-keeping HTTP client that logs in through the login form (CSRF token and all) and posts forms."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def request(self, method: str, path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
                follow: bool = True) -> tuple[int, dict[str, str], bytes, str]:
        """(status, headers, body, final path). Redirects are followed for GET after POST, as browsers do."""
        url = path if path.startswith("http") else self.base_url + path
        for _hop in range(10):
            req = urllib.request.Request(url, data=data, method=method, headers={"Referer": self.base_url + "/", **(headers or {})})
            try:
                response = self.opener.open(req, timeout=60)
                status, response_headers, body = response.status, dict(response.headers), response.read()
            except urllib.error.HTTPError as error:
                status, response_headers, body = error.code, dict(error.headers), error.read()
            if follow and status in (301, 302, 303, 307, 308) and "Location" in response_headers:
                url = urllib.parse.urljoin(url, response_headers["Location"])
                method, data, headers = "GET", None, {}
                continue
            return status, response_headers, body, urllib.parse.urlsplit(url).path
        raise StackError(f"too many redirects from {path}")

    def get(self, path: str) -> tuple[int, str, str]:
        status, _headers, body, final = self.request("GET", path)
        return status, body.decode("utf-8", errors="replace"), final

    def csrf(self) -> str:
        for cookie in self.cookies:
            if cookie.name == "csrftoken":
                return cookie.value
        raise StackError("no csrftoken cookie")

    def post(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes, str]] | None = None) -> tuple[int, str, str]:
        fields = {"csrfmiddlewaretoken": self.csrf(), **fields}
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for key, value in fields.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
            for key, (filename, content, content_type) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{filename}"\r\n'
                    f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n"
                )
            parts.append(f"--{boundary}--\r\n".encode())
            data, content_type = b"".join(parts), f"multipart/form-data; boundary={boundary}"
        else:
            data, content_type = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        status, _headers, body, final = self.request("POST", path, data=data, headers={"Content-Type": content_type})
        return status, body.decode("utf-8", errors="replace"), final

    def login(self, username: str, password: str) -> None:
        status, _page, _final = self.get("/accounts/login/")
        if status != 200:
            raise StackError(f"login page answered {status}")
        status, _page, final = self.post("/accounts/login/", {"username": username, "password": password})
        if status != 200 or final.startswith("/accounts/login"):
            raise StackError(f"login as {username} failed: {status} at {final}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by `Browser.request` itself, so that cookies set on a redirect are kept."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None
