"""建会门槛 in the product: who keeps which policies, a policy's data checked, the comparison a change would bring
before it is saved, the save (audited, then the governed subtree re-evaluated), and the reads of the policy pages.

Who keeps policies: administrators everywhere (the nationwide default, without a jurisdiction, only they); staff
(侨联工作人员) whose membership region is a province or a city, for that region and the regions below it. County
officials and leadership read them. A policy's key and jurisdiction are fixed once it exists: a policy that should
govern elsewhere is ended (失效日期) and another one created, so the verdicts it decided keep their meaning.

The web pages and the API call the same three functions: `policy_check` (the candidate policy, unsaved, or the
errors by field), `policy_preview` (the candidate and `coverage_what_if` of it: which places become required or
no longer are) and `policy_save` (one transaction: the row, one audit entry with before → after of each changed
field, and the re-evaluation queued on commit)."""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from census.coverage.models import PlaceLevel, Policy, Requirement
from census.coverage.services import (
    PolicyIndex,
    WhatIfResult,
    coverage_evaluate_everywhere,
    coverage_what_if,
    evaluate_coverage,
)
from census.registry.models import Category
from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.access.scoping import SubtreeRange, get_visible_or_404, subtree_q, user_scope
from orgs.common.audit import AuditEvent, audit_event
from orgs.jobs.services import job_enqueue
from orgs.regions.models import Region, RegionLevel

# The Celery job that re-evaluates the subtree a saved policy governs (census.coverage.jobs).
POLICY_REEVALUATION_JOB = "census.evaluate_coverage_after_policy_change"

# The regions of a membership whose staff keep policies, and the levels a policy may be made for.
EDITOR_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY)
JURISDICTION_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY)

# The rules a clause is quoted for (census.coverage.rules), in the order the pages list them.
POLICY_RULES: dict[str, Any] = {
    "county": gettext_lazy("县级全覆盖"),
    "township": gettext_lazy("乡镇(街道)达到门槛"),
    "village": gettext_lazy("村(社区)达到门槛"),
    "unit": gettext_lazy("单位达到门槛"),
    "below": gettext_lazy("未达门槛"),
    "key_area": gettext_lazy("重点侨务地区"),
    "two_new": gettext_lazy("两新组织"),
}
# The forms below the threshold the shipped policies name (the reasons quote them, in Chinese, as the policy
# documents do); a policy may name others.
BELOW_THRESHOLD_OPTIONS = (
    "侨联小组", "侨联分会", "侨联工作站", "网上侨联", "涉侨(含分支)机构", "参与兄弟单位、周边涉侨社团活动",
)
THRESHOLDS = ("township_threshold", "village_threshold", "unit_threshold", "two_new_upper_threshold")
MAX_THRESHOLD = 1_000_000
MAX_CLAUSE = 30  # a reason quotes "<short name> <clause>", stored in 80 characters
MAX_OPTION = 30
MAX_KEY = 40

# Every field a policy is kept with, in the order the pages show them.
POLICY_FIELDS = (
    "key", "name", "short_name", "jurisdiction", "effective_from", "effective_to", "counted_categories",
    "township_threshold", "village_threshold", "unit_threshold", "two_new_upper_threshold",
    "county_always_required", "key_area_always_required", "below_threshold_options", "clauses", "source",
)
FIXED_AFTER_CREATION = ("key", "jurisdiction")
# The fields that do not change a verdict or its reason: saving only these evaluates nothing again.
DESCRIPTIVE_FIELDS = ("name", "source")


# ---- who keeps which policies ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyEditor:
    """Where a user may create and change policies."""

    is_admin: bool = False
    ranges: tuple[SubtreeRange, ...] = ()

    @property
    def can_edit(self) -> bool:
        return self.is_admin or bool(self.ranges)

    def keeps(self, jurisdiction: Region | None) -> bool:
        """Whether the user may keep a policy of `jurisdiction` (None: the nationwide default)."""
        if self.is_admin:
            return True
        return jurisdiction is not None and any(r.contains(jurisdiction.tree_id, jurisdiction.lft, jurisdiction.rght) for r in self.ranges)


