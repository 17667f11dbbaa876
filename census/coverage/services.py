"""Feeding the rules set-based and storing their verdicts.

For a subtree (or the whole country): one aggregate query for the people per residence region and
category, one per unit and category, one for the organizations, one for the existing verdicts;
subtree totals are summed in memory bottom-up (each person counted once, at every level above
them); the rules run in memory; `Requirement` rows are written in bulk as a diff; rollups are
computed in memory for the subtree and by one aggregate query for each ancestor above it.

A census change re-evaluates only the counties it touched (and the rollups above them). The shipped
policies are loaded here too."""
from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from census.coverage import rules
from census.coverage.models import (
    CoverageRollup,
    PlaceLevel,
    Policy,
    Requirement,
    VerdictChoice,
)
from census.coverage.selectors import verdicts_changed
from census.coverage.shipped import shipped_policies_create
from census.coverage.signals import requirement_changed
from census.registry.models import Headcount, Person
from census.registry.selectors import open_campaigns_covering
from orgs.access.scoping import SubtreeRange, covering_q, encloses, within_q
from orgs.common.bulk import analyze, copy_insert, values_update
from orgs.homes.models import Home, HomeKind
from orgs.organizations.models import Organization
from orgs.regions.models import LEVEL_RANK, Region, RegionLevel
from orgs.units.models import Unit

EVALUATED_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)


ROLLUP_LEVELS = tuple(PlaceLevel.values)


# Beyond this many touched counties a change re-evaluates their common ancestor in one pass.
MAX_COUNTIES_ONE_BY_ONE = 8


@dataclass
class EvaluationReport:
    places: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    crossings: list[dict] = field(default_factory=list)
    # the outermost regions evaluated without a policy in force (no verdict written): (code, full name)
    unruled: list[tuple[str, str]] = field(default_factory=list)


def policy_facts(policy: Policy, depth: int) -> rules.PolicyFacts:
    return rules.PolicyFacts(
        key=policy.key,
        short_name=policy.short_name,
        counted_categories=frozenset(policy.counted_categories),
        township_threshold=policy.township_threshold,
        village_threshold=policy.village_threshold,
        unit_threshold=policy.unit_threshold,
        two_new_upper_threshold=policy.two_new_upper_threshold,
        county_always_required=policy.county_always_required,
        key_area_always_required=policy.key_area_always_required,
        below_threshold_options=tuple(policy.below_threshold_options) or ("侨联小组", "侨联分会", "侨联工作站"),
        clauses=dict(policy.clauses),
        jurisdiction_depth=depth,
        effective_from=policy.effective_from,
        effective_to=policy.effective_to,
    )


class PolicyIndex:
    """Every policy with its jurisdiction's MPTT range: picks the one that applies to a place."""

    def __init__(self, overrides: dict[str, dict] | None = None, *, candidate: Policy | None = None):
        """`overrides`: policy key → fields of its facts replaced (the thresholds of a what-if); `candidate`: a
        policy not saved (a new one, or a stored one changed) in place of its stored version."""
        self.entries: list[tuple[rules.PolicyFacts, Policy, tuple[int, int, int] | None]] = []
        self._chosen: dict[tuple, tuple[rules.PolicyFacts, Policy] | None] = {}
        policies = list(Policy.objects.select_related("jurisdiction"))
        if candidate is not None:
            policies = [p for p in policies if candidate.pk is None or p.pk != candidate.pk] + [candidate]
        for policy in policies:
            j = policy.jurisdiction
            facts = policy_facts(policy, (j.depth + 1) if j else 0)
            if overrides and policy.key in overrides:
                facts = _replace(facts, overrides[policy.key])
            self.entries.append((facts, policy, (j.tree_id, j.lft, j.rght) if j else None))

    def for_place(self, tree_id: int, lft: int, on: dt.date) -> tuple[rules.PolicyFacts, Policy] | None:
        """The policy for a place at (tree_id, lft); memoised by which jurisdictions contain it,
        since a province holds tens of thousands of places and a handful of policies."""
        containing = tuple(
            index for index, (_facts, _policy, r) in enumerate(self.entries)
            if r is None or (r[0] == tree_id and r[1] <= lft <= r[2])
        )
        key = (containing, on)
        if key not in self._chosen:
            candidates = [self.entries[i][:2] for i in containing]
            chosen = rules.applicable_policy([c[0] for c in candidates], on)
            self._chosen[key] = next(((f, p) for f, p in candidates if f is chosen), None)
        return self._chosen[key]

    def for_region(self, region: Region | None, on: dt.date) -> Policy | None:
        """The policy that applies to `region` on `on`; for the whole country (None), the national one in force."""
        if region is not None:
            chosen = self.for_place(region.tree_id, region.lft, on)
            return chosen[1] if chosen else None
        national = [(facts, policy) for facts, policy, jurisdiction in self.entries if jurisdiction is None]
        winner = rules.applicable_policy([facts for facts, _policy in national], on)
        return next((policy for facts, policy in national if facts is winner), None)


