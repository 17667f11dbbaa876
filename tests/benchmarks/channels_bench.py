"""Benchmark group `channels` (issue 21 §1): the province's reminder digest through 企业微信. 10,000 accounts on
企业微信, each with a task due in 7 days; `reminders_send` writes one digest per person (and one outbox row each),
then `outbox_relay` sends them through the real 企业微信 client to the fake server on loopback, run in a process of
its own as the real platform would be. Checks: one /cgi-bin/message/send per person, none dropped by the per-member
limits, a second run sends nothing; target < 60 s for digests + relay.

    python -m tests.benchmarks.channels_bench [PEOPLE]     # DATABASE_URL: a migrated database (PostgreSQL)
    manage.py benchmark --only channels                     # the same in the benchmark database

Prints key=value figures and writes its section of docs/benchmarks.md when run as a module."""
from __future__ import annotations

import datetime
import multiprocessing
import os
import re
import sys
import time

import django

DAY = datetime.date(2022, 12, 30)
CORP, AGENT, SECRET = "ww-bench", "1000002", "bench-secret"


def _serve(pipe) -> None:
    from tests.fakes.server import FakeServer
    from tests.fakes.wecom import FakeWeCom

    server = FakeServer(FakeWeCom(corp_id=CORP, secret=SECRET)).start()
    pipe.send(server.url)
    pipe.recv()
    server.stop()


