"""侨胞之家 and 五有: derived standing, 有活动 fed by activities, designations, leaders, activities."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orgs.homes.models import Home, HomeAssessment, HomeStanding
from orgs.homes.services import home_assess, home_save
from orgs.organizations.models import Activity, LeadershipMember, OrganizationKind
from orgs.organizations.services import activity_create, leader_add
from tests.factories import region
from tests.orgs.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
ALL = {"organization": True, "team": True, "funding": True, "venue": True, "activities": True}
EVIDENCE = {"organization": "已选举", "team": "12 人", "funding": "列入预算", "venue": "80 平方米", "activities": ""}
HOW = {"approaches": dict.fromkeys(ALL, "own")}


@pytest.fixture
def org():
    return OrganizationFactory(region=region("530423"), kind=OrganizationKind.BRANCH, status="active")


@pytest.fixture
def home(org, tonghai_official):
    return home_save(organization=org, actor=tonghai_official, name="测试侨胞之家", address="通海县")


def test_standing_follows_the_latest_assessment(home, org, tonghai_official, day):
    assert home.standing == HomeStanding.NOT_ASSESSED
    activity_create(organization=org, actor=tonghai_official, duty="culture", title="文艺演出", held_on=day(40), participants=50)
    full = home_assess(home=home, actor=tonghai_official, assessed_on=day(10), criteria=ALL, evidence=EVIDENCE, **HOW)
    home.refresh_from_db()
    assert home.standing == HomeStanding.FULL and full.activities_evidence == "近一年开展活动 1 次"
    # an older assessment recorded later does not decide the standing; a newer partial one does
    home_assess(home=home, actor=tonghai_official, assessed_on=day(200), criteria={"venue": True}, evidence={"venue": "借用"}, **HOW)
    home.refresh_from_db()
    assert home.standing == HomeStanding.FULL
    home_assess(home=home, actor=tonghai_official, assessed_on=day(1), criteria={**ALL, "funding": False}, evidence=EVIDENCE, **HOW)
    home.refresh_from_db()
    assert home.standing == HomeStanding.PARTIAL
    assert HomeAssessment.objects.filter(home=home).count() == 3  # the history is kept


def test_activities_feed_the_fifth_criterion(home, tonghai_official, day):
    with pytest.raises(ValidationError) as error:
        home_assess(home=home, actor=tonghai_official, assessed_on=day(1), criteria=ALL, evidence=EVIDENCE, **HOW)
    assert "前一年内没有登记任何活动" in str(error.value)
    assert not HomeAssessment.objects.exists()


def test_a_criterion_met_needs_evidence(home, tonghai_official, day):
    with pytest.raises(ValidationError) as error:
        home_assess(home=home, actor=tonghai_official, assessed_on=day(1), criteria={"venue": True}, evidence={})
    assert "认定“有阵地”须填写依据" in str(error.value)


def test_future_assessment_is_refused(home, tonghai_official, day):
    with pytest.raises(ValidationError, match="不能是将来的日期"):
        home_assess(home=home, actor=tonghai_official, assessed_on=day(-1), criteria={}, evidence={})


def test_festival_visit_and_bad_activity_values(org, tonghai_official, day):
    visit = activity_create(organization=org, actor=tonghai_official, duty="welfare", title="春节慰问", held_on=day(3),
                            participants=8, visits_left_behind_children=True, visits_empty_nest_elderly=True)
    assert visit.is_needy_visit
    with pytest.raises(ValidationError, match=r"活动日期 .* 不能是将来的日期"):
        activity_create(organization=org, actor=tonghai_official, duty="welfare", title="未来", held_on=day(-5))
    assert Activity.objects.count() == 1


def test_leaders_terms_are_checked(org, tonghai_official, day):
    leader_add(organization=org, actor=tonghai_official, name="李主席", position="chair", employment="part_time",
               is_returned_or_relative=True, term_start=day(100), term_end=day(-1000))
    with pytest.raises(ValidationError, match="应晚于任期开始日期"):
        leader_add(organization=org, actor=tonghai_official, name="王", position="member", employment="part_time",
                   is_returned_or_relative=False, term_start=day(10), term_end=day(20))
    assert LeadershipMember.objects.count() == 1


def test_parts_of_a_foreign_organization_are_refused(huaning_official, org, day):
    with pytest.raises(ValidationError, match="无权修改"):
        activity_create(organization=org, actor=huaning_official, duty="culture", title="x", held_on=day(1))
    with pytest.raises(ValidationError, match="无权修改"):
        home_save(organization=org, actor=huaning_official, name="x")
    assert not Home.objects.filter(organization=org).exists()


def test_assessment_through_the_page(org, tonghai_client, tonghai_official, day):
    home_save(organization=org, actor=tonghai_official, name="之家")
    url = reverse("organizations:home-assess", args=[org.pk])
    response = tonghai_client.post(url, {"assessed_on": day(1).isoformat(), "has_activities": "on"})
    assert response.status_code == 400 and "没有登记任何活动" in response.content.decode()
    response = tonghai_client.post(url, {"assessed_on": day(1).isoformat(), "has_venue": "on", "venue_evidence": "活动室",
                                         "venue_approach": "own"})
    assert response.status_code == 302
    page = tonghai_client.get(reverse("organizations:detail", args=[org.pk])).content.decode()
    assert "部分达标" in page and "活动室" in page


def test_the_demo_has_no_tonghai_county_federation_and_shows_every_stage(db):
    from orgs.organizations.models import Organization
    from qiaolian.demo.organizations import demo_organizations_create

    demo_organizations_create()
    assert not Organization.objects.filter(region__code="530423", kind="county").exists()
    statuses = set(Organization.objects.values_list("status", flat=True))
    assert {"active", "congress", "consulting", "drafting"} <= statuses
    full = Home.objects.get(name="双江街道侨胞之家")
    assert full.standing == HomeStanding.FULL and full.designations.count() == 1
    assert demo_organizations_create() == 0  # idempotent
    from orgs.organizations.models import FoundingStep

    steps = FoundingStep.objects.filter(note="演示数据")
    assert steps.exists() and not steps.filter(actor__isnull=True).exists()
    assert set(steps.filter(action="confirm_filing").values_list("actor__username", flat=True)) == {"yuxi_staff"}
    assert set(steps.filter(action="agree_united_front").values_list("actor__username", flat=True)) == {"yuxi_staff"}


def test_the_detail_page_reads_in_a_fixed_number_of_queries(client_for, yuxi_staff, django_assert_max_num_queries):
    from orgs.organizations.models import Organization
    from qiaolian.demo.organizations import demo_organizations_create

    demo_organizations_create()
    client = client_for(yuxi_staff)
    for name in ("双江街道侨联", "河西镇侨联"):
        org = Organization.objects.get(name=name)
        # issue 16 §3 added five: attachments, contact logs, 侨乡 (Jiangxi 14), the cadre and university pickers;
        # issue 17 §2 three: the establishment, its steps, the staff posts; §4 four: the home's nominations, their
        # steps, the reviewing regions, the unit picker; §1 one: the candidates; §3 two: trainings, volunteers;
        # §4 the organization's assessments
        with django_assert_max_num_queries(37):
            assert client.get(reverse("organizations:detail", args=[org.pk])).status_code == 200
