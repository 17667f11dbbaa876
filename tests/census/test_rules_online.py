"""网上侨联 as a below-threshold form (issue 17 §4): pure rules, no database. The policies come from the shipped
fixture, so the test follows what each policy names."""
from __future__ import annotations

from census.coverage import rules
from census.coverage.rules import Fulfilment, PlaceFacts, Verdict
from tests.census.test_rules import JIANGXI, ON, YUXI


def unit(n: int, *, online: tuple[str, ...] = ()) -> PlaceFacts:
    return PlaceFacts(name="某公司", level="unit", headcount_by_category={"relative": n}, online_homes=online)


def test_an_online_home_meets_a_small_unit_where_the_policy_names_it():
    """Jiangxi 4: "登记侨务工作对象30人(不含)以下的机关、学校、科研院所、企事业单位……或成立侨联小组或涉侨(含分支)机构，
    或参与兄弟单位、周边涉侨社团活动，或参与网上侨联活动。" A unit of 12 that takes part in an active 网上侨胞之家 has met
    its recommendation, and the reason quotes the clause."""
    result = rules.evaluate(unit(12, online=("active",)), JIANGXI, on=ON)
    assert (result.verdict, result.fulfilment, result.rule) == (Verdict.RECOMMENDED, Fulfilment.SATISFIED, "below")
    assert "已参与网上侨胞之家（江西措施 第4条：参与网上侨联活动）" in result.reason
    assert rules.evaluate(unit(12, online=("drafting",)), JIANGXI, on=ON).fulfilment == Fulfilment.UNDER_WAY
    assert rules.evaluate(unit(12, online=("dissolved",)), JIANGXI, on=ON).fulfilment == Fulfilment.MISSING
    assert rules.evaluate(unit(12), JIANGXI, on=ON).fulfilment == Fulfilment.MISSING


def test_an_online_home_does_not_count_where_the_policy_does_not_name_it():
    """Yuxi 二: "人数不足30人的，可以设立侨联分会、小组、工作站等活动组织" and 二(三) "应通过设立侨联小组、工作站或跨机构联建等
    方式开展工作": 网上侨联 is not among Yuxi's forms, so taking part online leaves the recommendation open."""
    assert not YUXI.online_counts and JIANGXI.online_counts
    assert rules.evaluate(unit(12, online=("active",)), YUXI, on=ON).fulfilment == Fulfilment.MISSING


def test_an_online_home_does_not_replace_a_required_organization():
    """Jiangxi 3: "登记侨务工作对象30人(含)以上……成立基层侨联组织或涉侨机构": at 30 the unit must found one; online does
    not do."""
    result = rules.evaluate(unit(30, online=("active",)), JIANGXI, on=ON)
    assert (result.verdict, result.fulfilment) == (Verdict.REQUIRED, Fulfilment.MISSING)
