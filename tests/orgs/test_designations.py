"""Issue 17 §4: how each 五有 criterion was reached, 侨胞之家 types, and designations nominated by the home's side and
awarded by the superior (Jiangxi 9, 32–34; Yuxi 三(四))."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orgs.access.roles import Role
from orgs.homes.models import (
    DesignationNomination,
    Home,
    HomeDesignation,
    HomeKind,
    HomeStanding,
    NominationStatus,
)
from orgs.homes.nominations import designation_nominate, nomination_step
from orgs.homes.services import home_assess, home_save
from orgs.organizations.models import OrganizationKind
from tests.census.factories import UnitFactory
from tests.factories import MembershipFactory, UserFactory, region
from tests.orgs.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
ALL = {"organization": True, "team": True, "funding": True, "venue": True, "activities": True}
EVIDENCE = {"organization": "已选举", "team": "12 人", "funding": "列入预算", "venue": "80 平方米", "activities": ""}


@pytest.fixture
def org():
    return OrganizationFactory(region=region("530423"), kind=OrganizationKind.BRANCH, status="active", name="河西分会")


@pytest.fixture
def home(org, tonghai_official):
    return home_save(organization=org, actor=tonghai_official, name="河西侨胞之家", address="通海县河西镇")


@pytest.fixture
def full_home(home):
    Home.objects.filter(pk=home.pk).update(standing=HomeStanding.FULL)
    home.refresh_from_db()
    return home


@pytest.fixture
def nomination(full_home, tonghai_official, day):
    return designation_nominate(home=full_home, kind="learning", actor=tonghai_official, date=day(10), note="服务侨界成效明显")


# ---- 五有: how reached, who supported ----------------------------------------------------------------------


def test_a_criterion_met_needs_how_it_was_reached(home, tonghai_official, day):
    """Jiangxi 9: "争取党政机关、兄弟群团组织及侨胞侨企支持，整合力量增强基层侨联活力，通过自己建、联合建、参与建、引导建等方式，
    提高基层侨联“五有”水平。" A criterion claimed met says how it was reached; one not built alone names its supporters."""
    with pytest.raises(ValidationError) as error:
        home_assess(home=home, actor=tonghai_official, assessed_on=day(1), criteria={"venue": True}, evidence={"venue": "活动室"})
    assert "认定“有阵地”须选择建设方式（自己建、联合建、参与建、引导建）" in str(error.value)
    with pytest.raises(ValidationError) as error:
        home_assess(home=home, actor=tonghai_official, assessed_on=day(1), criteria={"venue": True}, evidence={"venue": "活动室"},
                    approaches={"venue": "joint"})
    assert "“有阵地”为联合建，须填写支持单位" in str(error.value)
    assessment = home_assess(home=home, actor=tonghai_official, assessed_on=day(1), criteria={"venue": True},
                             evidence={"venue": "活动室"}, approaches={"venue": "joint", "team": "own"},
                             supporters={"venue": "镇党群服务中心"})
    assert (assessment.venue_approach, assessment.venue_supporters) == ("joint", "镇党群服务中心")
    assert assessment.team_approach == ""  # not met: nothing kept


def test_how_reached_is_shown_on_the_page_and_in_the_api(org, home, tonghai_client, tonghai_api, day):
    """Jiangxi 9 (自己建、联合建、参与建、引导建): the page and the API show how and with whom each criterion was reached."""
    response = tonghai_client.post(reverse("organizations:home-assess", args=[org.pk]), {
        "assessed_on": day(1).isoformat(), "has_venue": "on", "venue_evidence": "活动室", "venue_approach": "guided",
        "venue_supporters": "县妇联"})
    assert response.status_code == 302
    page = tonghai_client.get(reverse("organizations:detail", args=[org.pk])).content.decode()
    assert "引导建（支持单位：县妇联）" in page
    data = tonghai_api.get(reverse("api:organization-detail", args=[org.pk])).json()
    assert data["home"]["assessments"][0]["venue_approach"] == "guided"
    assert data["home"]["assessments"][0]["venue_supporters"] == "县妇联"


# ---- 侨胞之家 types --------------------------------------------------------------------------------------------