def policy_applying(region: Region | None, on: dt.date | None = None) -> Policy | None:
    """The policy the evaluation applies to `region` on `on` (today): the most specific jurisdiction in force. For
    the whole country (None): the national policy (no jurisdiction) in force."""
    return PolicyIndex().for_region(region, on or timezone.localdate())


def policy_in_force(region: Region | None, on: dt.date | None = None) -> bool:
    """Whether a policy applies to `region` on `on` (today): without one nothing there is evaluated, and pages say
    so instead of showing zeros. For the whole country (None): a national policy (no jurisdiction)."""
    return policy_applying(region, on) is not None


def _replace(facts: rules.PolicyFacts, changes: dict) -> rules.PolicyFacts:
    from dataclasses import replace

    return replace(facts, **changes)


@dataclass
class Place:
    """One evaluated place as the evaluation holds it in memory."""

    region_id: int
    unit_id: int | None
    level: str
    facts: rules.PlaceFacts
    tree: tuple[int, int]


# Up to this many regions, rows are matched by region id against the subtree's ids (index lookups);
# above it by joining the region table on its MPTT range (one scan beats many lookups).
SMALL_SUBTREE = 3000


def _scope_filter(root: Region | None, prefix: str) -> Q:
    if root is None:
        return Q()
    if prefix and (root.rght - root.lft) // 2 + 1 <= SMALL_SUBTREE:
        # The planner misjudges how many regions a range holds; a literal id list it cannot misjudge.
        if getattr(root, "_subtree_ids", None) is None:
            subtree = within_q(SubtreeRange(root.pk, root.tree_id, root.lft, root.rght), "")
            root._subtree_ids = list(Region.objects.filter(subtree).values_list("pk", flat=True))
        return Q(**{f"{prefix}__in": root._subtree_ids})
    return within_q(SubtreeRange(root.pk, root.tree_id, root.lft, root.rght), prefix)


