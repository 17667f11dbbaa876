"""python manage.py benchmark_plans [--region 530000]: generating a plan's tasks at province scale (issue 16).

In this database (the benchmark dataset: a province census, evaluated here when it has no verdicts yet), opens a
plan for the region with a milestone over every gap (township, village, unit), then measures the preview, the
generation (every required-but-missing place: one task each, assigned to its county's officials, who are told once),
a second generation (creates nothing) and a cascade (a sub-plan and a task per county). Figures `name=value`."""
from __future__ import annotations

import datetime
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import override_settings

from census.coverage.models import FulfilmentChoice, Requirement, VerdictChoice
from census.coverage.services import evaluate_coverage
from orgs.regions.models import Region
from tasks.plans.models import Milestone, Plan, TargetRule, Task
from tasks.plans.services import milestone_generate, milestone_preview


class Command(BaseCommand):
    help = "Measures previewing and generating a province's gap tasks and a cascade of sub-plans."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="530000")

    @override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    def handle(self, *args, region: str, **options):
        root = Region.objects.get(code=region)
        gaps = Requirement.objects.within(root).filter(verdict=VerdictChoice.REQUIRED, status=FulfilmentChoice.MISSING)
        if not gaps.exists():
            started = time.perf_counter()
            evaluate_coverage(root)
            self.stdout.write(f"evaluate_seconds={time.perf_counter() - started:.1f}")
        earlier = Plan.objects.filter(key__startswith="bench-plan-")
        sub_plans = Plan.objects.filter(parent__in=earlier)
        Task.objects.filter(plan__in=sub_plans).delete()
        sub_plans.delete()  # sub-plans first: a plan with sub-plans is protected, and so is a milestone with tasks
        Task.objects.filter(plan__in=earlier).delete()
        earlier.delete()
        plan = Plan.objects.create(key=f"bench-plan-{region}", title=f"{root.name}侨联组织建设实施方案（基准）", scope_region=root)
        milestone = Milestone.objects.create(
            plan=plan, name="应建尽建", deadline=datetime.date(2030, 12, 31), target_rule=TargetRule.GAPS,
            gap_levels=["township", "village", "unit"], task_responsible_unit="{county}委统战部",
            task_responsible_person="{county}委统战部分管侨务工作副部长",
        )
        self.stdout.write(f"gaps={gaps.filter(level__in=milestone.gap_levels).count()}")
        started = time.perf_counter()
        preview = milestone_preview(milestone)
        self.stdout.write(f"preview_ms={(time.perf_counter() - started) * 1000:.0f} preview_new={len(preview.new)}")
        started = time.perf_counter()
        result = milestone_generate(milestone=milestone)
        self.stdout.write(f"generate_seconds={time.perf_counter() - started:.2f} generated={len(result.created)} "
                          f"done_at_once={result.done_at_once}")
        started = time.perf_counter()
        again = milestone_generate(milestone=milestone)
        self.stdout.write(f"again_seconds={time.perf_counter() - started:.2f} again_generated={len(again.created)}")
        cascade = Milestone.objects.create(
            plan=plan, name="各县制定实施方案", deadline=datetime.date(2030, 3, 31), target_rule=TargetRule.SUB_PLANS,
            task_level="county", task_title="{region}制定侨联组织建设实施方案", task_responsible_unit="{region}委统战部",
        )
        started = time.perf_counter()
        result = milestone_generate(milestone=cascade)
        self.stdout.write(f"cascade_seconds={time.perf_counter() - started:.2f} sub_plans={len(result.sub_plans)} "
                          f"cascade_tasks={len(result.created)}")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('tasks_task'))")
                self.stdout.write(f"task_table={cursor.fetchone()[0].replace(' ', '')}")
