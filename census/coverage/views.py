"""Coverage pages (覆盖分析): the gap list 应建未建, the what-if of other thresholds, the comparison of two
census rounds (根据侨情变化情况，调整组织架构), and the coverage panel of the region page.

Thin: the rules and their evaluation live in `census.coverage`; these pages read the stored verdicts
(`Requirement`, `CoverageRollup`) or ask `coverage_what_if` / `compare_campaigns` to evaluate in memory
(nothing is saved). Everything is scoped: rows through `.visible_to(user)`, a region or campaign outside
the scope is a 404.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from census.coverage.filters import GapOrderedRows, RequirementFilter
from census.coverage.models import (
    FulfilmentChoice,
    PlaceLevel,
    Requirement,
    VerdictChoice,
)
from census.coverage.selectors import coverage_rollup
from census.coverage.services import (
    THRESHOLD_FIELDS,
    PolicyIndex,
    compare_campaigns,
    coverage_what_if,
    policy_in_force,
)
from census.registry.models import Campaign, Category
from census.rounds.selectors import round_basis
from orgs.access.scoping import get_visible_or_404, user_scope
from orgs.regions.models import LEVEL_RANK, Region, RegionLevel
from orgs.regions.selectors import scope_regions_for

if TYPE_CHECKING:  # pragma: no cover
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 50
# The what-if and comparison pages list at most this many places per list (the counts are complete).
PLACES_SHOWN = 200
# The region pickers are drop-downs up to this many regions (province, city and county levels).
REGION_CHOICES_LIMIT = 400

# What a threshold is called in a sentence, and which level of places it decides.
THRESHOLD_LEVELS = {
    "township_threshold": PlaceLevel.TOWNSHIP,
    "village_threshold": PlaceLevel.VILLAGE,
    "unit_threshold": PlaceLevel.UNIT,
}
LEVEL_WORDS = {
    PlaceLevel.COUNTY: gettext_lazy("县级侨联"),
    PlaceLevel.TOWNSHIP: gettext_lazy("乡镇(街道)"),
    PlaceLevel.VILLAGE: gettext_lazy("村(社区)"),
    PlaceLevel.UNIT: gettext_lazy("单位"),
}
LEVEL_ORDER = (PlaceLevel.COUNTY, PlaceLevel.TOWNSHIP, PlaceLevel.VILLAGE, PlaceLevel.UNIT)
# The lowest region level at which places of each level exist (a township has no county below it).
LEVEL_REGION_RANK = {
    PlaceLevel.COUNTY: LEVEL_RANK[RegionLevel.COUNTY],
    PlaceLevel.TOWNSHIP: LEVEL_RANK[RegionLevel.TOWNSHIP],
    PlaceLevel.VILLAGE: LEVEL_RANK[RegionLevel.VILLAGE],
    PlaceLevel.UNIT: LEVEL_RANK[RegionLevel.VILLAGE] + 1,
}
COUNT_KEYS = ("required", "satisfied", "under_way", "missing", "recommended")


# ---- links to the people behind a number --------------------------------------------------------------


def people_url(*, region_code: str | None = None, unit_id: int | None = None, categories=()) -> str:
    """The person list (masked, scoped as it always is) filtered to the people a number counts:
    a unit's people, or a region's subtree; only the given categories unless they are all of them."""
    params: list[tuple[str, str]] = [("unit", str(unit_id))] if unit_id else [("region", region_code or "")]
    categories = [c for c in Category.values if c in set(categories)]
    if categories and len(categories) < len(Category.values):
        params += [("category", c) for c in categories]
    return f"{reverse('census:person-list')}?{urlencode(params)}"


def requirement_numbers(requirement: Requirement) -> dict:
    """A verdict's numbers as the pages show them: the counted total and each category, each with the
    link to the people behind it."""
    region_code = requirement.region.code
    where = {"unit_id": requirement.unit_id} if requirement.unit_id else {"region_code": region_code}
    by_category = requirement.headcount_by_category or {}
    return {
        "total": requirement.headcount,
        "total_url": people_url(**where, categories=requirement.policy.counted_categories),
        "by_category": [
            {"label": Category(c).label, "n": by_category[c], "url": people_url(**where, categories=[c])}
            for c in Category.values
            if by_category.get(c)
        ],
    }


# ---- the gap page ---------------------------------------------------------------------------------------


def _status_tiles(counts: dict[str, int], query: dict, active: str) -> list[dict]:
    tiles = []
    for status in (FulfilmentChoice.MISSING, FulfilmentChoice.UNDER_WAY, FulfilmentChoice.SATISFIED):
        params = {**query, "status": status}
        tiles.append(
            {
                "status": status,
                "label": FulfilmentChoice(status).label,
                "n": counts.get(status, 0),
                "url": "?" + urlencode(params, doseq=True),
                "active": active == status,
            }
        )
    return tiles


@require_safe
@login_required
def coverage_gaps(request):
    """应建未建: the verdicts in the user's scope, gaps first (missing, under way, satisfied; the
    recommended and not-required places when the verdict filter asks), filtered and paginated."""
    data = request.GET.copy()
    data.pop("page", None)
    if "verdict" not in data:
        data["verdict"] = VerdictChoice.REQUIRED
    requirements = Requirement.objects.visible_to(request.user)
    gap_filter = RequirementFilter(data, queryset=requirements, request=request).use_choices_of(request.user)
    cleaned = gap_filter.form.cleaned_data if gap_filter.is_valid() else {}
    status, verdict = cleaned.get("status") or "", cleaned.get("verdict") or ""

    # The same filters but the status give the status tiles; narrowed by the status, the rows. Both
    # come from one aggregate per (verdict, status, level) (GapOrderedRows): no COUNT, no wide sort.
    without_status = data.copy()
    without_status.pop("status", None)
    base = RequirementFilter(without_status, queryset=requirements, request=request).qs
    every_status = GapOrderedRows(base)
    rows = every_status.only("status", status) if status else every_status
    counts, total = every_status.by("status"), rows.count()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [{"requirement": r, "numbers": requirement_numbers(r)} for r in page.object_list]

    query = {k: v for k, v in data.lists() if any(v)}
    tile_query = {k: v for k, v in query.items() if k != "status"}
    code = cleaned.get("region") or cleaned.get("county") or ""
    basis_region = (Region.objects.visible_to(request.user).filter(code=code).first() if code else None) or default_region(request.user)
    return render(
        request,
        "census/coverage_gaps.html",
        {
            "filter": gap_filter,
            "page": page,
            "entries": entries,
            "total": total,
            "tiles": _status_tiles(counts, tile_query, status),
            "all_statuses_url": "?" + urlencode(tile_query, doseq=True),
            "all_statuses_n": sum(counts.values()),
            "status": status,
            "verdict_label": VerdictChoice(verdict).label if verdict else "",
            "query": urlencode(query, doseq=True),
            "unruled": scope_without_policy(request.user),
            "basis": round_basis(basis_region) if basis_region is not None else None,
        },
    )


def scope_without_policy(user) -> list[Region]:
    """The regions of the user's scope to which no policy applies (nothing is evaluated there)."""
    return [region for region in scope_regions_for(user) if not policy_in_force(region)]