def load_places(root: Region | None, *, own_counts: dict[int, dict[str, int]] | None = None,
                unit_counts: dict[int, dict[str, int]] | None = None) -> tuple[list[Place], dict[int, tuple]]:
    """The places of a subtree with their subtree headcounts and organizations. `own_counts` and
    `unit_counts` replace the live registry (a campaign snapshot); by default the registry is read."""
    regions = {
        r[0]: r
        for r in Region.objects.filter(_scope_filter(root, "")).values_list(
            "id", "parent_id", "level", "name", "is_key_area", "tree_id", "lft", "depth"
        )
    }
    if own_counts is None:
        own_counts = defaultdict(dict)
        rows = Person.objects.filter(_scope_filter(root, "region")).values_list("region_id", "category").annotate(n=Count("pk")).order_by()
        for region_id, category, n in rows:
            own_counts[region_id][category] = n
    totals: dict[int, dict[str, int]] = {pk: dict(own_counts.get(pk, {})) for pk in regions}
    for pk in sorted(regions, key=lambda k: -regions[k][7]):
        parent = regions[pk][1]
        if parent in totals:
            bucket = totals[parent]
            for category, n in totals[pk].items():
                bucket[category] = bucket.get(category, 0) + n

    units = list(Unit.objects.filter(_scope_filter(root, "region")).values_list("id", "name", "region_id", "is_two_new"))
    if unit_counts is None:
        unit_counts = defaultdict(dict)
        rows = (
            Person.objects.filter(unit__isnull=False)
            .filter(_scope_filter(root, "unit__region"))
            .values_list("unit_id", "category")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for unit_id, category, n in rows:
            unit_counts[unit_id][category] = n

    orgs_by_region: dict[int, list[rules.OrganizationFact]] = defaultdict(list)
    orgs_by_unit: dict[int, list[rules.OrganizationFact]] = defaultdict(list)
    organizations = Organization.objects.filter(_scope_filter(root, "region")).values_list("region_id", "unit_id", "kind", "status")
    for region_id, unit_id, kind, status in organizations:
        fact = rules.OrganizationFact(kind, status)
        (orgs_by_unit[unit_id] if unit_id else orgs_by_region[region_id]).append(fact)
    joint = Organization.covered_regions.through.objects.filter(_scope_filter(root, "region")).values_list(
        "region_id", "organization__kind", "organization__status"
    )
    for region_id, kind, status in joint:
        orgs_by_region[region_id].append(rules.OrganizationFact(kind, status))
    # the 网上侨胞之家 units take part in (Jiangxi 4 "或参与网上侨联活动"): one query for the subtree's units
    online_by_unit: dict[int, list[str]] = defaultdict(list)
    online = Home.objects.filter(kind=HomeKind.ONLINE, unit__isnull=False).filter(_scope_filter(root, "unit__region"))
    for unit_id, status in online.values_list("unit_id", "organization__status"):
        online_by_unit[unit_id].append(status)

    places = [
        Place(pk, None, r[2], rules.PlaceFacts(r[3], r[2], totals[pk], bool(r[4]), False, tuple(orgs_by_region.get(pk, ()))), (r[5], r[6]))
        for pk, r in regions.items()
        if r[2] in EVALUATED_LEVELS
    ]
    for unit_id, name, region_id, is_two_new in units:
        region = regions.get(region_id)
        if region is None:
            continue
        facts = rules.PlaceFacts(name, "unit", unit_counts.get(unit_id, {}), False, is_two_new, tuple(orgs_by_unit.get(unit_id, ())),
                                 tuple(online_by_unit.get(unit_id, ())))
        places.append(Place(region_id, unit_id, "unit", facts, (region[5], region[6])))
    return places, regions


def judge(
    places: list[Place], *, on: dt.date, policies: PolicyIndex, unruled: list[Place] | None = None,
) -> list[tuple[Place, rules.RuleResult, Policy]]:
    """The rules applied in memory to every place that has a policy; the places without one go to `unruled`."""
    judged = []
    for place in places:
        chosen = policies.for_place(place.tree[0], place.tree[1], on)
        if chosen is None:
            if unruled is not None:
                unruled.append(place)
            continue
        facts, policy = chosen
        judged.append((place, rules.evaluate(place.facts, facts, on=on), policy))
    return judged


def coverage_evaluate_everywhere(*, on: dt.date | None = None) -> dict[str, EvaluationReport]:
    """Evaluates every top-level region (each province, one after the other, each in its own transaction): the
    nightly job and `load_demo`. Returns the reports by region code."""
    reports = {}
    for root in Region.objects.filter(parent__isnull=True).order_by("code"):
        reports[root.code] = evaluate_coverage(root, on=on)
    return reports


def _outermost_unruled(places: list[Place]) -> list[tuple[str, str]]:
    """The regions of places without a policy that no other such place contains (counties, usually): what an
    operator must give a policy. One query."""
    region_ids = {place.region_id for place in places if place.unit_id is None}
    if not region_ids:
        return []
    outermost: list[Region] = []
    for region in Region.objects.filter(pk__in=region_ids).order_by("tree_id", "lft").only("tree_id", "lft", "rght", "code", "full_name"):
        if not (outermost and encloses(outermost[-1], region)):
            outermost.append(region)
    return [(region.code, region.full_name) for region in outermost]


def _counted_by_category(result_place: Place, policy: Policy) -> dict[str, int]:
    return {c: n for c, n in result_place.facts.headcount_by_category.items() if c in policy.counted_categories and n}


@transaction.atomic
def evaluate_coverage(root: Region | None = None, *, on: dt.date | None = None, snapshot=None) -> EvaluationReport:
    """Evaluates every county, township, village and unit under `root` (everything when None),
    writes the verdicts as a diff and refreshes the rollups of the subtree and above it."""
    on = on or timezone.localdate()
    now = timezone.now()
    if snapshot is not None:
        # An open campaign's headcounts are kept current by every census write: reading them
        # costs a few hundred rows where recounting a large county's people costs a scan.
        own, per_unit = snapshot_counts(snapshot, root)
        places, regions = load_places(root, own_counts=own, unit_counts=per_unit)
    else:
        places, regions = load_places(root)
    unruled: list[Place] = []
    judged = judge(places, on=on, policies=PolicyIndex(), unruled=unruled)
    # A unit's verdict is found by the unit too: one moved here from elsewhere keeps its row (one per unit).
    # values() rows by (region, unit); the stubs take the nullable unit_id for an int.
    existing: dict[tuple[int | None, int | None], Mapping[str, Any]] = {
        (r["region_id"] if r["unit_id"] is None else None, r["unit_id"]): r
        for query in (
            _scope_filter(root, "region"),
            # units moved here from another subtree (rare: a second, small query keeps the first one simple)
            _scope_filter(root, "unit__region") & ~_scope_filter(root, "region") if root is not None else None,
        )
        if query is not None
        for r in Requirement.objects.filter(query).values(
            "id", "region_id", "unit_id", "level", "verdict", "status", "headcount", "headcount_by_category", "reason",
            "policy_id", "responsible", "clause", "rule",
        )
    }
    report = EvaluationReport(places=len(judged), unruled=_outermost_unruled(unruled))
    to_create, to_update, seen = [], [], set()
    for place, result, policy in judged:
        key = (None, place.unit_id) if place.unit_id else (place.region_id, None)
        seen.add(key)
        values = {
            "region_id": place.region_id,
            "unit_id": place.unit_id,
            "level": place.level,
            "policy_id": policy.pk,
            "verdict": result.verdict.value,
            "status": result.fulfilment.value,
            "headcount": result.headcount,
            "headcount_by_category": _counted_by_category(place, policy),
            "rule": result.rule,
            "clause": result.clause,
            "responsible": result.responsible,
            "reason": result.reason,
            "evaluated_at": now,
        }
        current = existing.get(key)
        if current is None:
            to_create.append(Requirement(**values))
            # A first evaluation of a subtree is no crossing; a place new to an evaluated one is.
            if existing and result.verdict == rules.Verdict.REQUIRED:
                report.crossings.append({**_event(place, None, result.verdict.value)})
            continue
        compared = ("level", "verdict", "status", "headcount", "headcount_by_category", "reason", "policy_id", "responsible", "clause", "rule")
        if any(current[k] != values[k] for k in compared) or current["region_id"] != place.region_id:
            to_update.append((current["id"], *(values[c] for c in UPDATED_REQUIREMENT_COLUMNS)))
            if (current["verdict"] == VerdictChoice.REQUIRED) != (result.verdict == rules.Verdict.REQUIRED):
                report.crossings.append(_event(place, current["verdict"], result.verdict.value, current["id"]))
    stale = [r["id"] for key, r in existing.items() if key not in seen]
    _insert_requirements(to_create)
    values_update(Requirement, UPDATED_REQUIREMENT_COLUMNS, to_update)
    Requirement.objects.filter(pk__in=stale).delete()
    report.created, report.updated, report.deleted = len(to_create), len(to_update), len(stale)
    if to_create or to_update or stale:
        # the gap lists' cached counts (census.coverage.filters): dropped now, and again when this commits, so that
        # counts another request caches meanwhile from the verdicts before this change do not outlive it
        verdicts_changed()
        transaction.on_commit(verdicts_changed)
    _write_rollups(root, judged, regions)
    if root is None or root.level in (RegionLevel.PROVINCE, RegionLevel.CITY):
        analyze(Requirement, CoverageRollup)  # a large evaluation changes the tables' statistics
    if report.crossings:
        crossings = list(report.crossings)
        transaction.on_commit(lambda: requirement_changed.send(sender=Requirement, crossings=crossings))
    return report


REQUIREMENT_COLUMNS = (
    "region_id", "unit_id", "level", "policy_id", "verdict", "status", "headcount", "headcount_by_category",
    "rule", "clause", "responsible", "reason", "evaluated_at",
)


# What a re-evaluation rewrites of an existing verdict (a unit's row keeps its unit).
UPDATED_REQUIREMENT_COLUMNS = tuple(c for c in REQUIREMENT_COLUMNS if c != "unit_id")


def _insert_requirements(requirements: list[Requirement]) -> None:
    copy_insert(Requirement, REQUIREMENT_COLUMNS, (tuple(getattr(r, c) for c in REQUIREMENT_COLUMNS) for r in requirements))


def _event(place: Place, old: str | None, new: str, requirement_id: int | None = None) -> dict:
    return {"region_id": place.region_id, "unit_id": place.unit_id, "level": place.level, "old": old, "new": new, "requirement_id": requirement_id}


def rollup_counts(judged, regions: dict[int, tuple]) -> dict[tuple[int, str], dict[str, int]]:
    """(region id, level) → counts, adding each place to its region and every ancestor in `regions`."""
    counts: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(("required", "satisfied", "under_way", "missing", "recommended"), 0))
    for place, result, _policy in judged:
        if result.verdict == rules.Verdict.NOT_REQUIRED:
            continue
        region_id = place.region_id
        while region_id is not None and region_id in regions:
            bucket = counts[(region_id, place.level)]
            if result.verdict == rules.Verdict.REQUIRED:
                bucket["required"] += 1
                bucket[result.fulfilment.value] += 1
            else:
                bucket["recommended"] += 1
            region_id = regions[region_id][1]
    return counts


