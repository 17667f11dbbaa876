"""How fast the 企业微信 client sends against the fake server: `python -m tests.fakes.throughput [COUNT]`.

COUNT messages (default 10,000) to COUNT different members through `platform_for("wecom").send`, in one thread, as
one worker relays a digest: the token is fetched once, the connection kept alive, and each message pays its member
counters in Django's cache (Redis when REDIS_URL is set, local memory otherwise) and one POST to the fake. The fake
runs in a process of its own (as the real platform would not share our interpreter's lock). Prints the seconds,
the messages per second and what the fake received. Not a test; the province digest's benchmark builds on it."""
from __future__ import annotations

import multiprocessing
import os
import sys
import time

import django


def _serve(pipe) -> None:
    from tests.fakes.server import FakeServer
    from tests.fakes.wecom import FakeWeCom

    server = FakeServer(FakeWeCom(corp_id="ww-bench", secret="bench-secret")).start()
    pipe.send(server.url)
    pipe.recv()  # until told to stop
    server.stop()


def wecom_throughput(count: int) -> dict[str, float]:
    from django.core.cache import cache
    from django.test import override_settings

    from tasks.notifications.platforms import SENT, platform_for, tokens
    from tasks.notifications.platforms.transport import call_json

    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(target=_serve, args=(theirs,), daemon=True)
    child.start()
    url = ours.recv()
    try:
        with override_settings(WECOM_CORP_ID="ww-bench", WECOM_AGENT_ID="1000002", WECOM_SECRET="bench-secret", WECOM_API_BASE=url):
            cache.delete("platforms:token:wecom:ww-bench:1000002")
            tokens.local_forget()
            platform = platform_for("wecom")
            assert platform is not None
            started = time.perf_counter()
            sent = sum(
                platform.send(to=f"member{number:05d}", title="今日待办", body=f"您有 {number % 7 + 1} 项任务待办。",
                              url="https://qiaolian.example.org/tasks/", key=f"bench-{started}-{number}").outcome == SENT
                for number in range(count)
            )
            seconds = time.perf_counter() - started
            stats = call_json("GET", f"{url}/_fake/stats")
    finally:
        ours.send("stop")
        child.join(5)
    return {"messages": count, "sent": sent, "seconds": round(seconds, 2), "per_second": round(count / seconds), **stats}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qiaolian.settings")
    django.setup()
    from django.conf import settings

    figures = wecom_throughput(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(" ".join(f"{name}={value}" for name, value in figures.items()), f"cache={backend}", f"load={os.getloadavg()[0]:.1f}")
