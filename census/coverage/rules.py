"""应建: where policy requires a federation organization, and whether it exists.

Pure Python over frozen dataclasses: no ORM, no settings, no clock (the date is an argument). The
selectors in `census.coverage` turn rows into `PlaceFacts` and `PolicyFacts`; a service stores the
verdicts. Reasons are written in Chinese, quoting the numbers and the policy clause, as the policy
documents themselves are Chinese.

Rules (Jiangxi measures 1-4 and 10; Yuxi plan 二):
- every county requires a county federation, whatever its headcount (when the policy says so);
- a key area (重点侨务地区) requires an organization whatever its headcount;
- a township at or above its threshold (100) requires a township federation;
- a village/community or a unit at or above 30 requires one;
- a smaller, non-zero count is recommended a group, branch or workstation (or joining a neighbour); a unit
  that takes part in a 网上侨胞之家 meets it where the policy names "网上侨联" among those forms (Jiangxi 4: "登记侨务
  工作对象30人(不含)以下的机关、学校……或参与网上侨联活动"; the Yuxi plan does not name it);
- for 两新组织 the verdict names who is responsible: the township federation, or the city/county
  federation from 100 people.
Thresholds are inclusive ("30人(含)以上").
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum


class Verdict(str, Enum):
    REQUIRED = "required"
    RECOMMENDED = "recommended"
    NOT_REQUIRED = "not_required"


class Fulfilment(str, Enum):
    SATISFIED = "satisfied"
    UNDER_WAY = "under_way"
    MISSING = "missing"


ACTIVE = "active"
DISSOLVED = "dissolved"

# Organization kinds (orgs.OrganizationKind values) that satisfy a requirement at each place.
FITTING_KINDS: dict[str, frozenset[str]] = {
    "county": frozenset({"county"}),
    "township": frozenset({"township", "joint"}),
    "village": frozenset({"village", "joint"}),
    "unit": frozenset({"organ", "university", "enterprise", "association"}),
}
SMALL_KINDS = frozenset({"branch", "group", "workstation", "association", "joint"})
KIND_LABELS = {
    "county": "县级侨联", "township": "乡镇(街道)侨联", "village": "村(社区)侨联", "unit": "单位侨联组织",
}
# The below-threshold form a policy names when taking part online counts (Jiangxi 4 "或参与网上侨联活动").
ONLINE_OPTION = "网上侨联"
LEVEL_WORDS = {"province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村(社区)", "unit": "单位"}


@dataclass(frozen=True)
class PolicyFacts:
    """The thresholds of one policy and the clause each rule comes from."""

    key: str
    short_name: str  # 玉溪方案, 江西措施 …
    counted_categories: frozenset[str]
    township_threshold: int = 100
    village_threshold: int = 30
    unit_threshold: int = 30
    two_new_upper_threshold: int = 100
    county_always_required: bool = True
    key_area_always_required: bool = True
    below_threshold_options: tuple[str, ...] = ("侨联小组", "侨联分会", "侨联工作站")
    clauses: Mapping[str, str] = field(default_factory=dict)
    jurisdiction_depth: int = 0
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None

    @property
    def online_counts(self) -> bool:
        """Whether taking part in a 网上侨胞之家 meets a unit's below-threshold recommendation."""
        return ONLINE_OPTION in self.below_threshold_options

    def clause(self, rule: str) -> str:
        return f"{self.short_name} {self.clauses.get(rule, '')}".strip()

    def in_force(self, on: dt.date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on <= self.effective_to
        )


@dataclass(frozen=True)
class OrganizationFact:
    kind: str
    status: str


@dataclass(frozen=True)
class PlaceFacts:
    """A region (`level` set) or a unit (`level` == "unit") with its headcount by category."""

    name: str
    level: str
    headcount_by_category: Mapping[str, int]
    is_key_area: bool = False
    is_two_new: bool = False
    organizations: tuple[OrganizationFact, ...] = ()
    # the statuses of the organizations whose 网上侨胞之家 this unit takes part in (Home.kind online, Home.unit)
    online_homes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleResult:
    verdict: Verdict
    fulfilment: Fulfilment
    headcount: int
    rule: str  # which rule decided: county / key_area / township / village / unit / below / none
    clause: str
    responsible: str
    reason: str


def applicable_policy(candidates: Iterable[PolicyFacts], on: dt.date) -> PolicyFacts | None:
    """The policy in force on `on` whose jurisdiction is the most specific (deepest) one."""
    in_force = [p for p in candidates if p.in_force(on)]
    return max(in_force, key=lambda p: (p.jurisdiction_depth, p.effective_from or dt.date.min), default=None)


def counted(headcount_by_category: Mapping[str, int], policy: PolicyFacts) -> int:
    return sum(n for category, n in headcount_by_category.items() if category in policy.counted_categories)