# ---- region pickers and defaults ---------------------------------------------------------------------------


def default_region(user) -> Region | None:
    """The region a coverage page opens on: the user's first scope region; for an administrator (whose
    scope is every province) the region of the latest census round, where the data is."""
    scope = user_scope(user)
    if scope.is_admin:
        latest = Campaign.objects.select_related("region").order_by("-year", "-pk").first()
        if latest is not None:
            return latest.region
    regions = scope_regions_for(user)
    return regions[0] if regions else None


def region_options(user, current: Region) -> list[tuple[str, str]] | None:
    """The regions a coverage page can be run for, as drop-down options: province to county levels in
    the scope, indented by depth, and the current region wherever it lies; None when there are too many
    for a drop-down (the page then asks for a code)."""
    levels = [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY]
    rows = list(
        Region.objects.visible_to(user)
        .filter(level__in=levels)
        .order_by("tree_id", "lft")
        .values_list("code", "name", "depth")[: REGION_CHOICES_LIMIT + 1]
    )
    if len(rows) > REGION_CHOICES_LIMIT:
        return None
    if current.code not in {code for code, _name, _depth in rows}:
        rows.append((current.code, current.path, 0))
    top = min(depth for _code, _name, depth in rows)
    return [(code, "\u3000" * (depth - top) + name) for code, name, depth in rows]