ROLLUP_FIELDS = ("required", "satisfied", "under_way", "missing", "recommended")


def _write_rollups(root: Region | None, judged, regions) -> None:
    """Writes the subtree's rollups as a diff (an unchanged evaluation writes nothing), then moves
    each ancestor's rollup by the change of the root's own (one read and one write per ancestor,
    however large the ancestor's subtree)."""
    counts = rollup_counts(judged, regions)
    existing = {
        (row[1], row[2]): row
        for row in CoverageRollup.objects.filter(_scope_filter(root, "region")).values_list("id", "region_id", "level", *ROLLUP_FIELDS)
    }
    root_before = {level: dict(zip(ROLLUP_FIELDS, existing[(root.pk, level)][3:])) for level in ROLLUP_LEVELS
                   if root is not None and (root.pk, level) in existing}
    new_rows, changed = [], []
    for key, values in counts.items():
        current = existing.pop(key, None)
        if current is None:
            new_rows.append((key[0], key[1], *(values[f] for f in ROLLUP_FIELDS)))
        elif tuple(current[3:]) != tuple(values[f] for f in ROLLUP_FIELDS):
            changed.append((current[0], *(values[f] for f in ROLLUP_FIELDS)))
    CoverageRollup.objects.filter(pk__in=[row[0] for row in existing.values()]).delete()
    values_update(CoverageRollup, ROLLUP_FIELDS, changed)
    copy_insert(CoverageRollup, ("region_id", "level", *ROLLUP_FIELDS), new_rows)
    if root is None:
        return
    delta = {
        level: {f: counts.get((root.pk, level), dict.fromkeys(ROLLUP_FIELDS, 0))[f] - root_before.get(level, {}).get(f, 0) for f in ROLLUP_FIELDS}
        for level in ROLLUP_LEVELS
    }
    delta = {level: d for level, d in delta.items() if any(d.values())}
    if delta:
        for ancestor in root.get_ancestors():
            _rollup_shift(ancestor, delta)


