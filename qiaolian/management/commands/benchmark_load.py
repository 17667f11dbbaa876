"""python manage.py benchmark_load --user USER --path /accounts/ [--path …]: a page under load (issue 15 on).

Starts gunicorn (sync workers, as deployed) on this database, signs USER in through 50 sessions made with Django's
session store (wrk sends them round-robin, so the per-request session save of SESSION_SAVE_EVERY_REQUEST does not
queue on one row), and runs wrk (Debian package `wrk`) on each path: the latency at the named number of users
(`--users`, default 10 connections) and the requests per second at saturation (`--saturation`, default 50
connections). Prints `name=value` figures; wrk and gunicorn share this machine's cores, as a real client would not."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError

from qiaolian.middleware import SESSION_STARTED_KEY

LUA = """
local cookies = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", nil, {["Cookie"] = cookies[(i %% #cookies) + 1]})
end
"""


class Command(BaseCommand):
    help = "Measures pages under load with gunicorn and wrk: latency at --users connections, requests/s at --saturation."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True)
        parser.add_argument("--path", action="append", required=True, help="a page to load (repeatable)")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--users", type=int, default=10)
        parser.add_argument("--saturation", type=int, default=50)
        parser.add_argument("--seconds", type=int, default=10)
        parser.add_argument("--port", type=int, default=8791)

    def handle(self, *args, user, path, workers, users, saturation, seconds, port, **options):
        if shutil.which("wrk") is None:
            raise CommandError("wrk is missing: apt-get install wrk")
        account = get_user_model().objects.get(username=user)
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        cookies = ", ".join(f'"{settings.SESSION_COOKIE_NAME}={self._session(account)}"' for _ in range(50))
        script.write_text(LUA % cookies, encoding="utf-8")
        server = self._gunicorn(workers, port)
        try:
            for page in path:
                for connections, label in ((users, "users"), (saturation, "saturation")):
                    figures = self._wrk(port, page, connections, seconds, script)
                    name = re.sub(r"[^a-z0-9]+", "_", page.strip("/").lower()) or "home"
                    self.stdout.write(
                        f"load_{name}_{label}_connections={connections} load_{name}_{label}_rps={figures['rps']} "
                        f"load_{name}_{label}_p50_ms={figures['p50']} load_{name}_{label}_p99_ms={figures['p99']} "
                        f"load_{name}_{label}_errors={figures['errors']}"
                    )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            script.unlink(missing_ok=True)

    def _session(self, account) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(account.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = account.get_session_auth_hash()
        store[SESSION_STARTED_KEY] = int(time.time())
        store.create()
        return str(store.session_key)

    def _gunicorn(self, workers: int, port: int) -> subprocess.Popen:
        command = [sys.executable, "-m", "gunicorn", "-c", "python:qiaolian.gunicorn_conf", "qiaolian.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", str(workers), "--timeout", "120", "--log-level", "warning"]
        server = subprocess.Popen(command, cwd=settings.BASE_DIR, env={**os.environ, "DEBUG": "false"})
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                return server
            except OSError:
                time.sleep(0.2)
        server.kill()
        raise CommandError("gunicorn did not answer on /healthz")

    def _wrk(self, port: int, page: str, connections: int, seconds: int, script: Path) -> dict[str, str]:
        url = f"http://127.0.0.1:{port}{page}"
        warm = ["wrk", "-t1", "-c2", "-d2s", "-s", str(script), url]
        subprocess.run(warm, check=True, capture_output=True)
        command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", "-s", str(script), url]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        socket_errors = re.search(r"Socket errors: (.*)", output)
        return {
            "rps": _found(r"Requests/sec:\s+([\d.]+)", output),
            "p50": _ms(_found(r"50%\s+([\d.]+\w+)", output)),
            "p99": _ms(_found(r"99%\s+([\d.]+\w+)", output)),
            "errors": (non_2xx.group(1) if non_2xx else "0") + ("/" + socket_errors.group(1).replace(" ", "") if socket_errors else ""),
        }


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise CommandError(f"wrk said nothing matching {pattern!r}:\n{text}")
    return match.group(1)


def _ms(value: str) -> str:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]  # _found matched it
    factor = {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
    return f"{float(number) * factor:.0f}"