def policy_editor(user) -> PolicyEditor:
    """Administrators keep every policy; staff of a province or a city federation those of their region's subtree."""
    scope = user_scope(user)
    if scope.is_admin:
        return PolicyEditor(is_admin=True)
    if not scope.roles:
        return PolicyEditor()
    rows = Membership.objects.filter(user=user, role=Role.STAFF, region__level__in=EDITOR_LEVELS).values_list(
        "region_id", "region__tree_id", "region__lft", "region__rght"
    )
    return PolicyEditor(ranges=tuple(SubtreeRange(*row) for row in rows))


NOT_AN_EDITOR = gettext_lazy("只有系统管理员和省、市侨联工作人员可以制定或修改建会门槛")


def policy_editor_require(user) -> PolicyEditor:
    """The user's editor rights; PermissionDenied (403) when they keep no policy at all."""
    editor = policy_editor(user)
    if not editor.can_edit:
        raise PermissionDenied(str(NOT_AN_EDITOR))
    return editor


def policy_for_edit(user, pk: int) -> Policy:
    """The policy `pk` for changing: 404 when the user may not see it, 403 when they see it but do not keep it."""
    policy = get_visible_or_404(Policy.objects.select_related("jurisdiction"), user, pk=pk)
    if not policy_editor_require(user).keeps(policy.jurisdiction):
        raise PermissionDenied(_("您可以查看此门槛，但它不属于您可以制定门槛的辖区"))
    return policy


def policies_kept_by(user):
    """The policies the user may change (a queryset)."""
    editor = policy_editor(user)
    if editor.is_admin:
        return Policy.objects.all()
    q = subtree_q(editor.ranges, "jurisdiction")
    return Policy.objects.filter(q) if q is not None else Policy.objects.none()


# ---- checking a policy's data -----------------------------------------------------------------------------


def field_label(field: str) -> str:
    """A policy field's name in words (its verbose name)."""
    return str(getattr(Policy._meta.get_field(field), "verbose_name", field))