def _rollup_shift(region: Region, delta: dict[str, dict[str, int]]) -> None:
    rows = {r.level: r for r in CoverageRollup.objects.filter(region=region, level__in=list(delta))}
    for level, change in delta.items():
        row = rows.get(level) or CoverageRollup(region=region, level=level)
        for name, amount in change.items():
            setattr(row, name, max(0, getattr(row, name) + amount))
        row.save()


def rollups_refresh_one(region: Region) -> None:
    """A region's rollup recomputed from the stored verdicts of its subtree: one aggregate query
    (repairs an ancestor whose rollup drifted; evaluations shift ancestors by deltas)."""
    rows = (
        Requirement.objects.within(region)
        .exclude(verdict=VerdictChoice.NOT_REQUIRED)
        .values("level", "verdict", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ROLLUP_FIELDS, 0))
    for row in rows:
        bucket = counts[row["level"]]
        if row["verdict"] == VerdictChoice.REQUIRED:
            bucket["required"] += row["n"]
            bucket[row["status"]] += row["n"]
        else:
            bucket["recommended"] += row["n"]
    CoverageRollup.objects.filter(region=region).delete()
    CoverageRollup.objects.bulk_create([CoverageRollup(region=region, level=level, **values) for level, values in counts.items()])


def counties_of(region_ids: Iterable[int]) -> list[Region]:
    """The counties containing these regions (for places at or above county level, the places themselves;
    where levels are skipped and no county is above a place, its highest ancestor below the city)."""
    places = list(Region.objects.filter(pk__in=set(region_ids)).values_list("tree_id", "lft", "rght", "level", "pk"))
    if not places:
        return []
    county_rank = LEVEL_RANK[RegionLevel.COUNTY]
    upper = [pk for _t, _l, _r, level, pk in places if LEVEL_RANK[RegionLevel(level)] <= county_rank]
    lower = [p for p in places if LEVEL_RANK[RegionLevel(p[3])] > county_rank]
    found = {region.pk: region for region in Region.objects.filter(pk__in=upper)} if upper else {}
    if lower:
        found.update(_outermost_evaluated(lower))
    # Drop places nested inside another (a city and its counties, a county and its villages): the outer one covers both.
    ordered = sorted(found.values(), key=lambda r: (r.tree_id, r.lft))
    kept: list[Region] = []
    for region in ordered:
        if kept and encloses(kept[-1], region):
            continue
        kept.append(region)
    return kept


