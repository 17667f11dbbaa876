"""机构登记与人员配备 (issue 17 §2): the office and its registration, the credit code, the staff posts, the responsible
people of township and village federations; each rule quotes its clause."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orgs.organizations.founding import OrganizationStatus as S
from orgs.organizations.models import Organization, OrganizationKind
from orgs.regions.models import Region
from orgs.staffing.models import CreditCodeStatus, Establishment, EstablishmentStep, OfficeStatus, StaffPost
from orgs.staffing.services import establishment_step, responsible_section_set, staff_post_add, staff_post_update
from tests.factories import RegionFactory, region
from tests.orgs.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
GOOD_CODE = "91350100M000100Y43"
BAD_CODE = "91350100M000100Y4X"  # wrong check character


def key_township() -> Region:
    return Region.objects.get(parent__code="530423", name="河西镇")


@pytest.fixture
def county():
    return Organization.objects.create(name="通海县侨联", kind=OrganizationKind.COUNTY, region=region("530423"), status=S.ACTIVE)


def office_steps(organization, official, day):
    for n, action in enumerate(("request_office", "approve_office", "register_office")):
        establishment_step(organization=organization, actor=official, action=action, date=day(30 - n))


def test_a_county_federation_sets_up_an_office_and_registers_it(county, tonghai_official, day, pdf):
    """Yuxi 三(二): "经机构编制部门批准，设立侨联办事机构的，及时向同级编制部门申请，按照群众团体性质进行登记"."""
    establishment_step(organization=county, actor=tonghai_official, action="request_office", date=day(30), document=pdf)
    establishment_step(organization=county, actor=tonghai_official, action="approve_office", date=day(20), note="县编办批复")
    step = establishment_step(organization=county, actor=tonghai_official, action="register_office", date=day(10))
    establishment = Establishment.objects.get(organization=county)
    assert establishment.office_status == OfficeStatus.REGISTERED
    assert (step.actor, step.date) == (tonghai_official, day(10))
    assert [s.action for s in county.establishment_steps.order_by("date")] == ["request_office", "approve_office", "register_office"]
    assert county.establishment_steps.get(action="request_office").document_name == "方案.pdf"


def test_a_village_federation_may_not_set_up_an_office(tonghai_official, day):
    """The charter, as Yuxi 三(二) quotes it: "根据工作需要，县级以上（含县级）和重点侨乡的乡镇（街道）侨联可以下设办事机构"
    — a village federation may not."""
    village = OrganizationFactory(kind=OrganizationKind.VILLAGE, name="测试村侨联", status=S.ACTIVE,
                                  region=RegionFactory(parent=key_township(), level="village"))
    with pytest.raises(ValidationError) as refused:
        establishment_step(organization=village, actor=tonghai_official, action="request_office", date=day(1))
    message = refused.value.message_dict["action"][0]
    assert "县级以上（含县级）和重点侨乡的乡镇（街道）侨联可以下设办事机构" in message and "“测试村侨联”是村(社区)侨联" in message
    assert not EstablishmentStep.objects.filter(organization=village).exists()


def test_a_township_federation_outside_a_key_area_may_not_set_up_an_office(tonghai_official, day):
    """Yuxi 三(二) quoting the charter: only "重点侨乡的乡镇（街道）侨联" among townships; a non-key township is refused,
    a key one (河西镇, one of the 17 key areas) allowed."""
    plain = OrganizationFactory(kind=OrganizationKind.TOWNSHIP, name="普通镇侨联", status=S.ACTIVE,
                                region=RegionFactory(parent=region("530423"), name="普通镇"))
    with pytest.raises(ValidationError) as refused:
        establishment_step(organization=plain, actor=tonghai_official, action="request_office", date=day(1))
    assert "所在乡镇“普通镇”不是重点侨务地区" in refused.value.message_dict["action"][0]
    hexi = Organization.objects.create(name="河西镇侨联", kind=OrganizationKind.TOWNSHIP, region=key_township(), status=S.ACTIVE)
    establishment_step(organization=hexi, actor=tonghai_official, action="request_office", date=day(1))
    assert Establishment.objects.get(organization=hexi).office_status == OfficeStatus.REQUESTED


def test_steps_out_of_order_are_refused(county, tonghai_official, day):
    """Yuxi 三(二): the 编制部门 approves an office before it is registered; Jiangxi 6: a code is applied for before it is
    assigned. A step out of order is refused and nothing is written."""
    with pytest.raises(ValidationError) as refused:
        establishment_step(organization=county, actor=tonghai_official, action="register_office", date=day(1))
    assert "办事机构当前为“未申请”，不能办理“按群众团体性质登记”" in refused.value.message_dict["action"][0]
    with pytest.raises(ValidationError):
        establishment_step(organization=county, actor=tonghai_official, action="assign_credit_code", date=day(1), code=GOOD_CODE)
    establishment_step(organization=county, actor=tonghai_official, action="request_office", date=day(5))
    with pytest.raises(ValidationError) as twice:
        establishment_step(organization=county, actor=tonghai_official, action="request_office", date=day(4))
    assert "已申请设立办事机构" in twice.value.message_dict["action"][0]
    assert EstablishmentStep.objects.filter(organization=county).count() == 1


def test_future_dates_and_dates_before_the_previous_step_are_refused(county, tonghai_official, day):
    """Each step is recorded with its date: never a future one, never before the previous step of its procedure."""
    with pytest.raises(ValidationError) as future:
        establishment_step(organization=county, actor=tonghai_official, action="request_office", date=day(-2))
    assert f"日期 {day(-2).isoformat()} 晚于今天" in future.value.message_dict["date"][0]
    establishment_step(organization=county, actor=tonghai_official, action="request_office", date=day(5))
    with pytest.raises(ValidationError) as earlier:
        establishment_step(organization=county, actor=tonghai_official, action="approve_office", date=day(9))
    assert "早于上一步“申请设立办事机构”" in earlier.value.message_dict["date"][0]


def test_a_credit_code_is_assigned_only_valid_and_after_its_application(county, tonghai_official, day):
    """Jiangxi 6: "为有需要的基层侨联组织协调办理统一社会信用代码" — needed → applied → assigned; the code assigned must pass
    the GB 32100 check and belong to no other organization."""
    establishment_step(organization=county, actor=tonghai_official, action="need_credit_code", date=day(9))
    establishment_step(organization=county, actor=tonghai_official, action="apply_credit_code", date=day(8))
    with pytest.raises(ValidationError) as missing:
        establishment_step(organization=county, actor=tonghai_official, action="assign_credit_code", date=day(7))
    assert "请填写统一社会信用代码" in missing.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as bad:
        establishment_step(organization=county, actor=tonghai_official, action="assign_credit_code", date=day(7), code=BAD_CODE)
    assert f"统一社会信用代码“{BAD_CODE}”无效" in bad.value.message_dict["code"][0] and "校验位" in bad.value.message_dict["code"][0]
    assert Establishment.objects.get(organization=county).credit_code_status == CreditCodeStatus.APPLIED
    establishment_step(organization=county, actor=tonghai_official, action="assign_credit_code", date=day(7), code=GOOD_CODE.lower())
    establishment = Establishment.objects.get(organization=county)
    assert (establishment.credit_code_status, establishment.credit_code) == (CreditCodeStatus.ASSIGNED, GOOD_CODE)
    other = OrganizationFactory(kind=OrganizationKind.BRANCH, name="另一分会", region=region("530423"))
    for action in ("need_credit_code", "apply_credit_code"):
        establishment_step(organization=other, actor=tonghai_official, action=action, date=day(3))
    with pytest.raises(ValidationError) as taken:
        establishment_step(organization=other, actor=tonghai_official, action="assign_credit_code", date=day(2), code=GOOD_CODE)
    assert "已登记给“通海县侨联”" in taken.value.message_dict["code"][0]


def test_leadership_and_other_counties_write_nothing(county, yuxi_leader, huaning_official, day):
    """Leadership (领导小组) reads; only the organization's own side records its steps, posts and section."""
    for actor in (yuxi_leader, huaning_official):
        with pytest.raises(ValidationError, match="您无权修改"):
            establishment_step(organization=county, actor=actor, action="request_office", date=day(1))
        with pytest.raises(ValidationError, match="您无权修改"):
            staff_post_add(organization=county, actor=actor, title="专职副主席", funding="establishment")
        with pytest.raises(ValidationError, match="您无权修改"):
            responsible_section_set(organization=county, actor=actor, responsible_section="侨务科")
    assert not Establishment.objects.exists() and not StaffPost.objects.exists() and not EstablishmentStep.objects.exists()