def fulfilment(place: PlaceFacts, fitting: frozenset[str]) -> Fulfilment:
    relevant = [o for o in place.organizations if o.kind in fitting and o.status != DISSOLVED]
    if any(o.status == ACTIVE for o in relevant):
        return Fulfilment.SATISFIED
    if relevant:
        return Fulfilment.UNDER_WAY
    return Fulfilment.MISSING


def online_fulfilment(place: PlaceFacts) -> Fulfilment:
    """A unit's taking part in 网上侨胞之家: met when the organization running one is active, under way while founding."""
    live = [status for status in place.online_homes if status != DISSOLVED]
    if ACTIVE in live:
        return Fulfilment.SATISFIED
    return Fulfilment.UNDER_WAY if live else Fulfilment.MISSING


RANK = {Fulfilment.MISSING: 0, Fulfilment.UNDER_WAY: 1, Fulfilment.SATISFIED: 2}


def _status_words(state: Fulfilment) -> str:
    return {Fulfilment.SATISFIED: "已成立", Fulfilment.UNDER_WAY: "正在筹建", Fulfilment.MISSING: "尚未成立"}[state]


def evaluate(place: PlaceFacts, policy: PolicyFacts, *, on: dt.date) -> RuleResult:
    """The verdict for one place under one policy on a date (the date only selects what is in force
    upstream; it is an argument so that the rules never read a clock)."""
    n = counted(place.headcount_by_category, policy)
    level = place.level
    word = LEVEL_WORDS.get(level, level)
    count_text = f"{place.name}：登记对象 {n} 人"
    uncounted = sum(place.headcount_by_category.values()) - n
    if uncounted:
        count_text += f"（另有 {uncounted} 人不属{policy.short_name}计入的类别）"

    if level in ("province", "city"):
        return RuleResult(Verdict.NOT_REQUIRED, fulfilment(place, FITTING_KINDS["county"]), n, "none", "", "",
                          f"{count_text}；省、市级侨联不在本规则范围内")

    if level == "county" and policy.county_always_required:
        state = fulfilment(place, FITTING_KINDS["county"])
        clause = policy.clause("county")
        return RuleResult(Verdict.REQUIRED, state, n, "county", clause, "",
                          f"{count_text}，每个县（市、区）均应成立县级侨联（{clause}）；{_status_words(state)}")

    if level == "unit":
        threshold, fitting_key = policy.unit_threshold, "unit"
    elif level == "township":
        threshold, fitting_key = policy.township_threshold, "township"
    else:
        threshold, fitting_key = policy.village_threshold, "village"
    fitting = FITTING_KINDS.get(fitting_key, frozenset())
    responsible = ""
    if place.is_two_new:
        responsible = "市、县级侨联" if n >= policy.two_new_upper_threshold else "乡镇（街道、社区）侨联"
    responsible_text = f"，由{responsible}负责（{policy.clause('two_new')}）" if responsible else ""

    if place.is_key_area and policy.key_area_always_required:
        state = fulfilment(place, fitting)
        clause = policy.clause("key_area")
        return RuleResult(Verdict.REQUIRED, state, n, "key_area", clause, responsible,
                          f"{count_text}，属重点侨务地区，应成立侨联组织（{clause}）{responsible_text}；{_status_words(state)}")

    if n >= threshold:
        state = fulfilment(place, fitting)
        clause = policy.clause(fitting_key)
        label = KIND_LABELS[fitting_key]
        return RuleResult(Verdict.REQUIRED, state, n, fitting_key, clause, responsible,
                          f"{count_text}，达到{word} {threshold} 人门槛（{clause}），应成立{label}{responsible_text}；{_status_words(state)}")

    if n > 0:
        state = fulfilment(place, fitting | SMALL_KINDS)
        clause = policy.clause("below")
        options = "、".join(policy.below_threshold_options)
        status_text = _status_words(state)
        if level == "unit" and policy.online_counts and state != Fulfilment.SATISFIED:
            online = online_fulfilment(place)
            if RANK[online] > RANK[state]:
                state = online
                status_text = "已参与网上侨胞之家" if online == Fulfilment.SATISFIED else "所参与的网上侨胞之家正在筹建"
                status_text += f"（{clause}：参与网上侨联活动）"
        return RuleResult(Verdict.RECOMMENDED, state, n, "below", clause, responsible,
                          f"{count_text}，未达{word} {threshold} 人门槛（{clause}），可成立{options}或参与周边侨联活动{responsible_text}；{status_text}")

    state = fulfilment(place, fitting | SMALL_KINDS)
    return RuleResult(Verdict.NOT_REQUIRED, state, 0, "none", "", responsible, f"{count_text}，暂不需要成立组织")