def _outermost_evaluated(places: list[tuple]) -> dict[int, Region]:
    """For places below county level ((tree_id, lft, rght, level, pk)), the outermost evaluated region
    containing each (its county, else its township, else itself), by pk. The candidate counties and
    townships come from one query per tree (those spanning the places' range), and each place finds
    its own by bisection: counties do not overlap one another, nor do townships."""
    by_tree: dict[int, list[tuple]] = defaultdict(list)
    for place in places:
        by_tree[place[0]].append(place)
    q = Q()
    for tree_id, members in by_tree.items():
        # a loose superset of the regions holding any of the tree's places: starting at or before the last
        # place and ending at or after the first (bisection below picks each place's own)
        q |= covering_q(SubtreeRange(0, tree_id, max(m[1] for m in members), min(m[2] for m in members)))
    candidates = list(Region.objects.filter(q, level__in=(RegionLevel.COUNTY, RegionLevel.TOWNSHIP)).order_by("tree_id", "lft"))
    layers = {
        level: sorted(((r.tree_id, r.lft), r) for r in candidates if r.level == level)
        for level in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP)
    }
    keys = {level: [key for key, _r in layer] for level, layer in layers.items()}
    found: dict[int, Region] = {}
    missing: list[int] = []
    for tree_id, lft, rght, _level, pk in places:
        for level in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP):
            at = bisect_right(keys[level], (tree_id, lft)) - 1
            if at >= 0:
                region = layers[level][at][1]
                if region.tree_id == tree_id and region.lft <= lft and rght <= region.rght:
                    found[region.pk] = region
                    break
        else:
            missing.append(pk)  # no county or township above: the place itself
    found.update({region.pk: region for region in Region.objects.filter(pk__in=missing, level__in=EVALUATED_LEVELS)})
    return found