def _visible_region(user, code: str | None) -> Region:
    """The region of `code` if the user may see it, else 404; the default region when no code is given."""
    if code:
        return get_visible_or_404(Region.objects, user, code=code)
    region = default_region(user)
    if region is None:
        raise Http404
    return region


def places_with_regions(places: list[dict], *, limit: int | None = PLACES_SHOWN) -> list[dict]:
    """The place dicts of `census.coverage` (region_id, unit_id, level, name, headcount, reason) with their
    region (code, name, path) and the link to the people counted (the categories of the policy that
    applies there), sorted by level then path, at most `limit`: one query."""
    regions = {
        r["id"]: r
        for r in Region.objects.filter(pk__in={p["region_id"] for p in places}).values("id", "code", "name", "full_name", "tree_id", "lft")
    }
    policies, today = PolicyIndex(), timezone.localdate()
    rank = {level: i for i, level in enumerate(LEVEL_ORDER)}
    shown = []
    for place in places:
        region = regions.get(place["region_id"])
        if region is None:
            continue
        shown.append({**place, "region": region, "level_label": PlaceLevel(place["level"]).label})
    shown.sort(key=lambda p: (rank.get(p["level"], 9), p["region"]["full_name"], p["name"]))
    shown = shown[:limit]
    for place in shown:
        region = place["region"]
        chosen = policies.for_place(region["tree_id"], region["lft"], today)
        categories = chosen[0].counted_categories if chosen else ()
        where = {"unit_id": place["unit_id"]} if place["unit_id"] else {"region_code": region["code"]}
        place["people_url"] = people_url(**where, categories=categories)
    return shown


def _levels_for(region: Region) -> list[str]:
    """The place levels that exist in a region's subtree (itself included)."""
    return [level for level in LEVEL_ORDER if LEVEL_REGION_RANK[level] >= LEVEL_RANK[RegionLevel(region.level)]]


# ---- what-if --------------------------------------------------------------------------------------------------


class WhatIfForm(forms.Form):
    """Alternative thresholds: any of the three; empty means each policy's own. The region is checked by
    the view (outside the scope: 404); `show_region` makes it a drop-down when the scope is small."""

    region = forms.CharField(label=gettext_lazy("测算范围"), required=False, max_length=12, help_text=gettext_lazy("区划代码"))
    township_threshold = forms.IntegerField(label=gettext_lazy("乡镇(街道)门槛（人）"), min_value=1, max_value=1_000_000, required=False)
    village_threshold = forms.IntegerField(label=gettext_lazy("村(社区)门槛（人）"), min_value=1, max_value=1_000_000, required=False)
    unit_threshold = forms.IntegerField(label=gettext_lazy("单位门槛（人）"), min_value=1, max_value=1_000_000, required=False)

    def prepare(self, user, region: Region, current: dict | None) -> None:
        """The region as a drop-down when the scope is small; the thresholds in force as hints."""
        options = region_options(user, region)
        if options is not None:
            self.fields["region"].widget = forms.Select(choices=options)
            self.fields["region"].help_text = ""
        if not self.is_bound:
            self.initial["region"] = region.code
        for field in THRESHOLD_FIELDS:
            if current is not None:
                self.fields[field].widget.attrs["placeholder"] = str(current[field])
                self.fields[field].help_text = _("现行 %(n)s 人") % {"n": current[field]}

    def thresholds(self) -> dict[str, int]:
        return {f: self.cleaned_data[f] for f in THRESHOLD_FIELDS if self.cleaned_data.get(f) is not None}


