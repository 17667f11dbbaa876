"""Loading the shipped plans (fixtures/plans/*.json): the Yuxi implementation plan with its milestones and the
tasks its item list names (fixtures/yuxi_plan_2020.csv), and the Jiangxi measures with their yearly tasks."""
from __future__ import annotations

import csv
import datetime
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import Region

from ..models import Milestone, Plan
from .tasks import GeneratedTask, _tasks_bulk_create, milestone_tasks_create, region_place_key

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
PLAN_FILES = (FIXTURES / "plans" / "yuxi_2020.json", FIXTURES / "plans" / "jiangxi_measures.json")
MILESTONE_FIELDS = ("name", "deadline", "description", "gap_levels", "key_areas_only", "other_areas_only",
                    "task_level", "task_title", "task_responsible_unit", "recurrence")


@dataclass
class PlanLoadResult:
    plan: Plan
    milestones: int
    tasks: int


def _region(code: str) -> Region:
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise ValidationError({"scope_region": _("区划代码 %(c)s 不存在，请先导入区划") % {"c": code}}) from None


@transaction.atomic
def plan_load(*, path: Path, today: datetime.date | None = None) -> PlanLoadResult:
    """Creates or updates one plan and its milestones from a JSON fixture, then the tasks it names (idempotent;
    nobody is notified: reminders follow the deadlines)."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    source = path.parent / spec["source_file"] if spec.get("source_file") else None
    plan, _created = Plan.objects.update_or_create(key=spec["key"], defaults={
        "title": spec["title"], "issuing_body": spec.get("issuing_body", ""),
        "document_number": spec.get("document_number", ""),
        "issued_on": datetime.date.fromisoformat(spec["issued_on"]) if spec.get("issued_on") else None,
        "scope_region": _region(spec["scope_region"]),
        "source_text": source.read_text(encoding="utf-8") if source and source.exists() else "",
    })
    tasks = 0
    for item in spec.get("milestones", []):
        values = {f: item[f] for f in MILESTONE_FIELDS if f in item}
        values["deadline"] = datetime.date.fromisoformat(values["deadline"])
        milestone, _c = Milestone.objects.update_or_create(plan=plan, key=item["key"], defaults=values)
        if item.get("csv_item"):
            tasks += len(_csv_tasks(plan, milestone, item, FIXTURES / spec["items_csv"]))
        if milestone.task_level:
            # One-off per-region tasks already past (the 2020 reports) are loaded as done.
            year = (today or timezone.localdate()).year if milestone.recurrence else None
            tasks += len(milestone_tasks_create(milestone=milestone, year=year, done_before=today, notify=False))
    return PlanLoadResult(plan, plan.milestones.count(), tasks)


def _csv_tasks(plan: Plan, milestone: Milestone, item: dict, csv_path: Path):
    """The tasks the plan's item list names (one per county federation or key area), by county and name."""
    with csv_path.open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["item"] == item["csv_item"]]
    counties = {r.code: r for r in Region.objects.filter(code__in={r["county_code"] for r in rows})}
    named = list(Region.objects.filter(name__in={r["name"] for r in rows}).values("pk", "name", "tree_id", "lft", "rght"))
    drafts = []
    for row in rows:
        county = counties.get(row["county_code"])
        if county is None:
            continue
        if row["level"] == "county":
            region_id = county.pk
        else:
            matches = [n["pk"] for n in named if n["name"] == row["name"] and n["tree_id"] == county.tree_id
                       and county.lft < n["lft"] and n["rght"] < county.rght]
            if not matches:
                continue
            region_id = matches[0]
        drafts.append(GeneratedTask(
            title=item["task_title"].format(name=row["name"], county=row["county"]), region_id=region_id,
            place_key=region_place_key(region_id), deadline=datetime.date.fromisoformat(row["deadline"]),
            responsible_unit=item.get("task_responsible_unit", "").format(county=row["county"], name=row["name"]),
            description=row["note"],
        ))
    return _tasks_bulk_create(plan, milestone, drafts, notify=False)  # loading a plan is not an assignment


def plans_load(*, today: datetime.date | None = None) -> list[PlanLoadResult]:
    """Every shipped plan."""
    return [plan_load(path=path, today=today) for path in PLAN_FILES]