def coverage_update(*, region_ids: Iterable[int] = (), unit_ids: Iterable[int] = (), on: dt.date | None = None) -> EvaluationReport:
    """Re-evaluates what a change touched: the counties of the regions and units, and the rollups above."""
    region_ids = set(region_ids)
    if unit_ids:
        region_ids |= set(Unit.objects.filter(pk__in=set(unit_ids)).values_list("region_id", flat=True))
    found = counties_of(region_ids)
    # Too many: their common ancestor in one pass (None, everything, when they lie in different trees).
    counties: Sequence[Region | None] = [_common_ancestor(found)] if len(found) > MAX_COUNTIES_ONE_BY_ONE else found
    total = EvaluationReport()
    for county in counties:
        report = evaluate_coverage(county, on=on, snapshot=_live_campaign(county))
        total.places += report.places
        total.created += report.created
        total.updated += report.updated
        total.deleted += report.deleted
        total.crossings += report.crossings
    return total


def _live_campaign(region: Region | None):
    """The open campaign whose headcounts cover `region` (the most specific one), or None."""
    if region is None:
        return None

    campaigns = open_campaigns_covering([region])
    return max(campaigns, key=lambda c: c.region.depth, default=None)


def _common_ancestor(regions: list[Region]) -> Region | None:
    return Region.objects.covering_all(regions).order_by("-depth").first()


@dataclass
class WhatIfResult:
    """Counts per level under the stored policies and under the alternative thresholds (nothing saved)."""

    current: dict[str, dict[str, int]]
    alternative: dict[str, dict[str, int]]
    newly_required: list[dict]
    no_longer_required: list[dict]

    def delta(self, level: str) -> int:
        return self.alternative[level]["required"] - self.current[level]["required"]


def _level_counts(judged) -> dict[str, dict[str, int]]:
    counts = {level: dict.fromkeys(("required", "satisfied", "under_way", "missing", "recommended"), 0) for level in ROLLUP_LEVELS}
    for place, result, _policy in judged:
        bucket = counts[place.level]
        if result.verdict == rules.Verdict.REQUIRED:
            bucket["required"] += 1
            bucket[result.fulfilment.value] += 1
        elif result.verdict == rules.Verdict.RECOMMENDED:
            bucket["recommended"] += 1
    return counts


def _describe(place: Place, result: rules.RuleResult) -> dict:
    return {"region_id": place.region_id, "unit_id": place.unit_id, "level": place.level, "name": place.facts.name,
            "headcount": result.headcount, "reason": result.reason}


