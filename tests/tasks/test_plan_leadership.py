"""The leadership group of a plan (Yuxi 四: "成立市委统战部主要领导任组长，市委统战部分管副部长和市侨联主要领导任副组长，市委
统战部、市侨联相关领导和科室负责人为成员的全市侨联组织建设工作领导小组。领导小组下设办公室在市侨联，由市侨联党组书记、主席罗云川
兼任办公室主任，市委统战部三级主任科员郭照明和四级主任科员李云东任办公室副主任") as records of the plan."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tasks.plans.leadership import leadership_member_add
from tasks.plans.models import LeadershipRole, Plan, PlanLeadershipMember
from tasks.plans.services import plans_load
from tests.factories import region

pytestmark = pytest.mark.django_db


@pytest.fixture
def yuxi_plan():
    plans_load()
    return Plan.objects.get(key="yuxi-2020")


def test_the_shipped_yuxi_plan_carries_its_leadership_group(yuxi_plan):
    """The seed's 四 as records: one 组长 (a post, no name), two 副组长, 成员, 办公室 at 市侨联 with 罗云川 as 办公室主任
    and two 办公室副主任; loading again changes nothing."""
    rows = list(yuxi_plan.leadership_members.values_list("role", "name", "post"))
    assert rows == [
        ("leader", "", "市委统战部主要领导"), ("deputy", "", "市委统战部分管副部长"), ("deputy", "", "市侨联主要领导"),
        ("member", "", "市委统战部、市侨联相关领导和科室负责人"), ("office_director", "罗云川", "市侨联党组书记、主席"),
        ("office_deputy", "郭照明", "市委统战部三级主任科员"), ("office_deputy", "李云东", "市委统战部四级主任科员"),
    ]
    assert (yuxi_plan.leadership_group, yuxi_plan.leadership_office) == ("玉溪市侨联组织建设工作领导小组", "市侨联")
    plans_load()
    assert PlanLeadershipMember.objects.filter(plan=yuxi_plan).count() == 7


def test_the_plan_page_shows_the_group(yuxi_plan, client_for, tonghai_official, yuxi_staff):
    """Shown on the plan page to whoever reads the plan (a county reads the city's plan); the edit link only for its
    writers."""
    page = client_for(tonghai_official).get(reverse("tasks:plan-detail", kwargs={"pk": yuxi_plan.pk})).content.decode()
    assert "组长" in page and "市委统战部主要领导" in page and "罗云川" in page and "领导小组下设办公室在市侨联" in page
    assert 'data-testid="leadership-edit-link"' not in page
    page = client_for(yuxi_staff).get(reverse("tasks:plan-detail", kwargs={"pk": yuxi_plan.pk})).content.decode()
    assert 'data-testid="leadership-edit-link"' in page


def test_one_leader_and_one_office_director(yuxi_plan, yuxi_staff):
    """"由……组长", "由……兼任办公室主任": a group has one of each; a second is refused, naming the first."""
    with pytest.raises(ValidationError, match="罗云川"):
        leadership_member_add(plan=yuxi_plan, editor=yuxi_staff, role=LeadershipRole.OFFICE_DIRECTOR, name="某某", post="市侨联副主席")
    member = leadership_member_add(plan=yuxi_plan, editor=yuxi_staff, role=LeadershipRole.MEMBER, name="张三", post="市侨联办公室主任")
    assert member.order == 8


def test_leadership_and_other_regions_write_nothing(yuxi_plan, client_for, yuxi_leader, tonghai_official):
    """Leadership (领导小组, read-only) and a county official (the city's plan is not theirs to write) change nothing."""
    before = list(PlanLeadershipMember.objects.values_list())
    for user in (yuxi_leader, tonghai_official):
        with pytest.raises(PermissionDenied):
            leadership_member_add(plan=yuxi_plan, editor=user, role=LeadershipRole.MEMBER, post="某单位")
        response = client_for(user).post(reverse("tasks:plan-leadership", kwargs={"pk": yuxi_plan.pk}),
                                         {"action": "member", "role": "member", "post": "某单位"})
        assert response.status_code == 403
    assert list(PlanLeadershipMember.objects.values_list()) == before
    assert region("530400").plans.get().leadership_members.count() == 7