def test_posts_record_employment_and_funding(county, tonghai_official):
    """Yuxi 三(三): "可采用专、兼职结合的方式配备侨联领导班子 … 通过增配统战部人员编制、政府购买服务、公益性岗位等形式解决人员配置问题"."""
    post = staff_post_add(organization=county, actor=tonghai_official, title="专职副主席", holder="赵某", employment="full_time",
                          funding="establishment", is_returned_or_relative=True)
    with pytest.raises(ValidationError) as bad:
        staff_post_update(post=post, actor=tonghai_official, funding="volunteer")
    assert "保障方式“volunteer”无效" in bad.value.message_dict["funding"][0]
    staff_post_update(post=post, actor=tonghai_official, funding="purchased")
    post.refresh_from_db()
    assert (post.employment, post.funding, post.is_returned_or_relative) == ("full_time", "purchased", True)


def test_the_page_shows_the_section_and_its_forms(county, tonghai_client, leader_client, tonghai_official, day):
    """Yuxi 三(三): "暂未能解决办事机构设置和登记 … 在县（市、区）委统战部设立内设科室负责侨联日常工作"."""
    url = reverse("organizations:detail", args=[county.pk])
    response = tonghai_client.post(reverse("staffing:section-save", args=[county.pk]), {"responsible_section": "县委统战部侨务科"})
    assert response.status_code == 302 and response.url.endswith("#staffing")
    response = tonghai_client.post(reverse("staffing:step-create", args=[county.pk]),
                                   {"action": "request_office", "date": day(3).isoformat(), "note": "申请"})
    assert response.status_code == 302
    refused = tonghai_client.post(reverse("staffing:step-create", args=[county.pk]), {"action": "register_office", "date": day(1).isoformat()})
    assert refused.status_code == 400 and "不能办理“按群众团体性质登记”" in refused.content.decode()
    tonghai_client.post(reverse("staffing:post-create", args=[county.pk]),
                        {"title": "兼职秘书长", "holder": "钱某", "employment": "part_time", "funding": "concurrent"})
    body = tonghai_client.get(url).content.decode()
    assert "县委统战部侨务科" in body and "已申请设立办事机构" in body and "兼职秘书长" in body
    assert 'data-testid="establishment-step-form"' in body and 'data-testid="staff-post-form"' in body
    read_only = leader_client.get(url).content.decode()
    assert "兼职秘书长" in read_only and 'data-testid="staff-post-form"' not in read_only