def what_if_sentence(region: Region, thresholds: dict[str, int], result) -> str:
    """The what-if in words: "若村(社区)门槛为 20 人：玉溪市 将新增 15 个应建村(社区)"."""
    condition = "、".join(
        _("%(level)s门槛为 %(n)s 人") % {"level": LEVEL_WORDS[THRESHOLD_LEVELS[f]], "n": thresholds[f]}
        for f in THRESHOLD_FIELDS
        if f in thresholds
    )
    clauses: list[str] = []
    said_will = False
    for field in THRESHOLD_FIELDS:
        if field not in thresholds:
            continue
        level = THRESHOLD_LEVELS[field]
        delta = result.delta(level)
        words = {"n": abs(delta), "level": LEVEL_WORDS[level], "current": result.current[level]["required"]}
        if delta == 0:
            clauses.append(_("应建%(level)s数量不变（%(current)s 个）") % words)
            continue
        change = (_("新增 %(n)s 个应建%(level)s") if delta > 0 else _("减少 %(n)s 个应建%(level)s")) % words
        clauses.append(change if said_will else _("将%(change)s") % {"change": change})
        said_will = True
    return _("若%(condition)s：%(region)s %(clauses)s") % {"condition": condition, "region": region.name, "clauses": "，".join(clauses)}


def level_comparison(region: Region, before: dict, after: dict) -> list[dict]:
    """Per level: the counts before and after, and the change of the required ones."""
    return [
        {
            "level": level,
            "label": PlaceLevel(level).label,
            "before": before[level],
            "after": after[level],
            "delta": after[level]["required"] - before[level]["required"],
        }
        for level in _levels_for(region)
    ]


def current_thresholds(region: Region) -> dict | None:
    """The policy that applies to `region` today, with its thresholds (for the what-if form)."""
    chosen = PolicyIndex().for_place(region.tree_id, region.lft, timezone.localdate())
    if chosen is None:
        return None
    facts, policy = chosen
    return {
        "policy": policy,
        "township_threshold": facts.township_threshold,
        "village_threshold": facts.village_threshold,
        "unit_threshold": facts.unit_threshold,
    }


@require_safe
@login_required
def coverage_what_if_view(request):
    """门槛测算: the region's places evaluated under other thresholds, in memory (nothing is saved)."""
    region = _visible_region(request.user, request.GET.get("region", "").strip())
    current = current_thresholds(region)
    form = WhatIfForm(request.GET or None)
    form.prepare(request.user, region, current)
    context = {"form": form, "region": region, "current": current}
    thresholds = form.thresholds() if form.is_bound and form.is_valid() else {}
    if thresholds:
        result = coverage_what_if(region, thresholds=thresholds)
        context.update(
            {
                "thresholds": thresholds,
                "sentence": what_if_sentence(region, thresholds, result),
                "levels": level_comparison(region, result.current, result.alternative),
                "newly_required": places_with_regions(result.newly_required),
                "no_longer_required": places_with_regions(result.no_longer_required),
                "n_newly_required": len(result.newly_required),
                "n_no_longer_required": len(result.no_longer_required),
                "places_shown": PLACES_SHOWN,
            }
        )
    return render(request, "census/coverage_what_if.html", context)


# ---- comparison of two census rounds ----------------------------------------------------------------------------


def _campaign_or_404(user, value: str | None) -> Campaign | None:
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return get_visible_or_404(Campaign.objects.select_related("region"), user, pk=int(value))


