"""Coverage pages (覆盖分析): the gap list 应建未建, the what-if of other thresholds, the comparison of two
census rounds (根据侨情变化情况，调整组织架构), the coverage panel of the region page, and the policies
(建会门槛): their list, a policy's page, and creating or changing one in two steps (the comparison first,
written only on confirmation).

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
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from census.coverage.filters import GapOrderedRows, RequirementFilter
from census.coverage.forms import PolicyForm
from census.coverage.models import (
    FulfilmentChoice,
    PlaceLevel,
    Policy,
    Requirement,
    VerdictChoice,
)
from census.coverage.policies import (
    POLICY_FIELDS,
    POLICY_RULES,
    STATE_LABELS,
    PolicyPreview,
    field_label,
    period_text,
    policies_visible,
    policy_editor,
    policy_editor_require,
    policy_fingerprint,
    policy_for_edit,
    policy_governs,
    policy_history,
    policy_preview,
    policy_save,
    policy_state,
    policy_template_for,
    value_text,
)
from census.coverage.rows import gap_rows, people_url, requirement_numbers
from census.coverage.selectors import coverage_rollup
from census.coverage.services import (
    THRESHOLD_FIELDS,
    PolicyIndex,
    WhatIfResult,
    compare_campaigns,
    coverage_what_if,
    policy_applying,
)
from census.registry.models import Campaign
from census.rounds.selectors import round_basis
from orgs.access.scoping import get_visible_or_404, user_scope
from orgs.common.forms import apply_errors
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
    for name in ("region", "county"):
        # a region the user may not see is a 404, not a list of zeros that reads as "nothing to do there"
        if code := data.get(name, "").strip():
            get_visible_or_404(Region.objects, request.user, code=code)
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
    entries = gap_rows(page.object_list, can_write=user_scope(request.user).can_write)

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
    policies, today = PolicyIndex(), timezone.localdate()  # one query for the policies, however many regions
    return [region for region in scope_regions_for(user) if policies.for_region(region, today) is None]


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


def level_comparison(region: Region | None, before: dict, after: dict) -> list[dict]:
    """Per level (those of the region's subtree; every level for the whole country): the counts before and after,
    and the change of the required ones."""
    return [
        {
            "level": level,
            "label": PlaceLevel(level).label,
            "before": before[level],
            "after": after[level],
            "delta": after[level]["required"] - before[level]["required"],
        }
        for level in (_levels_for(region) if region is not None else LEVEL_ORDER)
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


# ---- policies (建会门槛) -----------------------------------------------------------------------------------------

POLICY_TOKEN_SALT = "census.coverage.policy-confirm"
POLICY_TOKEN_MAX_AGE = 2 * 60 * 60  # a confirmation page older than this must be prepared again


@require_safe
@login_required
def policy_list(request):
    """建会门槛: the policies that apply to the user's scope (the nationwide default, those of the regions above
    and inside it), each with its jurisdiction, dates, thresholds and state; and for a chosen region, the policy in
    force there today, as the evaluation chooses it."""
    code = request.GET.get("region", "").strip()
    region = _visible_region(request.user, code) if code else default_region(request.user)
    editor, today = policy_editor(request.user), timezone.localdate()
    rows = []
    for policy in policies_visible(request.user):
        state = policy_state(policy, today)
        rows.append({"policy": policy, "state": state, "state_label": STATE_LABELS[state], "can_edit": editor.keeps(policy.jurisdiction),
                     "categories": value_text("counted_categories", policy.counted_categories), "period": period_text(policy)})
    context = {
        "rows": rows,
        "region": region,
        "region_options": region_options(request.user, region) if region is not None else None,
        "applying": policy_applying(region, today) if region is not None else None,
        "can_create": editor.can_edit,
    }
    return render(request, "census/policy_list.html", context)


def policy_facts(policy: Policy) -> list[dict]:
    """Every field of a policy in words (categories and options by label, clauses per rule), for its page."""
    facts = [{"label": field_label(field), "text": value_text(field, getattr(policy, field)), "field": field}
             for field in POLICY_FIELDS if field not in ("jurisdiction", "clauses", "source", "name")]
    facts.insert(0, {"label": field_label("jurisdiction"), "field": "jurisdiction",
                     "text": policy.jurisdiction.full_name if policy.jurisdiction else value_text("jurisdiction", None)})
    return facts


@require_safe
@login_required
def policy_detail(request, pk: int):
    """A policy in words: its fields, the clause of each rule, the source text, where it decides today, and its history."""
    policy = get_visible_or_404(Policy.objects.select_related("jurisdiction"), request.user, pk=pk)
    state = policy_state(policy)
    context = {
        "policy": policy,
        "state": state,
        "state_label": STATE_LABELS[state],
        "facts": policy_facts(policy),
        "clauses": [(label, (policy.clauses or {}).get(rule, "")) for rule, label in POLICY_RULES.items()],
        "governs": policy_governs(policy, request.user),
        "history": policy_history(policy),
        "can_edit": policy_editor(request.user).keeps(policy.jurisdiction),
    }
    return render(request, "census/policy_detail.html", context)


def _form_values(form: PolicyForm) -> dict[str, list[str]]:
    """The submitted values of a policy form, as the confirmation token carries them."""
    data = form.data
    assert isinstance(data, QueryDict)  # a request's POST, or rebuilt from a token
    return {key: values for key, values in data.lists() if key in form.fields}


def policy_confirmation_token(user, policy: Policy | None, values: dict[str, list[str]]) -> str:
    """The signed token a confirmation page carries: who confirms, which policy (None: a new one), the policy's state
    when the comparison was made (a change in between makes it stale) and the form's values."""
    return signing.dumps(
        {"user": user.pk, "policy": policy.pk if policy else None, "base": policy_fingerprint(policy), "values": values},
        salt=POLICY_TOKEN_SALT,
    )