def test_township_responsible_people_are_marked_and_hinted_never_enforced(tonghai_client):
    """Yuxi 三(三): "乡镇(街道)的干部职工和村(社区)“两委”班子成员中有归侨侨眷身份的优先 … 考虑" — a mark when the person
    is 归侨侨眷, a hint when not; saving either is allowed."""
    hexi = Organization.objects.create(name="河西镇侨联", kind=OrganizationKind.TOWNSHIP, region=key_township(), status=S.ACTIVE,
                                       responsible_leader="王副书记", responsible_leader_is_returned=True,
                                       daily_affairs_cadre="李干事")
    body = tonghai_client.get(reverse("organizations:detail", args=[hexi.pk])).content.decode()
    assert 'data-testid="returned-mark"' in body and 'data-testid="returned-hint"' in body
    assert 'data-testid="lacks-responsible"' not in body


def test_the_list_flags_township_and_village_federations_without_both_people(tonghai_client, django_assert_max_num_queries):
    """Yuxi 三(三): "成立侨联组织的乡镇(街道)、村(社区)要明确一名班子成员负责分管或联系侨联工作，指定一名干部具体负责侨联
    组织日常事务" — the list flags the founded ones that do not (a badge, and the filter 缺负责人), in the same queries."""
    town = RegionFactory(parent=region("530423"), name="标记镇")
    complete = OrganizationFactory(kind=OrganizationKind.TOWNSHIP, name="齐全镇侨联", status=S.ACTIVE, region=town,
                                   responsible_leader="甲", daily_affairs_cadre="乙")
    no_cadre = OrganizationFactory(kind=OrganizationKind.VILLAGE, name="缺干部村侨联", status=S.ACTIVE,
                                   region=RegionFactory(parent=town, level="village"), responsible_leader="甲")
    founding = OrganizationFactory(kind=OrganizationKind.TOWNSHIP, name="筹建镇侨联", status=S.DRAFTING)
    group = OrganizationFactory(kind=OrganizationKind.GROUP, name="小组侨联", status=S.ACTIVE)
    for n in range(10):
        OrganizationFactory(kind=OrganizationKind.VILLAGE, name=f"批量村侨联{n}", status=S.ACTIVE)
    with django_assert_max_num_queries(12):
        response = tonghai_client.get(reverse("organizations:list"))
    flagged = {o.name for o in response.context["organizations"] if o.lacks_responsible}
    assert no_cadre.name in flagged and complete.name not in flagged
    assert founding.name not in flagged and group.name not in flagged  # not founded yet / not a township or village federation
    assert response.content.decode().count('data-testid="lacks-responsible"') == len(flagged) == 11
    filtered = tonghai_client.get(reverse("organizations:list"), {"responsible": "missing"})
    names = {o.name for o in filtered.context["organizations"]}
    assert no_cadre.name in names and complete.name not in names and group.name not in names


