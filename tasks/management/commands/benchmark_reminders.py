"""python manage.py benchmark_reminders: 100,000 open tasks for 5,000 people in 云南省, then times the
reminder run (twice: the second must send nothing) and the task board as yuxi_staff and yunnan_staff.
Prints key=value figures (read by tests/benchmarks/tasks_bench.py)."""
from __future__ import annotations

import datetime
import random
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.base import SessionBase
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import RequestFactory

from orgs.regions.models import Region
from tasks.notifications.models import Digest, OutboxMessage
from tasks.notifications.services import outbox_relay
from tasks.plans.models import Milestone, Plan, Task
from tasks.plans.views import task_board
from tasks.reminders import services as reminders
from tasks.reminders.services import reminder_deadlines, reminders_send


class Command(BaseCommand):
    help = "Benchmarks the reminder run over many open tasks and the task board of a province scope."

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, default=100_000)
        parser.add_argument("--people", type=int, default=5_000)
        parser.add_argument("--today", default="2023-01-15")
        parser.add_argument("--seed", type=int, default=6)

    def handle(self, *args, tasks, people, today, seed, **options):
        settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
        day = datetime.date.fromisoformat(today)
        rng = random.Random(seed)
        started = time.perf_counter()
        user_ids = self._dataset(tasks, people, day, rng)
        self.stdout.write(f"setup_seconds={time.perf_counter() - started:.1f}")
        due = set(reminder_deadlines(day, Task.objects.open().order_by("deadline").values_list("deadline", flat=True).first()))
        expected = set(
            Task.responsible_users.through.objects.filter(task__status__in=("todo", "in_progress"), task__deadline__in=due)
            .values_list("user_id", flat=True).distinct()
        )
        Digest.objects.filter(day=day).delete()
        OutboxMessage.objects.all().delete()
        # The relay is its own job (a worker in production; eager here): time it apart from the digests.
        kick, reminders.outbox_kick = reminders.outbox_kick, lambda: None
        started = time.perf_counter()
        first = reminders_send(today=day)
        first_seconds = time.perf_counter() - started
        reminders.outbox_kick = kick

        started = time.perf_counter()
        relayed = outbox_relay()
        relay_seconds = time.perf_counter() - started
        started = time.perf_counter()
        second = reminders_send(today=day)
        second_seconds = time.perf_counter() - started
        digests = Digest.objects.filter(day=day)
        bench_digests = digests.filter(user_id__in=user_ids).count()
        self.stdout.write(
            f"open_tasks={Task.objects.open().count()} people={people} due_tasks={first.tasks} "
            f"escalated_tasks={first.escalated_tasks} people_due={len(expected & set(user_ids))} "
            f"digests={bench_digests} digests_total={first.digests_sent} emails={first.emails} "
            f"reminder_seconds={first_seconds:.2f} relayed={relayed} relay_seconds={relay_seconds:.2f} second_run_digests={second.digests_sent} second_run_seconds={second_seconds:.2f} "
            f"one_per_person={'yes' if digests.values('user_id').distinct().count() == digests.count() else 'no'}"
        )
        for username in ("yuxi_staff", "yunnan_staff"):
            self.stdout.write(f"board_ms_{username}={self._board_ms(username):.0f}")

    @transaction.atomic
    def _dataset(self, tasks: int, people: int, day: datetime.date, rng: random.Random) -> list[int]:
        User = get_user_model()
        existing = list(User.objects.filter(username__startswith="bench_person_").values_list("pk", flat=True))
        if len(existing) < people:
            User.objects.bulk_create(
                [User(username=f"bench_person_{i:05d}", email=f"p{i}@example.org", password="!")
                 for i in range(len(existing), people)], batch_size=2000)
        user_ids = list(User.objects.filter(username__startswith="bench_person_").order_by("pk").values_list("pk", flat=True)[:people])
        yunnan = Region.objects.get(code="530000")
        plan, _ = Plan.objects.get_or_create(key="bench", defaults={"title": "基准测试方案", "scope_region": yunnan})
        Task.objects.filter(plan=plan).delete()
        milestones = [
            Milestone.objects.get_or_create(plan=plan, key=f"m{n}", defaults={"name": f"基准节点{n}", "deadline": day + datetime.timedelta(days=30 * n)})[0]
            for n in range(-2, 3)
        ]
        regions = list(Region.objects.within(yunnan).exclude(level="province").values_list("pk", flat=True))
        rows = []
        for i in range(tasks):
            rows.append(Task(plan=plan, milestone=rng.choice(milestones), title=f"基准任务{i}", region_id=rng.choice(regions),
                             deadline=day + datetime.timedelta(days=rng.randint(-90, 90)), responsible_unit="基准统战部"))
        created = Task.objects.bulk_create(rows, batch_size=5000)
        through = Task.responsible_users.through
        links = []
        for task in created:
            for user_id in rng.sample(user_ids, rng.choice((1, 1, 2))):
                links.append(through(task_id=task.pk, user_id=user_id))
        through.objects.bulk_create(links, batch_size=10000)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE tasks_task; ANALYZE tasks_task_responsible_users; ANALYZE orgs_region")
        return user_ids

    def _board_ms(self, username: str) -> float:

        user = get_user_model().objects.get(username=username)
        factory = RequestFactory()
        times = []
        for _ in range(7):
            request = factory.get("/tasks/")
            request.user = user
            request.session = SessionBase()  # in memory: the board never reads it
            started = time.perf_counter()
            response = task_board(request)
            assert response.status_code == 200
            times.append((time.perf_counter() - started) * 1000)
            if hasattr(user, "_qiaolian_scope"):
                del user._qiaolian_scope
        return statistics.median(times[1:])