def _token_payload(request, policy: Policy | None) -> dict | None:
    """The confirmation token of this user for this policy (or for a new one), if valid and recent."""
    try:
        payload = signing.loads(request.POST.get("token", ""), salt=POLICY_TOKEN_SALT, max_age=POLICY_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if payload.get("user") != request.user.pk or payload.get("policy") != (policy.pk if policy else None):
        return None
    return payload


def _bound_form(request, policy: Policy | None, values: dict[str, list[str]]) -> PolicyForm:
    data = QueryDict(mutable=True)
    for key, items in values.items():
        data.setlist(key, items)
    return PolicyForm(data, user=request.user, policy=policy)


def _render_policy_form(request, form: PolicyForm, policy: Policy | None):
    return render(request, "census/policy_form.html", {"form": form, "policy": policy, "creating": policy is None})


def policy_change_sentence(preview: PolicyPreview) -> str:
    """The comparison in words: "保存后，玉溪市将新增 15 个应建村(社区)，减少 2 个应建单位"."""
    result: WhatIfResult = preview.comparison
    where = preview.region.name if preview.region is not None else _("全国")
    changes = []
    for level in (_levels_for(preview.region) if preview.region is not None else LEVEL_ORDER):
        delta = result.delta(level)
        if delta:
            words = {"n": abs(delta), "level": LEVEL_WORDS[PlaceLevel(level)]}
            changes.append((_("新增 %(n)s 个应建%(level)s") if delta > 0 else _("减少 %(n)s 个应建%(level)s")) % words)
    if not changes:
        return _("保存后，%(where)s各级应建数量不变") % {"where": where}
    return _("保存后，%(where)s将%(changes)s") % {"where": where, "changes": "，".join(changes)}


def _render_confirmation(request, form: PolicyForm, policy: Policy | None, preview: PolicyPreview):
    comparison = preview.comparison
    context = {
        "form": form,
        "policy": policy,
        "creating": policy is None,
        "candidate": preview.candidate,
        "region": preview.region,
        "on": preview.on,
        "on_is_today": preview.on == timezone.localdate(),
        "changes": [
            {"label": field_label(field), "before": "" if policy is None else value_text(field, before),
             "after": value_text(field, after)}
            for field, (before, after) in preview.changes.items()
            if field != "jurisdiction" or policy is not None
        ],
        "jurisdiction_text": preview.region.full_name if preview.region is not None else value_text("jurisdiction", None),
        "token": policy_confirmation_token(request.user, policy, _form_values(form)),
        "sentence": policy_change_sentence(preview),
        "levels": level_comparison(preview.region, comparison.current, comparison.alternative),
        "newly_required": places_with_regions(comparison.newly_required),
        "no_longer_required": places_with_regions(comparison.no_longer_required),
        "n_newly_required": len(comparison.newly_required),
        "n_no_longer_required": len(comparison.no_longer_required),
    }
    return render(request, "census/policy_confirm.html", context)


def _policy_form_flow(request, policy: Policy | None):
    """GET: the form. POST of the form: checked, then the confirmation page (the comparison; nothing written).
    POST of the confirmation (its signed token carries the same values): checked again and saved; "back" returns
    to the form with those values."""
    if request.method != "POST":
        template = None if policy is not None else policy_template_for(request.user)
        return _render_policy_form(request, PolicyForm(user=request.user, policy=policy, template=template), policy)
    if "token" in request.POST:
        payload = _token_payload(request, policy)
        if payload is None:
            messages.error(request, _("确认页面已过期或无效：请重新填写并提交"))
            return redirect("census:policy-edit", pk=policy.pk) if policy is not None else redirect("census:policy-create")
        form = _bound_form(request, policy, payload["values"])
        if "back" in request.POST or not form.is_valid():
            return _render_policy_form(request, form, policy)
        if payload.get("base") != policy_fingerprint(policy):
            messages.warning(request, _("确认之前，此门槛已被他人修改：以下比较已按最新内容重新计算，请核对后再确认"))
        else:
            try:
                saved = policy_save(editor=request.user, policy=policy, data=form.policy_data(), request=request)
            except ValidationError as error:
                apply_errors(form, error)
                return _render_policy_form(request, form, policy)
            messages.success(request, _("已保存“%(name)s”：辖区内的应建评估正按新门槛重新计算") % {"name": saved.short_name})
            return redirect("census:policy-detail", pk=saved.pk)
    else:
        form = PolicyForm(request.POST, user=request.user, policy=policy)
        if not form.is_valid():
            return _render_policy_form(request, form, policy)
    try:
        preview = policy_preview(editor=request.user, policy=policy, data=form.policy_data())
    except ValidationError as error:
        apply_errors(form, error)
        return _render_policy_form(request, form, policy)
    return _render_confirmation(request, form, policy, preview)


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def policy_create(request):
    """新建门槛: administrators (any jurisdiction, the nationwide default too) and provincial or city staff (their
    region and below); everyone else 403."""
    policy_editor_require(request.user)
    return _policy_form_flow(request, None)


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def policy_edit(request, pk: int):
    """修改门槛: a policy the user does not see is a 404; one they see but do not keep, a 403."""
    return _policy_form_flow(request, policy_for_edit(request.user, pk))