def test_the_api_records_steps_and_posts(county, tonghai_api, leader_api, day):
    """The same rules through `/api/organizations/{id}/establishment/` and `…/staff-posts/` (Jiangxi 6: the code is checked)."""
    base = f"/api/organizations/{county.pk}"
    for action in ("need_credit_code", "apply_credit_code"):
        assert tonghai_api.post(f"{base}/establishment/steps/", {"action": action, "date": day(5).isoformat()}, format="json").status_code == 201
    bad = tonghai_api.post(f"{base}/establishment/steps/", {"action": "assign_credit_code", "date": day(4).isoformat(), "code": BAD_CODE},
                           format="json")
    assert bad.status_code == 400 and BAD_CODE in bad.json()["code"][0]
    done = tonghai_api.post(f"{base}/establishment/steps/", {"action": "assign_credit_code", "date": day(4).isoformat(), "code": GOOD_CODE},
                            format="json")
    assert done.status_code == 201 and done.json()["credit_code"] == GOOD_CODE and done.json()["credit_code_status"] == "assigned"
    assert [s["action"] for s in done.json()["steps"]] == ["need_credit_code", "apply_credit_code", "assign_credit_code"]
    assert {s["action"] for s in done.json()["next_steps"]} == {"request_office"}
    post = tonghai_api.post(f"{base}/staff-posts/", {"title": "专职副主席", "employment": "full_time", "funding": "public_welfare"}, format="json")
    assert post.status_code == 201
    assert leader_api.get(f"{base}/staff-posts/").json()[0]["funding"] == "public_welfare"
    assert leader_api.post(f"{base}/staff-posts/", {"title": "x", "funding": "purchased"}, format="json").status_code == 403
    assert leader_api.patch(f"{base}/establishment/section/", {"responsible_section": "x"}, format="json").status_code == 403
    assert StaffPost.objects.filter(organization=county).count() == 1
