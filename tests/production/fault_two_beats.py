"""`make fault-beats`: two Celery beat processes by mistake (docker-compose.yml says exactly one).

On the local PostgreSQL and Redis, in a database of its own (`PROD_DATABASE`, default `faultbeats`, created and
dropped here) and a Redis database number of its own (`PROD_REDIS_DB`, default 15): the demo, a few tasks due in 7
days (so that today has reminders), e-mail addresses for every user; the worker (concurrency 2), the report worker
and TWO beats, with every beat job every `BEAT_EVERY_SECONDS` (20) instead of its daily or monthly schedule. Each
job is therefore sent twice at about the same moment, several times over, and runs twice at once on the worker.

Found and asserted: both beats sent the reminders and the monthly reports (at least 2 each); then 0 duplicates:
one digest per person and day (inbox, outbox and mail), one monthly report per leader, region and day, mailed
once; every e-mail in the mail directory once; the jobs ran without errors. Bounded: `FAULT_TIMEOUT` seconds
(default 480). Prints what it did and found; non-zero on failure.

What it does not force: that two runs of one job overlap by milliseconds on the worker. Run without the monthly
reports' constraint it passed too (twice): the window between the "already requested?" read and the insert is
short. `tests/tasks/test_two_beats.py` forces that overlap with threads on PostgreSQL and fails without it.
"""
from __future__ import annotations

import collections
import email
import email.policy
import os
import re
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.production.stack import STARTED, Stack, StackError, bounded, say, wait_for

EVERY = 20
RUN_SECONDS = int(os.environ.get("FAULT_BEATS_SECONDS", "70"))

SETUP = """
import datetime
from django.contrib.auth import get_user_model
from django.utils import timezone
from tasks.plans.models import Task
U = get_user_model()
for user in U.objects.all():
    U.objects.filter(pk=user.pk).update(email=f"{user.username}@example.org")
due = timezone.localdate() + datetime.timedelta(days=7)
ids = list(Task.objects.open().filter(responsible_users__isnull=False).order_by("pk").values_list("pk", flat=True).distinct()[:5])
Task.objects.filter(pk__in=ids).update(deadline=due)
from orgs.access.models import Membership
from orgs.regions.models import Region
# a leadership user for each county of 玉溪市: the monthly run takes long enough for two runs to overlap
for region in Region.objects.get(code="530400").get_children():
    user, _ = U.objects.get_or_create(username=f"leader_{region.code}", defaults={"email": f"leader_{region.code}@example.org"})
    Membership.objects.get_or_create(user=user, role="leadership", region=region)
print(len(ids), due, Membership.objects.filter(role="leadership").count())
"""


def mails(directory: Path) -> list[tuple[str, str]]:
    """(recipient, subject) of every message the file-based backend wrote (several messages per file)."""
    found = []
    for path in directory.iterdir():
        for chunk in re.split(r"\n-{79}\n", path.read_text(errors="replace")):
            if chunk.strip():
                message = email.message_from_string(chunk.strip() + "\n", policy=email.policy.default)
                found.append((str(message["To"]), str(message["Subject"])))
    return found


def main() -> int:
    bounded(int(os.environ.get("FAULT_TIMEOUT", "480")), "the two-beats fault script")
    stack = Stack("faultbeats", redis_db=15, database=os.environ.get("PROD_DATABASE", "faultbeats"),
                  extra_env={"BEAT_EVERY_SECONDS": str(EVERY)})
    try:
        with stack:
            stack.create_database()
            stack.manage("migrate", "--noinput")
            stack.manage("load_demo", timeout=400)
            say(f"tasks moved to 7 days ahead, day, leadership memberships: {stack.shell(SETUP)}")
            worker = stack.start_worker("worker", queues="celery", concurrency=3)
            report_worker = stack.start_worker("report-worker", queues="reports", concurrency=1)
            beats = [stack.start_beat("beat-1"), stack.start_beat("beat-2")]
            say(f"two beats running, every job every {EVERY} s; waiting {RUN_SECONDS} s")
            time.sleep(RUN_SECONDS)
            for beat in beats:
                stack.stop(beat)
            sent = collections.Counter()
            for beat in beats:
                for task in re.findall(r"Sending due task [\w-]+ \(([\w.]+)\)", beat.log.read_text(errors="replace")):
                    sent[task] += 1
            say(f"the two beats sent: {dict(sent)}")
            for task in ("tasks.send_reminders", "tasks.send_monthly_reports"):
                if sent[task] < 2:
                    raise StackError(f"{task} was sent {sent[task]} time(s): the two beats did not both run it")

            # let the queued jobs finish: nothing queued or running, the outbox empty
            def settled() -> bool:
                queued = stack.redis().llen("celery") + stack.redis().llen("reports")
                busy = stack.sql("SELECT (SELECT count(*) FROM tasks_reportjob WHERE status IN ('queued', 'running')),"
                                 " (SELECT count(*) FROM tasks_outboxmessage WHERE status = 'pending')")[0]
                return queued == 0 and not any(busy)
            wait_for("the jobs the beats sent to finish", settled, timeout=180, interval=2)

            digests = stack.sql("SELECT user_id, day, count(*) FROM tasks_digest GROUP BY user_id, day")
            inbox = stack.sql("SELECT user_id, count(*) FROM tasks_notification WHERE digest_id IS NOT NULL GROUP BY user_id")
            outbox = stack.sql("SELECT status, count(*) FROM tasks_outboxmessage GROUP BY status")
            reports = stack.sql("SELECT requested_by_id, region_id, as_of, status, count(*) FROM tasks_reportjob"
                                " WHERE email_to <> '' GROUP BY requested_by_id, region_id, as_of, status")
            leaders = stack.sql("SELECT count(*) FROM orgs_membership m JOIN auth_user u ON u.id = m.user_id"
                                " WHERE m.role = 'leadership' AND m.region_id IS NOT NULL AND u.is_active AND u.email <> ''")[0][0]
            sent_mail = mails(stack.mail_dir)
            repeated = {key: n for key, n in collections.Counter(sent_mail).items() if n > 1}
            say(f"digests: {len(digests)} (person, day) pairs, most rows for one pair: {max((d[2] for d in digests), default=0)}")
            say(f"inbox digests per person: most {max((i[1] for i in inbox), default=0)}; outbox: {dict(outbox)}")
            say(f"monthly reports: {len(reports)} for {leaders} leader(s): {[(r[2].isoformat(), r[3], r[4]) for r in reports]}")
            say(f"e-mails written: {len(sent_mail)}, repeated: {len(repeated)}")
            if not digests or not reports:
                raise StackError("no digest or no monthly report: nothing was tested")
            if any(d[2] > 1 for d in digests) or any(i[1] > 1 for i in inbox):
                raise StackError("a person got two digests on one day")
            if any(r[4] > 1 for r in reports) or len(reports) != leaders or any(r[3] != "done" for r in reports):
                raise StackError(f"monthly reports duplicated, missing or not built: {reports}")
            if repeated:
                raise StackError(f"e-mails sent twice: {repeated}")
            for process in (worker, report_worker):
                text = process.log.read_text(errors="replace")
                errors = re.findall(r"Task [\w.]+\[[^]]+\] (?:raised unexpected|retry): .*", text)
                if errors:
                    raise StackError(f"{process.name}: jobs failed: {errors[:3]}")
            say("0 duplicate digests, reports or e-mails; no job failed")
    except StackError as error:
        say(f"FAILED: {error}")
        return 1
    finally:
        signal.alarm(0)
    say(f"fault two-beats PASSED in {time.monotonic() - STARTED:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