def test_station_home_needs_a_unit_and_online_home_an_address_on_the_web(org, tonghai_official):
    """Yuxi 三(四): "机关、园区、企业等“新侨”集聚的单位可结合单位“职工之家”等资源打造特色鲜明的驿站式侨胞之家……集中力量推进
    “网上侨胞之家”建设。" A 驿站式 home names its unit; an online one needs no street address but a URL or WeChat account."""
    with pytest.raises(ValidationError, match="驿站式侨胞之家须选择所在单位"):
        home_save(organization=org, actor=tonghai_official, name="驿站", kind=HomeKind.STATION)
    with pytest.raises(ValidationError, match="网上侨胞之家须填写网址或微信公众号"):
        home_save(organization=org, actor=tonghai_official, name="网上", kind=HomeKind.ONLINE)
    park = UnitFactory(name="通海工业园区", kind="park")
    station = home_save(organization=org, actor=tonghai_official, name="园区驿站", kind=HomeKind.STATION, unit=park)
    assert (station.kind, station.unit, station.address) == (HomeKind.STATION, park, "")
    online = home_save(organization=org, actor=tonghai_official, name="网上之家", kind=HomeKind.ONLINE, online_address="通海侨联公众号")
    assert (online.kind, online.online_address, online.address) == (HomeKind.ONLINE, "通海侨联公众号", "")
    foreign = UnitFactory(name="华宁企业", region=region("530424"))
    with pytest.raises(ValidationError, match="不在您的辖区内"):
        home_save(organization=org, actor=tonghai_official, name="驿站", kind=HomeKind.STATION, unit=foreign)


def test_an_online_home_feeds_its_unit_to_the_rules(db, admin_user, policies):
    """Jiangxi 4 "或参与网上侨联活动": the coverage reads which units take part in a 网上侨胞之家 set-based (one query for the
    subtree), and gives the rules their organizations' statuses."""
    from census.coverage.services import load_places

    county = region("360102")
    company = UnitFactory(name="东湖小公司", region=county)
    organization = OrganizationFactory(region=county, kind=OrganizationKind.COUNTY, status="active", name="东湖区侨联")
    home_save(organization=organization, actor=admin_user, name="东湖网上侨胞之家", kind=HomeKind.ONLINE,
              online_address="https://example.org/donghu", unit=company)
    places, _regions = load_places(county)
    facts = next(p.facts for p in places if p.unit_id == company.pk)
    assert facts.online_homes == ("active",)


# ---- designations: nominated by the home's side, awarded by the superior ----------------------------------------


def test_nomination_is_refused_below_five_criteria(home, tonghai_official):
    """Jiangxi 34: "鼓励“侨胞之家”在“五有”的基础上进一步向“学习型、创新型、服务型、规范型、和谐型”组织发展": a home not at
    五有达标 cannot be nominated."""
    with pytest.raises(ValidationError, match="尚未五有达标（未评估），不能推荐“学习型”"):
        designation_nominate(home=home, kind="learning", actor=tonghai_official)
    assert not DesignationNomination.objects.exists()


def test_a_county_cannot_award_its_own_home(nomination, tonghai_official, day):
    """Jiangxi 33 "推荐优秀基层侨联参加……推荐评比活动", Jiangxi 34 升级创建: the organization or its county nominates, the
    superior awards. A 通海县 official (and 通海县 federation staff) cannot award or recommend their own county's home."""
    county_staff = UserFactory(username="tonghai_federation_staff")
    MembershipFactory(user=county_staff, role=Role.STAFF, region=region("530423"))
    for actor in (tonghai_official, county_staff):
        for action in ("award", "recommend"):
            with pytest.raises(ValidationError, match="由市侨联（玉溪市）办理，您不能办理"):
                nomination_step(nomination=nomination, action=action, actor=actor, date=day(5))
    assert not HomeDesignation.objects.exists()
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.NOMINATED


def test_the_city_awards_a_city_level_designation(nomination, yuxi_staff, day):
    """Jiangxi 32–34: 玉溪市侨联 awards a county's home; the designation carries the level of the body that awarded it."""
    assert nomination.status == NominationStatus.NOMINATED and nomination.city.code == "530400"
    nomination_step(nomination=nomination, action="award", actor=yuxi_staff, date=day(5))
    designation = HomeDesignation.objects.get()
    assert (designation.kind, designation.level, designation.awarded_by) == ("learning", "city", "玉溪市侨联")
    assert designation.nomination == nomination
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.AWARDED
    assert list(nomination.steps.values_list("action", "actor__username")) == [("nominate", "tonghai_official"), ("award", "yuxi_staff")]


