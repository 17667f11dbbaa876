"""The rules (应建), tested as plain Python: no database, no Django.

The policies are built from the shipped fixture (fixtures/policies.json), so a clause or a counted
category changed there changes what these tests check."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from census.coverage import rules
from census.coverage.rules import (
    Fulfilment,
    OrganizationFact,
    PlaceFacts,
    PolicyFacts,
    Verdict,
)

ROOT = Path(__file__).resolve().parents[2]
ON = dt.date(2026, 6, 1)
CATEGORIES = ("returned", "relative", "overseas", "foreign_chinese", "student", "student_relative")
RANK = {Verdict.NOT_REQUIRED: 0, Verdict.RECOMMENDED: 1, Verdict.REQUIRED: 2}
FOUNDING = ("planned", "drafting", "consulting", "approved", "congress", "filed")


def fixture_policy(key: str, depth: int = 0) -> PolicyFacts:
    """A policy of fixtures/policies.json as the rules see it (the same mapping as census.coverage.services.policy_facts)."""
    item = next(p for p in json.loads((ROOT / "fixtures" / "policies.json").read_text(encoding="utf-8")) if p["key"] == key)
    def date(v):
        return dt.date.fromisoformat(v) if v else None

    return PolicyFacts(
        key=item["key"], short_name=item["short_name"], counted_categories=frozenset(item["counted_categories"]),
        township_threshold=item["township_threshold"], village_threshold=item["village_threshold"],
        unit_threshold=item["unit_threshold"], two_new_upper_threshold=item["two_new_upper_threshold"],
        county_always_required=item["county_always_required"], key_area_always_required=item["key_area_always_required"],
        below_threshold_options=tuple(item["below_threshold_options"]), clauses=item["clauses"], jurisdiction_depth=depth,
        effective_from=date(item.get("effective_from")), effective_to=date(item.get("effective_to")),
    )


YUXI = fixture_policy("yuxi-2020", depth=2)
JIANGXI = fixture_policy("jiangxi-40", depth=1)
DEFAULT = fixture_policy("default")


def place(level: str, n: int = 0, *, category: str = "relative", name: str = "某地", key: bool = False,
          two_new: bool = False, orgs: tuple[tuple[str, str], ...] = (), counts: dict[str, int] | None = None) -> PlaceFacts:
    return PlaceFacts(
        name=name, level=level, headcount_by_category=counts if counts is not None else ({category: n} if n else {}),
        is_key_area=key, is_two_new=two_new, organizations=tuple(OrganizationFact(k, s) for k, s in orgs),
    )


def judge(facts: PlaceFacts, policy: PolicyFacts = YUXI) -> rules.RuleResult:
    return rules.evaluate(facts, policy, on=ON)


# ------------------------------------------------------------------ purity


def test_importing_the_rules_loads_no_django():
    """A rules module that imports Django fails its own test (census/__init__.py included)."""
    code = "import census.coverage.rules, sys; assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------------------ boundaries


@pytest.mark.parametrize(
    ("level", "n", "verdict", "rule"),
    [
        ("village", 29, Verdict.RECOMMENDED, "below"),
        ("village", 30, Verdict.REQUIRED, "village"),
        ("village", 31, Verdict.REQUIRED, "village"),
        ("village", 1, Verdict.RECOMMENDED, "below"),
        ("village", 0, Verdict.NOT_REQUIRED, "none"),
        ("township", 99, Verdict.RECOMMENDED, "below"),
        ("township", 100, Verdict.REQUIRED, "township"),
        ("township", 0, Verdict.NOT_REQUIRED, "none"),
        ("unit", 29, Verdict.RECOMMENDED, "below"),
        ("unit", 30, Verdict.REQUIRED, "unit"),
        ("unit", 0, Verdict.NOT_REQUIRED, "none"),
        ("county", 0, Verdict.REQUIRED, "county"),
        ("county", 5000, Verdict.REQUIRED, "county"),
    ],
)
@pytest.mark.parametrize("policy", [YUXI, JIANGXI, DEFAULT], ids=lambda p: p.key)
def test_boundaries_are_inclusive(policy, level, n, verdict, rule):
    result = judge(place(level, n), policy)
    assert (result.verdict, result.rule, result.headcount) == (verdict, rule, n)


def test_a_county_with_nobody_requires_a_county_federation():
    result = judge(place("county", 0, name="江川区"))
    assert (result.verdict, result.fulfilment, result.rule) == (Verdict.REQUIRED, Fulfilment.MISSING, "county")
    assert result.reason == "江川区：登记对象 0 人，每个县（市、区）均应成立县级侨联（玉溪方案 二(一)）；尚未成立"


@pytest.mark.parametrize("level", ["village", "township"])
def test_a_key_area_with_three_people_is_required(level):
    result = judge(place(level, 3, name="大回村村委会", key=True))
    assert (result.verdict, result.rule, result.headcount) == (Verdict.REQUIRED, "key_area", 3)
    assert "登记对象 3 人" in result.reason and "重点侨务地区" in result.reason and "玉溪方案 二(二)" in result.reason


def test_a_key_area_with_nobody_is_still_required():
    assert judge(place("village", 0, key=True)).verdict == Verdict.REQUIRED


def test_a_unit_with_exactly_thirty_is_required():
    result = judge(place("unit", 30, name="通海县第一中学"))
    assert (result.verdict, result.rule) == (Verdict.REQUIRED, "unit")
    assert result.reason == "通海县第一中学：登记对象 30 人，达到单位 30 人门槛（玉溪方案 二(三)），应成立单位侨联组织；尚未成立"
    assert result.responsible == ""  # not a 两新组织


def test_a_two_new_organization_of_120_is_the_city_or_county_federations_business():
    result = judge(place("unit", 120, name="侨兴食品有限公司", two_new=True), JIANGXI)
    assert (result.verdict, result.rule, result.headcount) == (Verdict.REQUIRED, "unit", 120)
    assert result.responsible == "市、县级侨联"
    assert "登记对象 120 人" in result.reason and "由市、县级侨联负责（江西措施 第10条）" in result.reason


@pytest.mark.parametrize(("n", "responsible"), [(99, "乡镇（街道、社区）侨联"), (100, "市、县级侨联"), (30, "乡镇（街道、社区）侨联"),
                                               (5, "乡镇（街道、社区）侨联")])
def test_two_new_responsibility_switches_at_100_inclusive(n, responsible):
    result = judge(place("unit", n, two_new=True), JIANGXI)
    assert result.responsible == responsible
    assert responsible in result.reason


def test_student_relatives_count_under_jiangxi_but_not_under_yuxi():
    village = place("village", 30, category="student_relative", name="侨乡村")
    jiangxi, yuxi = judge(village, JIANGXI), judge(village, YUXI)
    assert (jiangxi.verdict, jiangxi.headcount) == (Verdict.REQUIRED, 30)
    assert (yuxi.verdict, yuxi.headcount) == (Verdict.NOT_REQUIRED, 0)
    assert "登记对象 0 人" in yuxi.reason and "30" in yuxi.reason  # the uncounted people are named, not hidden


def test_only_counted_categories_reach_the_threshold():
    # 25 counted + 10 student relatives: 35 registered, 25 counted under Yuxi.
    village = place("village", counts={"relative": 20, "student": 5, "student_relative": 10})
    assert (judge(village, YUXI).verdict, judge(village, YUXI).headcount) == (Verdict.RECOMMENDED, 25)
    assert (judge(village, JIANGXI).verdict, judge(village, JIANGXI).headcount) == (Verdict.REQUIRED, 35)


def test_province_and_city_are_outside_the_rules():
    for level in ("province", "city"):
        assert judge(place(level, 500)).verdict == Verdict.NOT_REQUIRED


def test_a_threshold_set_lower_by_a_policy_applies():
    from dataclasses import replace

    lower = replace(YUXI, village_threshold=10)
    assert judge(place("village", 10), lower).verdict == Verdict.REQUIRED
    assert judge(place("village", 9), lower).verdict == Verdict.RECOMMENDED


# ------------------------------------------------------------------ fulfilment


def test_an_active_organization_of_a_fitting_kind_satisfies():
    assert judge(place("village", 40, orgs=(("village", "active"),))).fulfilment == Fulfilment.SATISFIED
    assert judge(place("township", 150, orgs=(("township", "active"),))).fulfilment == Fulfilment.SATISFIED
    assert judge(place("county", 0, orgs=(("county", "active"),))).fulfilment == Fulfilment.SATISFIED
    assert judge(place("unit", 30, orgs=(("enterprise", "active"),))).fulfilment == Fulfilment.SATISFIED


@pytest.mark.parametrize("status", FOUNDING)
def test_an_organization_in_its_founding_procedure_is_under_way(status):
    result = judge(place("village", 40, name="金州社区", orgs=((("village", status)),)))
    assert (result.verdict, result.fulfilment) == (Verdict.REQUIRED, Fulfilment.UNDER_WAY)
    assert result.reason.endswith("正在筹建")


def test_active_wins_over_under_way():
    facts = place("village", 40, orgs=(("village", "drafting"), ("village", "active")))
    assert judge(facts).fulfilment == Fulfilment.SATISFIED


def test_a_dissolved_organization_is_ignored():
    assert judge(place("village", 40, orgs=(("village", "dissolved"),))).fulfilment == Fulfilment.MISSING
    facts = place("village", 40, orgs=(("village", "dissolved"), ("village", "planned")))
    assert judge(facts).fulfilment == Fulfilment.UNDER_WAY


@pytest.mark.parametrize(
    ("level", "n", "kind"),
    [("county", 0, "township"), ("township", 150, "village"), ("village", 40, "county"), ("village", 40, "group"),
     ("township", 150, "branch"), ("unit", 30, "village"), ("county", 0, "joint")],
)
def test_an_organization_of_the_wrong_kind_is_ignored(level, n, kind):
    result = judge(place(level, n, orgs=((kind, "active"),)))
    assert (result.verdict, result.fulfilment) == (Verdict.REQUIRED, Fulfilment.MISSING)


@pytest.mark.parametrize("level", ["village", "township"])
def test_a_joint_federation_satisfies_a_village_or_township(level):
    result = judge(place(level, 200, orgs=(("joint", "active"),)))
    assert (result.verdict, result.fulfilment) == (Verdict.REQUIRED, Fulfilment.SATISFIED)


def test_below_the_threshold_a_group_branch_or_workstation_satisfies_the_recommendation():
    for kind in ("group", "branch", "workstation"):
        result = judge(place("village", 12, orgs=((kind, "active"),)))
        assert (result.verdict, result.fulfilment) == (Verdict.RECOMMENDED, Fulfilment.SATISFIED)
    assert judge(place("village", 12)).fulfilment == Fulfilment.MISSING


# ------------------------------------------------------------------ reasons


def test_the_reason_quotes_the_numbers_and_the_clause():
    result = judge(place("township", 134, name="河西镇"))
    assert result.reason == "河西镇：登记对象 134 人，达到乡镇 100 人门槛（玉溪方案 二），应成立乡镇(街道)侨联；尚未成立"
    assert result.clause == "玉溪方案 二"


def test_the_reason_of_a_village():
    result = judge(place("village", 30, name="红侨社区"), JIANGXI)
    assert result.reason == "红侨社区：登记对象 30 人，达到村(社区) 30 人门槛（江西措施 第3条），应成立村(社区)侨联；尚未成立"


def test_the_reason_below_the_threshold_names_the_options():
    result = judge(place("village", 29, name="小回村村委会"))
    assert "登记对象 29 人" in result.reason and "未达村(社区) 30 人门槛（玉溪方案 二）" in result.reason
    assert "侨联小组、侨联分会、侨联工作站" in result.reason


def test_the_reason_of_a_satisfied_requirement():
    result = judge(place("county", 57, name="红塔区", orgs=(("county", "active"),)))
    assert result.reason == "红塔区：登记对象 57 人，每个县（市、区）均应成立县级侨联（玉溪方案 二(一)）；已成立"


def test_the_reason_of_nobody_quotes_the_number():
    assert "0 人" in judge(place("village", 0, name="某村")).reason


# ------------------------------------------------------------------ which policy


def test_applicable_policy_picks_the_deepest_in_force():
    assert rules.applicable_policy([DEFAULT, JIANGXI], ON) is JIANGXI
    assert rules.applicable_policy([DEFAULT, YUXI], ON) is YUXI
    assert rules.applicable_policy([YUXI, DEFAULT], ON) is YUXI
    assert rules.applicable_policy([], ON) is None


def test_applicable_policy_respects_effective_dates():
    from dataclasses import replace

    # The Yuxi plan is in force from 2020-01-01: before that, the default applies.
    assert rules.applicable_policy([DEFAULT, YUXI], dt.date(2019, 12, 31)) is DEFAULT
    assert rules.applicable_policy([DEFAULT, YUXI], dt.date(2020, 1, 1)) is YUXI
    ended = replace(YUXI, effective_to=dt.date(2024, 12, 31))
    assert rules.applicable_policy([DEFAULT, ended], dt.date(2024, 12, 31)) is ended  # inclusive
    assert rules.applicable_policy([DEFAULT, ended], dt.date(2025, 1, 1)) is DEFAULT
    assert rules.applicable_policy([ended], dt.date(2025, 1, 1)) is None


def test_a_later_version_at_the_same_depth_replaces_the_earlier():
    from dataclasses import replace

    newer = replace(YUXI, key="yuxi-2025", village_threshold=20, effective_from=dt.date(2025, 1, 1))
    assert rules.applicable_policy([YUXI, newer, DEFAULT], dt.date(2024, 6, 1)) is YUXI
    assert rules.applicable_policy([YUXI, newer, DEFAULT], dt.date(2025, 6, 1)) is newer


# ------------------------------------------------------------------ properties

headcounts = st.dictionaries(st.sampled_from(CATEGORIES), st.integers(0, 400), max_size=6)
levels = st.sampled_from(("county", "township", "village", "unit"))
policies = st.sampled_from((YUXI, JIANGXI, DEFAULT))
org_facts = st.lists(
    st.tuples(st.sampled_from(("county", "township", "village", "organ", "enterprise", "group", "joint", "branch")),
              st.sampled_from((*FOUNDING, "active", "dissolved"))),
    max_size=3,
)


@st.composite
def places(draw):
    level = draw(levels)
    return PlaceFacts(
        name="某地", level=level, headcount_by_category=draw(headcounts),
        is_key_area=level in ("township", "village") and draw(st.booleans()),
        is_two_new=level == "unit" and draw(st.booleans()),
        organizations=tuple(OrganizationFact(k, s) for k, s in draw(org_facts)),
    )


def with_more(facts: PlaceFacts, category: str, more: int) -> PlaceFacts:
    counts = dict(facts.headcount_by_category)
    counts[category] = counts.get(category, 0) + more
    return PlaceFacts(facts.name, facts.level, counts, facts.is_key_area, facts.is_two_new, facts.organizations)


@settings(max_examples=300, deadline=None)
@given(places(), policies, st.sampled_from(CATEGORIES), st.integers(1, 200))
def test_raising_a_headcount_never_lowers_the_verdict(facts, policy, category, more):
    before, after = judge(facts, policy), judge(with_more(facts, category, more), policy)
    assert RANK[after.verdict] >= RANK[before.verdict]
    if before.verdict == Verdict.REQUIRED:
        assert after.verdict == Verdict.REQUIRED


@settings(max_examples=200, deadline=None)
@given(places(), policies, st.integers(0, 200))
def test_uncounted_categories_never_change_the_verdict(facts, policy, more):
    uncounted = [c for c in CATEGORIES if c not in policy.counted_categories]
    after = facts
    for category in uncounted:
        after = with_more(after, category, more)
    a, b = judge(facts, policy), judge(after, policy)
    assert (a.verdict, a.fulfilment, a.rule, a.headcount, a.responsible) == (b.verdict, b.fulfilment, b.rule, b.headcount, b.responsible)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(("township", "village", "unit")), policies, st.integers(1, 150), st.sampled_from(CATEGORIES))
def test_thresholds_are_inclusive_whatever_the_threshold(level, policy, threshold, category):
    from dataclasses import replace

    policy = replace(policy, township_threshold=threshold, village_threshold=threshold, unit_threshold=threshold)
    if category not in policy.counted_categories:
        category = "relative"
    at, below = judge(place(level, threshold, category=category), policy), judge(place(level, threshold - 1, category=category), policy)
    assert at.verdict == Verdict.REQUIRED and at.headcount == threshold
    assert below.verdict != Verdict.REQUIRED
    assert f"{threshold} 人门槛" in at.reason


@settings(max_examples=200, deadline=None)
@given(places(), policies)
def test_every_verdict_carries_a_reason_with_its_number(facts, policy):
    result = judge(facts, policy)
    assert result.reason.startswith(f"{facts.name}：")
    assert f"{result.headcount} 人" in result.reason
    if result.verdict != Verdict.NOT_REQUIRED:
        assert result.clause and result.clause.startswith(policy.short_name) and f"（{result.clause}）" in result.reason
