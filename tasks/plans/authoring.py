"""Plans written in the product (实施方案): staff open a plan for a region of their scope (or copy a template such as
the shipped Yuxi plan or Jiangxi measures), write its milestones — deadline, the rule that chooses the places that
get a task, and the 责任单位 / 责任人 as the plan words them — and then preview and generate the tasks
(`tasks.plans.services.milestone_preview` / `milestone_generate`). A county completes the sub-plan a city's
cascading milestone opened for it. Each write in one transaction; django-auditlog records before → after."""
from __future__ import annotations

import string
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from census.coverage.models import PlaceLevel
from orgs.access.scoping import encloses, user_scope
from orgs.regions.models import Region, RegionLevel
from orgs.units.models import Unit
from tasks.plans.models import Milestone, Plan, Recurrence, TargetRule
from tasks.plans.services import TEMPLATE_WORDS

PLAN_FIELDS = ("title", "issuing_body", "document_number", "issued_on", "source_text", "is_open", "leadership_group",
               "leadership_office")
MILESTONE_FIELDS = ("name", "deadline", "description", "target_rule", "task_level", "gap_levels", "key_areas_only",
                    "other_areas_only", "task_title", "task_responsible_unit", "task_responsible_person", "recurrence")
REGION_LEVELS = (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
LEVEL_ORDER = (RegionLevel.PROVINCE, *REGION_LEVELS)  # a plan's milestone chooses a level below the plan's own
# "every …" as plans word it
EVERY_REGION_OF_LEVEL: dict[str, Any] = {
    RegionLevel.CITY: _lazy("每个市（州）"),
    RegionLevel.COUNTY: _lazy("每个县（市、区）"),
    RegionLevel.TOWNSHIP: _lazy("每个乡镇（街道）"),
    RegionLevel.VILLAGE: _lazy("每个村（社区）"),
}


def plan_writable(user, region: Region) -> bool:
    """Writers (staff, county officials, administrators) write the plans of regions they may change."""
    scope = user_scope(user)
    return scope.can_write and scope.edits_region(region)


def _require_writable(user, region: Region) -> None:
    if not plan_writable(user, region):
        raise PermissionDenied(_("“%(region)s”不在您可制定方案的范围内") % {"region": region.full_name})


@transaction.atomic
def plan_create(*, editor, title: str, region: Region, copied_from: Plan | None = None, **fields) -> Plan:
    _require_writable(editor, region)
    plan = Plan(title=title.strip(), scope_region=region, created_by=editor, copied_from=copied_from,
                **{k: v for k, v in fields.items() if k in PLAN_FIELDS})
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, editor, **changes) -> Plan:
    _require_writable(editor, plan.scope_region)
    for key, value in changes.items():
        if key in PLAN_FIELDS:
            setattr(plan, key, value.strip() if isinstance(value, str) else value)
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_copy(*, source: Plan, editor, region: Region, title: str = "", **fields) -> Plan:
    """A federation's own plan from a template: the text and every milestone (rule, levels, wording, deadline);
    named places only those inside the new region. No tasks: they are generated from the copy."""
    plan = plan_create(
        editor=editor, region=region, copied_from=source,
        title=title or _("%(region)s%(title)s") % {"region": region.name, "title": source.title},
        **{"source_text": source.source_text, **{k: v for k, v in fields.items() if v}},
    )
    for milestone in source.milestones.prefetch_related("target_regions", "target_units").order_by("deadline", "pk"):
        copy = Milestone.objects.create(plan=plan, key=milestone.key, **{f: getattr(milestone, f) for f in MILESTONE_FIELDS})
        copy.target_regions.set(Region.objects.within(region).filter(pk__in=milestone.target_regions.values("pk")))
        copy.target_units.set(Unit.objects.within(region).filter(pk__in=milestone.target_units.values("pk")))
    return plan


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"{"}


