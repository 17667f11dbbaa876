"""The pages of the nation benchmark (`manage.py benchmark --only nation --people-scale nation`), in one process:
the dashboard and the 应建未建 gap list of 中国 as the system administrator and of 云南省 as its staff, each the
median of several requests through Django's test client (server time, no network), and the queries each costs.
A script, not a command: the administrator's session is marked verified by the tests' own second-factor helper,
which production code has no path to. Prints `name=value` figures."""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qiaolian.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tests.conftest import second_factor_verified  # noqa: E402

PAGES = {
    "china_dashboard": ("admin", "/"),
    "china_gaps": ("admin", "/census/coverage/gaps/"),
    "china_persons": ("admin", "/census/persons/"),
    "yunnan_dashboard": ("yunnan_staff", "/dashboard/530000/"),
    "yunnan_gaps": ("yunnan_staff", "/census/coverage/gaps/"),
    "yunnan_persons": ("yunnan_staff", "/census/persons/"),
}


def main() -> None:
    users = get_user_model().objects
    clients: dict[str, Client] = {}
    for name, (username, path) in PAGES.items():
        if username not in clients:
            client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
            user = users.get(username=username)
            client.force_login(user)
            clients[username] = second_factor_verified(client, user)
        client = clients[username]
        cache.clear()
        started = time.perf_counter()
        first = client.get(path)
        cold = (time.perf_counter() - started) * 1000
        assert first.status_code == 200, (path, first.status_code)
        samples = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        print(f"{name}_cold_ms={cold:.0f} {name}_ms={statistics.median(samples):.0f} {name}_queries={len(queries.captured_queries)}")


if __name__ == "__main__":
    main()