def _compare_region(user, campaign: Campaign) -> Region | None:
    """Default region of a comparison: the user's scope region, narrowed to the round's own region when
    that lies inside it (an administrator or provincial staff compare where the round was held)."""
    scope = user_scope(user)
    if scope.sees_region(campaign.region):
        return campaign.region
    return default_region(user)


@require_safe
@login_required
def coverage_compare(request):
    """调查对比: between two census rounds, which places became required and which no longer are."""
    campaigns = list(Campaign.objects.visible_to(request.user).select_related("region").order_by("-year", "-pk"))
    later = _campaign_or_404(request.user, request.GET.get("later"))
    earlier = _campaign_or_404(request.user, request.GET.get("earlier"))
    if later is None and campaigns:
        later = campaigns[0]
    if earlier is None and later is not None:
        older = [c for c in campaigns if c.year < later.year]
        earlier = next((c for c in older if c.region_id == later.region_id), older[0] if older else None)
    code = request.GET.get("region", "").strip()
    if code:
        region = get_visible_or_404(Region.objects, request.user, code=code)
    else:
        region = _compare_region(request.user, later) if later else default_region(request.user)
        if region is None:
            raise Http404
    context = {
        "campaigns": campaigns,
        "earlier": earlier,
        "later": later,
        "region": region,
        "region_options": region_options(request.user, region),
    }
    if earlier is not None and later is not None:
        if earlier.pk == later.pk:
            context["error"] = _("请选择两次不同的侨情调查进行对比")
        else:
            result = compare_campaigns(region, earlier, later)
            context.update(
                {
                    "levels": level_comparison(region, result.earlier, result.later),
                    "became_required": places_with_regions(result.became_required),
                    "no_longer_required": places_with_regions(result.no_longer_required),
                    "n_became_required": len(result.became_required),
                    "n_no_longer_required": len(result.no_longer_required),
                    "places_shown": PLACES_SHOWN,
                    "reversed": earlier.year > later.year,
                }
            )
    return render(request, "census/coverage_compare.html", context)


# ---- the region page panel ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RollupRow:
    level: str
    label: StrOrPromise
    counts: dict
    links: dict

    @property
    def percent(self) -> int | None:
        required = self.counts["required"]
        return None if not required else round(100 * self.counts["satisfied"] / required)


def gaps_url(**params) -> str:
    return f"{reverse('census:coverage-gaps')}?{urlencode({k: v for k, v in params.items() if v})}"


def region_coverage_panel(region: Region, user):
    """The region page's 覆盖情况: the region's own verdict and the rollup of its subtree per level, every
    number linking to the places (gap page) or the people (person list) behind it. Two queries."""
    own = Requirement.objects.filter(region=region, unit__isnull=True).select_related("region", "policy").first()
    rollup = coverage_rollup(region)
    if own is None and not any(any(counts.values()) for counts in rollup.values()):
        return None
    rows = []
    for level in _levels_for(region):
        counts = rollup[level]
        required = {"region": region.code, "level": level, "verdict": VerdictChoice.REQUIRED}
        links = {key: gaps_url(**required, status=key) for key in ("satisfied", "under_way", "missing")}
        links["required"] = gaps_url(**required)
        links["recommended"] = gaps_url(region=region.code, level=level, verdict=VerdictChoice.RECOMMENDED)
        rows.append(RollupRow(level, PlaceLevel(level).label, counts, links))
    totals = {k: sum(r.counts[k] for r in rows) for k in COUNT_KEYS}
    return (
        "census/includes/coverage_panel.html",
        {
            "own": own,
            "own_numbers": requirement_numbers(own) if own else None,
            "rollup_rows": rows,
            "rollup_totals": totals,
            "rollup_percent": round(100 * totals["satisfied"] / totals["required"]) if totals["required"] else None,
            "gaps_url": gaps_url(region=region.code),
            "missing_url": gaps_url(region=region.code, status=FulfilmentChoice.MISSING),
        },
    )