def test_a_province_award_needs_the_citys_recommendation(nomination, yuxi_staff, yunnan_staff, day):
    """The nomination climbs county → city → province: 云南省 staff cannot award before 玉溪市 recommends it, nor can the
    city award a 省级 designation."""
    with pytest.raises(ValidationError, match="由市侨联（玉溪市）办理"):
        nomination_step(nomination=nomination, action="award", actor=yunnan_staff, date=day(5))
    nomination_step(nomination=nomination, action="recommend", actor=yuxi_staff, date=day(5))
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.RECOMMENDED
    with pytest.raises(ValidationError, match="由省侨联（云南省）办理"):
        nomination_step(nomination=nomination, action="award", actor=yuxi_staff, date=day(4))
    nomination_step(nomination=nomination, action="award", actor=yunnan_staff, date=day(3), awarded_by="云南省侨联")
    assert HomeDesignation.objects.get().level == "province"


def test_return_needs_a_reason_goes_back_and_is_shown(org, nomination, yuxi_staff, yunnan_staff, tonghai_official, tonghai_client, day):
    """Like the founding steps' 退回修改: a return states its reason, the nomination goes back one level (the city returns
    it to the county, the province to the city), and the reason is shown on the organization's page."""
    with pytest.raises(ValidationError, match="退回须说明理由"):
        nomination_step(nomination=nomination, action="return", actor=yuxi_staff, date=day(5))
    nomination_step(nomination=nomination, action="return", actor=yuxi_staff, date=day(5), note="请补充活动开展情况")
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.RETURNED
    page = tonghai_client.get(reverse("organizations:detail", args=[org.pk])).content.decode()
    assert "请补充活动开展情况" in page and "已退回" in page
    nomination_step(nomination=nomination, action="resubmit", actor=tonghai_official, date=day(4), note="已补充")
    nomination_step(nomination=nomination, action="recommend", actor=yuxi_staff, date=day(3))
    nomination_step(nomination=nomination, action="return", actor=yunnan_staff, date=day(2), note="材料不全")
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.NOMINATED  # back with the city


def test_leadership_writes_nothing(full_home, nomination, yuxi_leader, day):
    """Leadership (领导小组) reads only: it neither nominates nor takes a step."""
    with pytest.raises(ValidationError):
        designation_nominate(home=full_home, kind="service", actor=yuxi_leader)
    with pytest.raises(ValidationError):
        nomination_step(nomination=nomination, action="award", actor=yuxi_leader, date=day(1))
    assert DesignationNomination.objects.count() == 1 and not HomeDesignation.objects.exists()


def test_the_pages_nominate_and_award(org, full_home, tonghai_client, client_for, yuxi_staff, day):
    """The organization's page nominates (its county) and the city awards from its 待审推荐 list."""
    response = tonghai_client.post(reverse("designations:nominate", args=[org.pk]), {"kind": "harmonious", "note": "和谐"})
    assert response.status_code == 302
    nomination = DesignationNomination.objects.get()
    city = client_for(yuxi_staff)
    listing = city.get(reverse("designations:list")).content.decode()
    assert "河西侨胞之家" in listing and "授予市级称号" in listing
    response = city.post(reverse("designations:step", args=[nomination.pk]), {"action": "return"})
    assert response.status_code == 400 and "退回须说明理由" in response.content.decode()
    assert city.post(reverse("designations:step", args=[nomination.pk]), {"action": "award"}).status_code == 302
    page = tonghai_client.get(reverse("organizations:detail", args=[org.pk])).content.decode()
    assert "市级和谐型" in page


def test_the_api_nominates_recommends_and_awards(full_home, tonghai_api, api_client_for, yuxi_staff, yunnan_staff):
    """API: nominate (POST), then the city recommends and the province awards through `…/steps/`."""
    created = tonghai_api.post(reverse("api:designation-nomination-list"), {"home": full_home.pk, "kind": "innovative"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["allowed_actions"] == []
    refused = tonghai_api.post(reverse("api:designation-nomination-steps", args=[pk]), {"action": "award"}, format="json")
    assert refused.status_code == 400
    city = api_client_for(yuxi_staff)
    assert [n["id"] for n in city.get(reverse("api:designation-nomination-list"), {"pending": "1"}).json()["results"]] == [pk]
    assert city.post(reverse("api:designation-nomination-steps", args=[pk]), {"action": "recommend"}, format="json").status_code == 201
    done = api_client_for(yunnan_staff).post(reverse("api:designation-nomination-steps", args=[pk]), {"action": "award"}, format="json")
    assert done.status_code == 201 and done.json()["designation"]["level"] == "province"