def period_text(policy: Policy) -> str:
    """A policy's dates in words: "2020-01-01 起", "2020-01-01 至 2025-12-31", "长期有效"."""
    start, end = policy.effective_from, policy.effective_to
    if start and end:
        return _("%(start)s 至 %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}
    if start:
        return _("%(start)s 起") % {"start": start.isoformat()}
    if end:
        return _("至 %(end)s") % {"end": end.isoformat()}
    return _("长期有效")


def _overlaps(a_from, a_to, b_from, b_to) -> bool:
    return (a_to is None or b_from is None or b_from <= a_to) and (b_to is None or a_from is None or a_from <= b_to)


def _generated_key(candidate: Policy) -> str:
    year = (candidate.effective_from or timezone.localdate()).year
    base = f"{candidate.jurisdiction.code if candidate.jurisdiction else 'national'}-{year}"
    taken = set(Policy.objects.filter(key__startswith=base).values_list("key", flat=True))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _clean_text_list(values) -> list[str]:
    seen: list[str] = []
    for value in values or ():
        text = " ".join(str(value).split())
        if text and text not in seen:
            seen.append(text)
    return seen


def _check_values(candidate: Policy, errors: dict[str, list[str]]) -> None:
    """The policy's own values: texts, categories, thresholds, dates, options, clauses."""

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    candidate.name = " ".join(str(candidate.name or "").split())
    candidate.short_name = " ".join(str(candidate.short_name or "").split())
    candidate.source = str(candidate.source or "").strip()
    if not candidate.name:
        refuse("name", _("请填写名称"))
    elif len(candidate.name) > 200:
        refuse("name", _("名称不能超过 200 个字"))
    if not candidate.short_name:
        refuse("short_name", _("请填写简称（理由中引用，如“玉溪方案”）"))
    elif len(candidate.short_name) > 40:
        refuse("short_name", _("简称不能超过 40 个字"))

    categories = list(candidate.counted_categories or [])
    unknown = [c for c in categories if c not in Category.values]
    if unknown:
        refuse("counted_categories", _("未知类别：%(v)s") % {"v": "、".join(map(str, unknown))})
    elif not categories:
        refuse("counted_categories", _("请至少选择一个计入门槛的类别"))
    candidate.counted_categories = [c for c in Category.values if c in set(categories)]

    for field in THRESHOLDS:
        value = getattr(candidate, field)
        if value is None or isinstance(value, bool) or not isinstance(value, int):
            refuse(field, _("%(label)s须为整数（人）") % {"label": field_label(field)})
        elif value < 1:
            refuse(field, _("%(label)s至少为 1 人（填写 %(value)s）") % {"label": field_label(field), "value": value})
        elif value > MAX_THRESHOLD:
            refuse(field, _("%(label)s不能超过 %(max)s 人") % {"label": field_label(field), "max": MAX_THRESHOLD})
    township, village = candidate.township_threshold, candidate.village_threshold
    if "township_threshold" not in errors and "village_threshold" not in errors and village > township:
        refuse("village_threshold", _("村(社区)门槛（%(village)s 人）不能高于乡镇(街道)门槛（%(township)s 人）")
               % {"village": village, "township": township})

    if candidate.effective_from and candidate.effective_to and candidate.effective_to < candidate.effective_from:
        refuse("effective_to", _("失效日期 %(to)s 早于生效日期 %(from)s")
               % {"to": candidate.effective_to.isoformat(), "from": candidate.effective_from.isoformat()})

    options = _clean_text_list(candidate.below_threshold_options)
    if not options:
        refuse("below_threshold_options", _("请至少选择或填写一种门槛以下的建议形式"))
    for option in options:
        if len(option) > MAX_OPTION:
            refuse("below_threshold_options", _("“%(option)s”过长：每种形式不超过 %(max)s 个字") % {"option": option, "max": MAX_OPTION})
    candidate.below_threshold_options = options

    clauses = dict(candidate.clauses or {})
    unknown_rules = sorted(set(clauses) - set(POLICY_RULES))
    if unknown_rules:
        refuse("clauses", _("未知规则：%(v)s（可用：%(known)s）") % {"v": "、".join(unknown_rules), "known": "、".join(POLICY_RULES)})
    cleaned = {}
    for rule in POLICY_RULES:
        text = " ".join(str(clauses.get(rule) or "").split())
        if len(text) > MAX_CLAUSE:
            refuse(f"clause_{rule}", _("条款出处不超过 %(max)s 个字（“%(rule)s”）") % {"max": MAX_CLAUSE, "rule": POLICY_RULES[rule]})
        if text:
            cleaned[rule] = text
    candidate.clauses = cleaned


def _check_place_and_key(editor: PolicyEditor, stored: Policy | None, candidate: Policy, data: Mapping, errors) -> None:
    """The jurisdiction (one the editor keeps, fixed once created), the key (unique, fixed) and the dates against
    the other policies of the same jurisdiction (one in force at a time)."""

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if stored is not None:
        if "jurisdiction" in data and data["jurisdiction"] != stored.jurisdiction:
            refuse("jurisdiction", _("适用区域在创建后不能修改：请为本门槛设定失效日期，再为新的区域新建门槛"))
        if "key" in data and (data["key"] or stored.key) != stored.key:
            refuse("key", _("标识在创建后不能修改"))
    else:
        jurisdiction = candidate.jurisdiction
        if jurisdiction is None:
            if not editor.is_admin:
                refuse("jurisdiction", _("只有系统管理员可以制定全国默认门槛：请选择适用区域"))
        elif not editor.keeps(jurisdiction):
            refuse("jurisdiction", _("“%(region)s”不在您可以制定门槛的辖区内") % {"region": jurisdiction.path})
        elif jurisdiction.level not in JURISDICTION_LEVELS:
            refuse("jurisdiction", _("建会门槛由省、市、县三级制定：“%(region)s”是%(level)s区划")
                   % {"region": jurisdiction.path, "level": jurisdiction.get_level_display()})
        key = str(candidate.key or "").strip()
        if not key:
            candidate.key = _generated_key(candidate)
        elif len(key) > MAX_KEY or not re.fullmatch(r"[-a-zA-Z0-9_]+", key):
            refuse("key", _("标识只能由字母、数字、连字符和下划线组成，不超过 %(max)s 个字符") % {"max": MAX_KEY})
        elif Policy.objects.filter(key=key).exists():
            refuse("key", _("标识“%(key)s”已被使用") % {"key": key})
        else:
            candidate.key = key

    if "effective_to" in errors:
        return
    same_place = Policy.objects.filter(jurisdiction=candidate.jurisdiction) if candidate.jurisdiction else Policy.objects.filter(jurisdiction__isnull=True)
    if stored is not None:
        same_place = same_place.exclude(pk=stored.pk)
    for other in same_place.order_by("effective_from"):
        if _overlaps(candidate.effective_from, candidate.effective_to, other.effective_from, other.effective_to):
            refuse("effective_from", _(
                "与“%(other)s”（%(period)s）的生效期重叠：同一适用区域同一时间只能有一个门槛生效。"
                "请调整生效、失效日期，或先为“%(other)s”设定失效日期"
            ) % {"other": other.short_name, "period": period_text(other)})
            break


def _copy_of(policy: Policy) -> Policy:
    """A second instance of a stored policy (saving it updates the row); its lists and clauses are its own."""
    candidate = Policy(**{f.attname: copy.deepcopy(getattr(policy, f.attname)) for f in Policy._meta.concrete_fields})
    candidate._state.adding, candidate._state.db = False, policy._state.db
    if policy.jurisdiction_id:
        candidate.jurisdiction = policy.jurisdiction
    return candidate


def policy_check(*, editor, policy: Policy | None, data: Mapping[str, Any]) -> Policy:
    """The policy as it would be saved, not saved: a new one, or `policy` with `data` applied (any of
    POLICY_FIELDS; `jurisdiction` a Region or None). PermissionDenied when the editor keeps no policy (or not this
    one); a ValidationError naming each field otherwise (clause errors as `clause_<rule>`)."""
    rights = policy_editor_require(editor)
    if policy is not None and not rights.keeps(policy.jurisdiction):
        raise PermissionDenied(_("您可以查看此门槛，但它不属于您可以制定门槛的辖区"))
    candidate = _copy_of(policy) if policy is not None else Policy()
    for field in POLICY_FIELDS:
        if field in data and (policy is None or field not in FIXED_AFTER_CREATION):
            setattr(candidate, field, data[field])
    errors: dict[str, list[str]] = {}
    _check_values(candidate, errors)
    _check_place_and_key(rights, policy, candidate, data, errors)
    if errors:
        raise ValidationError(errors)
    return candidate


# ---- what a change would do ---------------------------------------------------------------------------------


def stored_value(field: str, value: Any) -> Any:
    """A field's value as the audit trail keeps it (JSON): a jurisdiction by its code, dates as text."""
    if field == "jurisdiction":
        return value.code if value is not None else None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def policy_changes(before: Policy | None, after: Policy) -> dict[str, list]:
    """field → [before, after] of the fields that differ (all of them for a new policy), as stored values."""
    changes = {}
    for field in POLICY_FIELDS:
        old = stored_value(field, getattr(before, field)) if before is not None else None
        new = stored_value(field, getattr(after, field))
        if before is None or old != new:
            changes[field] = [old, new]
    return changes


def comparison_date(candidate: Policy) -> dt.date:
    """The day a change is compared on: today, or the day the policy takes effect when that is still to come."""
    today = timezone.localdate()
    return candidate.effective_from if candidate.effective_from and candidate.effective_from > today else today


@dataclass
class PolicyPreview:
    """What saving would do: the candidate (not saved), the fields that change, and the comparison of the
    governed subtree (`region`, None for the whole country) on `on` under the stored policies and with the candidate."""

    candidate: Policy
    changes: dict[str, list]
    region: Region | None
    on: dt.date
    comparison: WhatIfResult


def policy_preview(*, editor, policy: Policy | None, data: Mapping[str, Any]) -> PolicyPreview:
    """Checks the data (as `policy_check`) and compares the places of the policy's jurisdiction with and without
    the change, in memory: which become required, which no longer are. Writes nothing."""
    candidate = policy_check(editor=editor, policy=policy, data=data)
    on = comparison_date(candidate)
    result = coverage_what_if(candidate.jurisdiction, candidate=candidate, on=on)
    return PolicyPreview(candidate, policy_changes(policy, candidate), candidate.jurisdiction, on, result)


def policy_fingerprint(policy: Policy | None) -> str:
    """A short digest of a stored policy's fields: a confirmation prepared before someone else changed it is stale."""
    if policy is None:
        return ""
    values = {field: stored_value(field, getattr(policy, field)) for field in POLICY_FIELDS}
    return hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


# ---- saving ----------------------------------------------------------------------------------------------------


@transaction.atomic
def policy_save(*, editor, policy: Policy | None, data: Mapping[str, Any], request=None) -> Policy:
    """Creates a policy (`policy` None) or changes one, after the same checks as `policy_check`. Audited (who, which
    policy, before → after of each changed field); on commit the subtree it governs is evaluated again (a Celery
    job; in-process when no broker is configured). Saving what is already stored writes nothing."""
    stored = Policy.objects.select_for_update(of=("self",)).select_related("jurisdiction").get(pk=policy.pk) if policy is not None else None
    candidate = policy_check(editor=editor, policy=stored, data=data)
    changes = policy_changes(stored, candidate)
    if stored is not None and not changes:
        return stored
    with disable_auditlog():  # the one entry is the event below, which names the fields in words
        candidate.save()
    where = candidate.jurisdiction.full_name if candidate.jurisdiction else _("全国")
    description = (_("新建建会门槛：%(name)s（%(where)s）") if stored is None else _("修改建会门槛：%(name)s（%(where)s）")) % {
        "name": candidate.name, "where": where,
    }
    audit_event(
        event=AuditEvent.POLICY, model=candidate, actor=editor, request=request, description=description,
        data={"policy": candidate.key, "created": stored is None, "changes": changes},
    )
    if stored is None or set(changes) - set(DESCRIPTIVE_FIELDS):
        job_enqueue(POLICY_REEVALUATION_JOB, candidate.jurisdiction_id)
    return candidate


def policy_reevaluate(region_id: int | None) -> int:
    """Evaluates again the subtree a changed policy governs (the whole country for the nationwide default); returns
    how many places were evaluated. The job's body."""
    if region_id is None:
        return sum(report.places for report in coverage_evaluate_everywhere().values())
    region = Region.objects.filter(pk=region_id).first()
    return evaluate_coverage(region).places if region is not None else 0


# ---- reads of the policy pages ----------------------------------------------------------------------------------


def policy_state(policy: Policy, on: dt.date | None = None) -> str:
    """in_force / future / ended on `on` (today)."""
    on = on or timezone.localdate()
    if policy.effective_from and on < policy.effective_from:
        return "future"
    if policy.effective_to and policy.effective_to < on:
        return "ended"
    return "in_force"


STATE_LABELS = {"in_force": gettext_lazy("现行"), "future": gettext_lazy("尚未生效"), "ended": gettext_lazy("已失效")}


def policies_visible(user):
    """The policies the user reads, the nationwide default first, then by jurisdiction in tree order and date."""
    return (
        Policy.objects.visible_to(user)
        .select_related("jurisdiction")
        .order_by(F("jurisdiction__tree_id").asc(nulls_first=True), "jurisdiction__lft", F("effective_from").asc(nulls_first=True), "key")
    )


@dataclass
class Governed:
    """Where a policy decides today: its jurisdiction (None: the country) but the regions inside it whose own policy
    wins (`exceptions`, those the viewer may see), or nowhere (`superseded_by` / not in force); and how many stored
    verdicts of the viewer's scope it decided, per level."""

    in_force: bool
    superseded_by: Policy | None
    exceptions: list[tuple[Region, Policy]]
    verdicts: list[tuple[Any, int]]


def policy_governs(policy: Policy, user, on: dt.date | None = None) -> Governed:
    """Where `policy` decides on `on` (today), as the evaluation chooses (PolicyIndex)."""
    on = on or timezone.localdate()
    index = PolicyIndex()
    in_force = policy_state(policy, on) == "in_force"
    chosen = index.for_region(policy.jurisdiction, on)
    superseded_by = chosen if in_force and chosen is not None and chosen.pk != policy.pk else None
    exceptions: list[tuple[Region, Policy]] = []
    if in_force and superseded_by is None:
        visible = set(Policy.objects.visible_to(user).values_list("pk", flat=True))
        inner = [
            (other.jurisdiction, other) for _facts, other, _range in index.entries
            if other.pk != policy.pk and other.jurisdiction is not None and other.pk in visible
            and policy_state(other, on) == "in_force"
            and (policy.jurisdiction is None or _strictly_inside(other.jurisdiction, policy.jurisdiction))
        ]
        for region, other in sorted(inner, key=lambda pair: (pair[0].tree_id, pair[0].lft)):
            if index.for_region(region, on) != other:
                continue
            if exceptions and (region == exceptions[-1][0] or _strictly_inside(region, exceptions[-1][0])):
                continue  # inside an exception already listed
            exceptions.append((region, other))
    rows = dict(
        Requirement.objects.visible_to(user).filter(policy=policy).order_by().values_list("level").annotate(n=Count("pk"))
    )
    verdicts = [(PlaceLevel(level).label, rows[level]) for level in PlaceLevel.values if rows.get(level)]
    return Governed(in_force, superseded_by, exceptions, verdicts)


def _strictly_inside(inner: Region, outer: Region) -> bool:
    return inner.tree_id == outer.tree_id and outer.lft < inner.lft and inner.rght < outer.rght


def value_text(field: str, value: Any, regions: Mapping[str, str] | None = None) -> str:
    """A field's value in words: categories by their labels, yes / no, clauses per rule, a jurisdiction by name."""
    if value is None or value == "" or value == [] or value == {}:
        return _("全国（默认）") if field == "jurisdiction" else "—"
    if field == "jurisdiction":
        return (regions or {}).get(value, str(value))
    if field == "counted_categories" and isinstance(value, list):
        return "、".join(str(Category(c).label) if c in Category.values else str(c) for c in value)
    if field == "below_threshold_options" and isinstance(value, list):
        return "、".join(map(str, value))
    if field == "clauses" and isinstance(value, dict):
        ordered = [rule for rule in POLICY_RULES if rule in value] + [rule for rule in value if rule not in POLICY_RULES]
        return "；".join(f"{POLICY_RULES.get(rule, rule)}：{value[rule]}" for rule in ordered)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field in THRESHOLDS:
        return _("%(n)s 人") % {"n": value}
    return str(value)


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: str
    what: str
    lines: list[tuple[str, str, str]]  # (field label, before, after)


def _auditlog_value(field: str, raw: Any) -> Any:
    """A value as django-auditlog wrote it (text) back as the field holds it, for `value_text`."""
    if raw is None or raw in ("None", ""):
        return None
    if field in ("counted_categories", "below_threshold_options", "clauses"):
        try:
            return json.loads(raw)
        except (TypeError, ValueError):
            return raw
    if field in ("county_always_required", "key_area_always_required"):
        return raw == "True"
    if field in THRESHOLDS and str(raw).isdigit():
        return int(raw)
    return raw


def policy_history(policy: Policy) -> list[HistoryEntry]:
    """The policy's audit trail, newest first: the saves of this module (before → after in words) and the entries
    django-auditlog wrote for other writes (the shipped policies' creation, the admin), read back into words too."""
    rows = list(
        LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Policy), object_pk=str(policy.pk))
        .filter(Q(action__in=(LogEntry.Action.CREATE, LogEntry.Action.UPDATE)) | Q(additional_data__event=AuditEvent.POLICY))
        .select_related("actor")
        .order_by("-timestamp", "-pk")
    )
    codes, pks = set(), set()
    for entry in rows:
        if (entry.additional_data or {}).get("event") == AuditEvent.POLICY:
            codes |= {v for v in ((entry.additional_data or {}).get("changes") or {}).get("jurisdiction", []) if v}
        else:
            pks |= {v for v in (entry.changes_dict or {}).get("jurisdiction", []) if v and str(v).isdigit()}
    by_code = dict(Region.objects.filter(code__in=codes).values_list("code", "full_name")) if codes else {}
    by_pk = {str(pk): name for pk, name in Region.objects.filter(pk__in=pks).values_list("pk", "full_name")} if pks else {}
    history = []
    for entry in rows:
        data = entry.additional_data or {}
        if data.get("event") == AuditEvent.POLICY:
            created = bool(data.get("created"))
            changes = [(field, before, after) for field, (before, after) in (data.get("changes") or {}).items()]
            regions = by_code
        else:
            created = entry.action == LogEntry.Action.CREATE
            changes = [(field, _auditlog_value(field, before), _auditlog_value(field, after))
                       for field, (before, after) in (entry.changes_dict or {}).items()]
            regions = by_pk
        lines = [
            (field_label(field), "" if created else value_text(field, before, regions), value_text(field, after, regions))
            for field, before, after in changes if field in POLICY_FIELDS
        ]
        actor = entry.actor
        who = (actor.first_name or actor.get_username()) if actor is not None else _("系统")
        history.append(HistoryEntry(entry.timestamp, who, _("新建") if created else _("修改"), lines))
    return history


def jurisdiction_choices(user, limit: int) -> list[tuple[str, str]] | None:
    """The regions the user may make a policy for (province, city and county levels of their editor ranges), as
    drop-down options indented by depth; None for an administrator or when there are more than `limit`."""
    editor = policy_editor(user)
    q = subtree_q(editor.ranges, "")
    if editor.is_admin or q is None:
        return None
    rows = list(
        Region.objects.filter(q, level__in=JURISDICTION_LEVELS).order_by("tree_id", "lft").values_list("code", "name", "depth")[: limit + 1]
    )
    if not rows or len(rows) > limit:
        return None
    top = min(depth for _code, _name, depth in rows)
    return [(code, "\u3000" * (depth - top) + name) for code, name, depth in rows]


def policy_template_for(user) -> Policy | None:
    """The policy a new one starts from: the one in force where the user keeps policies (their first region; the
    nationwide default for an administrator)."""
    editor = policy_editor(user)
    if editor.is_admin:
        return PolicyIndex().for_region(None, timezone.localdate())
    if not editor.ranges:
        return None
    region = Region.objects.filter(pk=editor.ranges[0].region_id).first()
    return PolicyIndex().for_region(region, timezone.localdate()) if region is not None else None