def _compare(before, after) -> tuple[list[dict], list[dict]]:
    old = {(p.region_id, p.unit_id): r for p, r, _ in before}
    newly, dropped = [], []
    for place, result, _policy in after:
        previous = old.get((place.region_id, place.unit_id))
        was = previous is not None and previous.verdict == rules.Verdict.REQUIRED
        now = result.verdict == rules.Verdict.REQUIRED
        if now and not was:
            newly.append(_describe(place, result))
        elif was and not now:
            assert previous is not None  # `was` says there was a verdict
            dropped.append(_describe(place, previous))
    return newly, dropped


THRESHOLD_FIELDS = ("township_threshold", "village_threshold", "unit_threshold")


def coverage_what_if(
    root: Region | None, *, thresholds: dict[str, int] | None = None, candidate: Policy | None = None, on: dt.date | None = None,
) -> WhatIfResult:
    """Evaluates the subtree twice in memory (nothing is saved): with the stored policies, and with an alternative:
    `thresholds` (any of township_threshold / village_threshold / unit_threshold) applied to every policy, or
    `candidate`, a policy not saved (a new one, or a stored one changed: its categories, flags and dates too) in
    place of its stored version."""
    on = on or timezone.localdate()
    places, _regions = load_places(root)
    current_policies = PolicyIndex()
    if candidate is not None:
        alternative = PolicyIndex(candidate=candidate)
    else:
        changes = {k: int(v) for k, v in (thresholds or {}).items() if k in THRESHOLD_FIELDS and v is not None}
        alternative = PolicyIndex({f.key: changes for f, _p, _r in current_policies.entries})
    before = judge(places, on=on, policies=current_policies)
    after = judge(places, on=on, policies=alternative)
    newly, dropped = _compare(before, after)
    return WhatIfResult(_level_counts(before), _level_counts(after), newly, dropped)


def snapshot_counts(campaign, root: Region | None = None) -> tuple[dict[int, dict[str, int]], dict[int, dict[str, int]]]:
    """A campaign's headcount snapshot (for the subtree of `root`) as (own counts per region, counts per unit)."""

    own: dict[int, dict[str, int]] = defaultdict(dict)
    per_unit: dict[int, dict[str, int]] = defaultdict(dict)
    rows = Headcount.objects.filter(campaign=campaign).filter(_scope_filter(root, "region"))
    for region_id, unit_id, category, n in rows.values_list("region_id", "unit_id", "category", "count"):
        if unit_id:
            per_unit[unit_id][category] = per_unit[unit_id].get(category, 0) + n
        else:
            own[region_id][category] = own[region_id].get(category, 0) + n
    return own, per_unit


@dataclass
class CampaignComparison:
    earlier: dict[str, dict[str, int]]
    later: dict[str, dict[str, int]]
    became_required: list[dict]
    no_longer_required: list[dict]


def compare_campaigns(root: Region | None, earlier, later, *, on: dt.date | None = None) -> CampaignComparison:
    """根据侨情变化调整组织架构: which places became required, and which no longer are, between two
    census rounds (their headcount snapshots, today's organizations and policies)."""
    on = on or timezone.localdate()
    policies = PolicyIndex()
    own_a, units_a = snapshot_counts(earlier, root)
    own_b, units_b = snapshot_counts(later, root)
    places_a, _ = load_places(root, own_counts=own_a, unit_counts=units_a)
    places_b, _ = load_places(root, own_counts=own_b, unit_counts=units_b)
    before, after = judge(places_a, on=on, policies=policies), judge(places_b, on=on, policies=policies)
    became, dropped = _compare(before, after)
    return CampaignComparison(_level_counts(before), _level_counts(after), became, dropped)


def policies_load() -> list[str]:
    """Creates the shipped policies that are missing and whose jurisdiction is loaded (census.coverage.shipped);
    never overwrites one. Returns the keys created. Run by the data migration, after every region import and by
    `load_demo`."""
    return shipped_policies_create(Policy, Region)