def _dataset(people: int) -> list[int]:
    """`people` accounts on 企业微信 (user id = user name), each responsible for one task due in 7 days."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from orgs.accounts.models import AccountProfile
    from orgs.regions.models import Region
    from tasks.plans.models import Plan, Task

    User = get_user_model()
    with transaction.atomic():
        have = User.objects.filter(username__startswith="wecom_bench_").count()
        User.objects.bulk_create([User(username=f"wecom_bench_{i:05d}", password="!") for i in range(have, people)], batch_size=5000)
        users = list(User.objects.filter(username__startswith="wecom_bench_").order_by("username").values_list("pk", "username")[:people])
        AccountProfile.objects.filter(user_id__in=[pk for pk, _u in users]).delete()
        AccountProfile.objects.bulk_create([
            AccountProfile(user_id=pk, wecom_user_id=username, notify_channel="wecom", must_change_password=False) for pk, username in users
        ], batch_size=5000)
        region = Region.objects.filter(level="province").order_by("code").first()
        if region is None:  # an empty database: one province to hang the tasks on
            region = Region.objects.create(code="530000", name="云南省", level="province")
        plan, _ = Plan.objects.get_or_create(key="wecom-bench", defaults={"title": "企业微信基准方案", "scope_region": region})
        Task.objects.filter(plan=plan).delete()
        tasks = Task.objects.bulk_create([
            Task(plan=plan, title=f"基准任务{i}", region=region, deadline=DAY + datetime.timedelta(days=7), responsible_unit="基准")
            for i in range(len(users))
        ], batch_size=5000)
        through = Task.responsible_users.through
        through.objects.bulk_create([through(task_id=t.pk, user_id=pk) for t, (pk, _u) in zip(tasks, users, strict=True)], batch_size=10000)
    return [pk for pk, _u in users]


def measure(people: int) -> dict[str, object]:
    from django.core.cache import cache
    from django.test import override_settings

    from tasks.notifications.models import Digest, OutboxMessage, OutboxStatus
    from tasks.notifications.platforms import tokens
    from tasks.notifications.platforms.transport import call_json
    from tasks.notifications.services import outbox_relay
    from tasks.reminders import services as reminders

    user_ids = _dataset(people)
    Digest.objects.filter(day=DAY).delete()
    OutboxMessage.objects.filter(key__startswith="digest:").delete()
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(target=_serve, args=(theirs,), daemon=True)
    child.start()
    url = ours.recv()
    kick, reminders.outbox_kick = reminders.outbox_kick, lambda: None  # the relay is timed apart
    try:
        with override_settings(WECOM_CORP_ID=CORP, WECOM_AGENT_ID=AGENT, WECOM_SECRET=SECRET, WECOM_API_BASE=url):
            cache.clear()
            tokens.local_forget()
            started = time.perf_counter()
            report = reminders.reminders_send(today=DAY)
            digest_seconds = time.perf_counter() - started
            started = time.perf_counter()
            relayed = outbox_relay(batch=500)
            relay_seconds = time.perf_counter() - started
            second = reminders.reminders_send(today=DAY)
            again = outbox_relay()
            stats = call_json("GET", f"{url}/_fake/stats")
    finally:
        reminders.outbox_kick = kick
        ours.send("stop")
        child.join(5)
    mine = OutboxMessage.objects.filter(recipient_id__in=user_ids, key__startswith="digest:")
    return {
        "people": people, "digests": report.digests_sent, "wecom_rows": mine.filter(channel="wecom").count(),
        "digest_seconds": round(digest_seconds, 2), "relayed": relayed, "relay_seconds": round(relay_seconds, 2),
        "total_seconds": round(digest_seconds + relay_seconds, 2),
        "per_second": round(relayed / relay_seconds) if relay_seconds else 0,
        "not_sent": mine.exclude(status=OutboxStatus.SENT).count(),
        "second_run_digests": second.digests_sent, "second_run_relayed": again, **stats,
    }


def table(f: dict[str, str], load: str, database: str) -> str:
    return "\n".join([
        "| figure | target | measured |",
        "| --- | --- | --- |",
        f"| digests of {f['people']} accounts on 企业微信 (`reminders_send`: digests, inbox rows, outbox rows) | — | {f['digest_seconds']} s |",
        f"| relay through the 企业微信 client to the fake server (`outbox_relay`) | — | {f['relayed']} messages, {f['relay_seconds']} s ({f['per_second']}/s) |",
        f"| digests + relay | < 60 s | **{f['total_seconds']} s** |",
        f"| /cgi-bin/message/send received / delivered / dropped by the per-member limits | one each, none dropped | "
        f"{f['received']} / {f['delivered']} / {f['dropped']} (token fetched {f['token_calls']}×) |",
        f"| second run the same day | sends nothing | {f['second_run_digests']} digests, {f['second_run_relayed']} sent |",
        "",
        "The fake 企业微信 (tests/fakes/wecom.py) runs in a process of its own on 127.0.0.1; the relay claims 500 rows at a time "
        "(committed as \"sending\" before any call), sends them 8 at a time (tasks.notifications.relay.SEND_THREADS), and writes "
        "their outcomes in one UPDATE per distinct outcome plus one for the platforms' message ids. "
        f"`python -m tests.benchmarks.channels_bench`, {database}; machine load average {load}.",
    ])


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qiaolian.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection

    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    people = int(numbers[0]) if numbers else 10_000
    load_before = os.getloadavg()[0]
    figures = measure(people)
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    if "--write" in sys.argv:
        from tests.benchmarks.runner import write_section

        body = table({k: str(v) for k, v in figures.items()}, f"{load_before:.1f} → {os.getloadavg()[0]:.1f}",
                     f"{connection.vendor}, cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}")
        write_section("channels", "## Notification channels: the province digest through 企业微信 (issue 21 §1)\n\n" + body)


def bench(env, dataset, options) -> str:
    """The `channels` group of `manage.py benchmark`: runs this module in the benchmark database."""
    import subprocess

    from tests.benchmarks.runner import ROOT

    output = subprocess.run([sys.executable, "-m", "tests.benchmarks.channels_bench", "10000"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True).stdout
    figures = dict(re.findall(r"(\w+)=([\w.\-]+)", output))
    return table(figures, f"{os.getloadavg()[0]:.1f}", "PostgreSQL (benchmark database)")


if __name__ == "__main__":
    main()