def milestone_validate(plan: Plan, data: dict, target_regions, target_units) -> None:
    """Refuses, naming the field, a milestone whose rule lacks what it needs or whose wording names unknown words."""
    errors: dict[str, str] = {}
    rule = data.get("target_rule", TargetRule.NONE)
    level = data.get("task_level", "")
    if rule in (TargetRule.LEVEL, TargetRule.SUB_PLANS):
        if level not in REGION_LEVELS:
            errors["task_level"] = _("请选择逐区划生成任务的层级")
        elif LEVEL_ORDER.index(level) <= LEVEL_ORDER.index(plan.scope_region.level):
            errors["task_level"] = _("层级须低于方案所在区划（%(region)s）") % {"region": plan.scope_region.name}
    if rule == TargetRule.GAPS and not data.get("gap_levels"):
        errors["gap_levels"] = _("请选择应建未建地点的层级")
    if rule == TargetRule.NAMED and not (list(target_regions) or list(target_units)):
        errors["target_regions"] = _("请指定至少一个区划或单位")
    if data.get("key_areas_only") and data.get("other_areas_only"):
        errors["other_areas_only"] = _("“仅重点侨务地区”与“仅非重点地区”不能同时选择")
    if data.get("recurrence") == Recurrence.YEARLY and rule not in (TargetRule.LEVEL, TargetRule.NONE):
        errors["recurrence"] = _("每年重复的时间节点须逐区划生成任务")
    for field in ("task_title", "task_responsible_unit", "task_responsible_person"):
        unknown = _placeholders(data.get(field, "") or "") - set(TEMPLATE_WORDS)
        if unknown:
            errors[field] = _("只能使用 {region}、{county}、{year}，不能使用：%(words)s") % {
                "words": "、".join(sorted("{" + w + "}" for w in unknown))}
    outside = [r.name for r in target_regions if not encloses(plan.scope_region, r)]
    outside += [u.name for u in target_units if not encloses(plan.scope_region, u.region)]
    if outside:
        errors["target_regions"] = _("不在方案区划内：%(names)s") % {"names": "、".join(outside[:10])}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def milestone_save(*, plan: Plan, editor, milestone: Milestone | None = None, target_regions=(), target_units=(),
                   **data) -> Milestone:
    """Creates (milestone None) or changes a milestone of a plan the editor may write; checked as a whole first."""
    _require_writable(editor, plan.scope_region)
    target_regions, target_units = list(target_regions), list(target_units)
    values = {f: data[f] for f in MILESTONE_FIELDS if f in data}
    if milestone is not None:
        values = {**{f: getattr(milestone, f) for f in MILESTONE_FIELDS}, **values}
    values.setdefault("gap_levels", [])
    milestone_validate(plan, values, target_regions, target_units)
    if milestone is None:
        milestone = Milestone(plan=plan, key=_free_key(plan, values.get("name", "")))
    for key, value in values.items():
        setattr(milestone, key, value)
    milestone.full_clean()
    milestone.save()
    milestone.target_regions.set(target_regions)
    milestone.target_units.set(target_units)
    return milestone


def _free_key(plan: Plan, name: str) -> str:
    base = slugify(name, allow_unicode=False)[:30] or "m"
    taken = set(plan.milestones.values_list("key", flat=True))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


@transaction.atomic
def milestone_delete(*, milestone: Milestone, editor) -> None:
    """A milestone without tasks or sub-plans (once tasks exist, change it instead: its history stays)."""
    _require_writable(editor, milestone.plan.scope_region)
    if milestone.tasks.exists() or milestone.sub_plans.exists():
        raise ValidationError(_("“%(name)s”已生成任务，不能删除") % {"name": milestone.name})
    milestone.delete()


def rule_description(milestone: Milestone) -> str:
    """The rule in words, as the pages show it ("应建未建的地点：乡镇、村（仅重点侨务地区）")."""
    levels = dict(PlaceLevel.choices)
    rule = milestone.target_rule
    if rule in (TargetRule.LEVEL, TargetRule.SUB_PLANS):
        text = str(EVERY_REGION_OF_LEVEL.get(milestone.task_level, milestone.task_level))
        if rule == TargetRule.SUB_PLANS:
            text += _("，各自制定子方案")
        if milestone.recurrence == Recurrence.YEARLY:
            text += _("，每年")
        return text
    if rule == TargetRule.KEY_AREAS:
        return _("每个重点侨务地区")
    if rule == TargetRule.GAPS:
        text = _("应建未建的地点：%(levels)s") % {"levels": "、".join(str(levels.get(v, v)) for v in milestone.gap_levels)}
        if milestone.key_areas_only:
            text += _("（仅重点侨务地区）")
        if milestone.other_areas_only:
            text += _("（仅非重点地区）")
        return text
    if rule == TargetRule.NAMED:
        return _("指定的区划或单位")
    return _("不生成任务")

