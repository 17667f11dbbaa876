"""Issue 17 §1: the consultation of both superior bodies, the candidate list and the congress whose elected
become the leading body (Yuxi plan 三(一), 二(一)). Each test quotes the clause it checks."""
from __future__ import annotations

import pytest

from orgs.organizations.election import Candidate, Congress
from orgs.organizations.founding import OrganizationStatus as S
from orgs.organizations.models import FoundingStep, LeadershipMember, Organization, OrganizationKind
from orgs.organizations.services import (
    allowed_transitions,
    current_candidates,
    organization_create,
    organization_transition,
    superior_bodies,
)
from tests.factories import region
from tests.orgs.test_founding import CANDIDATES, letter, refused, tonghai_federation, walk

pytestmark = pytest.mark.django_db

CLAUSE_CONSULT = "经向上级统战、侨联组织征求意见后，报同级党组织批准后"
CLAUSE_COUNTY = "向市委统战部、市侨联征求意见后，报县（市、区）委批准"
CLAUSE_CANDIDATES = "各级侨联组织领导机构候选人名单由同级党组织研究并征求上一级侨联意见后确定，选举结果报上一级侨联备案"


def test_approval_needs_both_answers(tonghai_official, yuxi_staff, day):
    """Yuxi 三(一) "经向上级统战、侨联组织征求意见后，报同级党组织批准"; 二(一) "向市委统战部、市侨联征求意见后，报县
    （市、区）委批准": neither answer alone allows the party approval; both do."""
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="submit_consultation")
    organization_transition(organization=org, action="agree_consultation", actor=yuxi_staff, date=day(22))
    refused("玉溪市委统战部尚未答复同意", organization=org, action="record_approval", actor=tonghai_official, date=day(21))
    assert "record_approval" not in [t.action for t in allowed_transitions(tonghai_official, org)]
    organization_transition(organization=org, action="agree_united_front", actor=yuxi_staff, date=day(21), document=letter())
    organization_transition(organization=org, action="record_approval", actor=tonghai_official, date=day(20))
    org.refresh_from_db()
    assert org.status == S.APPROVED


def test_the_united_front_alone_is_not_enough(tonghai_official, yuxi_staff, day):
    """Yuxi 二(一) "向市委统战部、市侨联征求意见": the 统战部's agreement without the 侨联's is refused too."""
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="submit_consultation")
    organization_transition(organization=org, action="agree_united_front", actor=yuxi_staff, date=day(22), document=letter())
    refused("玉溪市侨联尚未答复同意", organization=org, action="record_approval", actor=tonghai_official, date=day(21))


def test_the_united_fronts_answer_is_recorded_with_its_reply_letter(tonghai_official, yuxi_staff, day):
    """Yuxi 二(一) "向市委统战部…征求意见": the 统战部 does not use the system; 玉溪市 staff record its answer, and the
    reply letter (复函) is the record of it: without it the answer is refused."""
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="submit_consultation")
    error = refused("须附统战部复函", organization=org, action="agree_united_front", actor=yuxi_staff, date=day(22))
    assert "document" in error.message_dict
    step = organization_transition(organization=org, action="agree_united_front", actor=yuxi_staff, date=day(22), document=letter())
    assert step.document.name.endswith(".pdf") and step.actor == yuxi_staff


@pytest.mark.parametrize("returning", ["return_united_front", "return_consultation"])
def test_a_return_by_either_body_sends_the_plan_back_to_drafting(tonghai_official, yuxi_staff, day, returning):
    """Yuxi 三(一) "经向上级统战、侨联组织征求意见后": either body may return the plan for revision, even after the other
    agreed; the plan goes back to drafting and, resubmitted, needs both answers again."""
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="submit_consultation")
    other = "agree_consultation" if returning == "return_united_front" else "agree_united_front"
    organization_transition(organization=org, action=other, actor=yuxi_staff, date=day(23), document=letter())
    organization_transition(organization=org, action=returning, actor=yuxi_staff, date=day(22), note="请补充侨情",
                            document=letter("修改意见.pdf"))
    org.refresh_from_db()
    assert org.status == S.DRAFTING
    organization_transition(organization=org, action="submit_consultation", actor=tonghai_official, date=day(21))
    refused("玉溪市委统战部、玉溪市侨联尚未答复同意", organization=org, action="record_approval", actor=tonghai_official, date=day(20))


@pytest.mark.parametrize("action", ["agree_united_front", "return_united_front", "agree_consultation", "return_consultation"])
def test_a_tonghai_official_cannot_answer_their_own_countys_consultation(tonghai_official, yuxi_staff, day, action):
    """Yuxi 二(一) "向市委统战部、市侨联征求意见": the answer is the city's; a 通海县 official can record neither body's."""
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="submit_consultation")
    refused("只能由上级侨联（玉溪市）的工作人员办理", organization=org, action=action, actor=tonghai_official, date=day(1),
            document=letter())
    assert allowed_transitions(tonghai_official, org) == []


def test_the_candidate_step_comes_between_approval_and_congress(tonghai_official, yuxi_staff, day):
    """Yuxi 三(一) "各级侨联组织领导机构候选人名单由同级党组织研究并征求上一级侨联意见后确定": after the approval the
    congress cannot be recorded; the list goes to the superior 侨联 first, and the congress only after it agreed."""
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="record_approval")
    refused("不能办理", organization=org, action="hold_congress", actor=tonghai_official, date=day(14),
            delegates_present=50, elected=[])
    assert [t.action for t in allowed_transitions(tonghai_official, org)] == ["submit_candidates"]
    organization_transition(organization=org, action="submit_candidates", actor=tonghai_official, date=day(14), candidates=CANDIDATES)
    org.refresh_from_db()
    assert org.status == S.CANDIDATES
    elected = [{"candidate": c.pk, "position": c.position} for c in current_candidates(org)]
    refused("玉溪市侨联尚未同意候选人名单", organization=org, action="hold_congress", actor=tonghai_official, date=day(13),
            delegates_present=50, elected=elected)
    refused("只能由上级侨联（玉溪市）", organization=org, action="agree_candidates", actor=tonghai_official, date=day(13))
    assert [t.action for t in allowed_transitions(yuxi_staff, org)] == ["agree_candidates", "return_candidates", "dissolve"]
    organization_transition(organization=org, action="agree_candidates", actor=yuxi_staff, date=day(12))
    organization_transition(organization=org, action="hold_congress", actor=tonghai_official, date=day(10),
                            delegates_present=50, elected=elected)
    org.refresh_from_db()
    assert org.status == S.CONGRESS


def test_a_returned_list_is_submitted_again_and_only_the_new_list_counts(tonghai_official, yuxi_staff, day):
    """Yuxi 三(一) "候选人名单…征求上一级侨联意见后确定": a returned list goes back to the party organization; the
    congress elects from the list agreed, never from the one returned."""
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="record_approval")
    organization_transition(organization=org, action="submit_candidates", actor=tonghai_official, date=day(14), candidates=CANDIDATES)
    first = current_candidates(org)
    organization_transition(organization=org, action="return_candidates", actor=yuxi_staff, date=day(13), note="请增加归侨侨眷")
    org.refresh_from_db()
    assert org.status == S.APPROVED
    organization_transition(organization=org, action="submit_candidates", actor=tonghai_official, date=day(12),
                            candidates=[*CANDIDATES, {"name": "陈归侨", "position": "member", "is_returned_or_relative": True}])
    organization_transition(organization=org, action="agree_candidates", actor=yuxi_staff, date=day(11))
    second = current_candidates(org)
    assert [c.name for c in second] == ["李华侨", "王侨眷", "张干部", "陈归侨"] and Candidate.objects.count() == 7
    refused("不在上级侨联同意的候选人名单中", organization=org, action="hold_congress", actor=tonghai_official, date=day(10),
            delegates_present=50, elected=[{"candidate": first[0].pk, "position": "chair"}])


@pytest.mark.parametrize(
    ("candidates", "message"),
    [
        ([], "请填写候选人名单"),
        ([{"name": "王侨眷", "position": "vice_chair"}], "没有主席候选人"),
        ([{"name": "李华侨", "position": "chair"}, {"name": "李华侨", "position": "member"}], "候选人“李华侨”重复"),
        ([{"name": "李华侨", "position": "king"}], "拟任职务“king”无效"),
        ([{"name": "李华侨", "position": "chair", "employment": "sometimes"}], "专兼职“sometimes”无效"),
    ],
)
def test_a_bad_candidate_list_is_refused_whole(tonghai_official, yuxi_staff, day, candidates, message):
    """Yuxi 三(一) "领导机构候选人名单由同级党组织研究…确定": the list is records (name, intended position, 专兼职, 归侨侨眷),
    with a 主席 candidate; a bad row refuses the whole list and nothing is written."""
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="record_approval")
    error = refused(message, organization=org, action="submit_candidates", actor=tonghai_official, date=day(14), candidates=candidates)
    assert "candidates" in error.message_dict and Candidate.objects.count() == 0


def test_the_elected_become_the_leading_body(tonghai_official, yuxi_staff, day):
    """Yuxi 三(一) "组织召开归侨侨眷代表大会，选举产生侨联领导机构": the elected candidates become the leading body without
    retyping, their term starting on the congress date; a candidate not elected does not."""
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="record_approval")
    organization_transition(organization=org, action="submit_candidates", actor=tonghai_official, date=day(14),
                            candidates=[*CANDIDATES, {"name": "落选者", "position": "member"}])
    organization_transition(organization=org, action="agree_candidates", actor=yuxi_staff, date=day(12))
    by_name = {c.name: c for c in current_candidates(org)}
    elected = [{"candidate": by_name["李华侨"].pk, "position": "chair"}, {"candidate": by_name["王侨眷"].pk, "position": "vice_chair"},
               {"candidate": by_name["张干部"].pk, "position": "vice_chair"}]  # elected to another position than intended
    step = organization_transition(organization=org, action="hold_congress", actor=tonghai_official, date=day(10),
                                   delegates_expected=60, delegates_present=52, elected=elected)
    leaders = {m.name: m for m in LeadershipMember.objects.filter(organization=org)}
    assert set(leaders) == {"李华侨", "王侨眷", "张干部"}
    assert (leaders["张干部"].position, leaders["张干部"].employment, leaders["张干部"].is_returned_or_relative) == (
        "vice_chair", "full_time", False)
    assert leaders["李华侨"].is_returned_or_relative and all(m.term_start == day(10) for m in leaders.values())
    assert Candidate.objects.get(name="李华侨").leader == leaders["李华侨"]
    assert Candidate.objects.get(name="落选者").leader is None
    congress = Congress.objects.get(step=step)
    assert (congress.delegates_expected, congress.delegates_present) == (60, 52)
    walk(org, tonghai_official, yuxi_staff, day, after="hold_congress")
    org.refresh_from_db()
    assert org.status == S.ACTIVE and org.founded_on == day(10)


@pytest.mark.parametrize(
    ("present", "expected", "elected", "message"),
    [
        (None, 60, "all", "请填写实到代表人数"),
        (61, 60, "all", "多于应到代表"),
        (30, 60, "all", "未超过应到代表 60 人的半数"),
        (52, 60, "none", "请填写当选人员"),
        (52, 60, "no chair", "当选人员中没有主席"),
        (52, 60, "twice", "重复"),
        (52, 60, "bad position", "当选职务“king”无效"),
    ],
)
def test_a_bad_congress_record_is_refused_and_writes_nothing(tonghai_official, yuxi_staff, day, present, expected, elected, message):
    """Yuxi 三(一) "选举工作严格按照…规定开展": the congress records delegates (more than half of those expected present)
    and who of the agreed list was elected (a 主席 among them); a refused record leaves no member, no congress."""
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="agree_candidates")
    chair, vice, _secretary = current_candidates(org)
    rows = {
        "all": [{"candidate": chair.pk, "position": "chair"}, {"candidate": vice.pk, "position": "vice_chair"}],
        "none": [],
        "no chair": [{"candidate": vice.pk, "position": "vice_chair"}],
        "twice": [{"candidate": chair.pk, "position": "chair"}, {"candidate": chair.pk, "position": "member"}],
        "bad position": [{"candidate": chair.pk, "position": "king"}],
    }[elected]
    refused(message, organization=org, action="hold_congress", actor=tonghai_official, date=day(10),
            delegates_present=present, delegates_expected=expected, elected=rows)
    assert LeadershipMember.objects.count() == 0 and Congress.objects.count() == 0


def test_records_are_refused_on_other_steps(tonghai_official, yuxi_staff, day):
    """Yuxi 三(一): the candidate list belongs to its own step, the election result to the congress."""
    org = tonghai_federation(tonghai_official, day)
    refused("只有“报送候选人名单”一步", organization=org, action="start_drafting", actor=tonghai_official, date=day(1),
            candidates=CANDIDATES)
    refused("只有“召开代表大会”一步", organization=org, action="start_drafting", actor=tonghai_official, date=day(1),
            delegates_present=10)


def test_leadership_writes_nothing(tonghai_official, yuxi_staff, yuxi_leader, day):
    """领导小组 reads only: it can neither submit a list, answer it, nor record the congress (Yuxi 三(一) steps belong
    to the organization's side and the superior 侨联)."""
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="record_approval")
    refused("只能由本组织所在地", organization=org, action="submit_candidates", actor=yuxi_leader, date=day(14), candidates=CANDIDATES)
    organization_transition(organization=org, action="submit_candidates", actor=tonghai_official, date=day(14), candidates=CANDIDATES)
    refused("只能由上级侨联", organization=org, action="agree_candidates", actor=yuxi_leader, date=day(12))
    organization_transition(organization=org, action="agree_candidates", actor=yuxi_staff, date=day(12))
    elected = [{"candidate": c.pk, "position": c.position} for c in current_candidates(org)]
    refused("只能由本组织所在地", organization=org, action="hold_congress", actor=yuxi_leader, date=day(10),
            delegates_present=40, elected=elected)
    assert allowed_transitions(yuxi_leader, org) == [] and LeadershipMember.objects.count() == 0


def test_the_steps_keep_their_dates_in_order(tonghai_official, yuxi_staff, day):
    """Yuxi 三(一) orders the steps: 征求意见 → 批准 → 候选人名单 → 代表大会 → 备案; a step dated before the previous one
    is refused (the list before the approval, the congress before the list's agreement)."""
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="record_approval")  # approved 15 days ago
    refused("早于上一步“记录同级党组织批准”的日期", organization=org, action="submit_candidates", actor=tonghai_official,
            date=day(16), candidates=CANDIDATES)
    organization_transition(organization=org, action="submit_candidates", actor=tonghai_official, date=day(14), candidates=CANDIDATES)
    organization_transition(organization=org, action="agree_candidates", actor=yuxi_staff, date=day(12))
    elected = [{"candidate": c.pk, "position": c.position} for c in current_candidates(org)]
    refused("早于上一步“上级侨联同意候选人名单”的日期", organization=org, action="hold_congress", actor=tonghai_official,
            date=day(13), delegates_present=40, elected=elected)
    refused("不能是将来的日期", organization=org, action="hold_congress", actor=tonghai_official, date=day(-1),
            delegates_present=40, elected=elected)
    assert FoundingStep.objects.filter(organization=org, action="hold_congress").count() == 0


def test_a_county_federation_answers_to_the_city(tonghai_official, day):
    """Yuxi 二(一) "向市委统战部、市侨联征求意见": 通海县侨联's superior bodies are 玉溪市委统战部 and 玉溪市侨联 (never a
    "通海县侨联" above itself); the city federation is linked once a row of it exists."""
    org = tonghai_federation(tonghai_official, day)
    bodies = superior_bodies(org)
    assert (bodies.united_front, bodies.federation, bodies.federation_organization) == ("玉溪市委统战部", "玉溪市侨联", None)
    assert bodies.federation_founded  # a city federation is taken to exist
    city = Organization.objects.create(name="玉溪市侨联", kind=OrganizationKind.ASSOCIATION, region=region("530400"), status=S.ACTIVE)
    assert superior_bodies(org).federation_organization == city


def test_a_township_without_a_county_federation_says_so(tonghai_official, day):
    """Yuxi 二(一) "由县（市、区）委统战部牵头": a township of 通海县 before 通海县侨联 exists answers to 通海县委统战部, and
    the page says that the county federation is not founded."""
    from tests.factories import RegionFactory

    town = RegionFactory(parent=region("530423"), name="测试镇")
    org = organization_create(actor=tonghai_official, name="测试镇侨联", kind=OrganizationKind.TOWNSHIP, region=town, planned_on=day(3))
    bodies = superior_bodies(org)
    assert (bodies.united_front, bodies.federation, bodies.federation_founded) == ("通海县委统战部", "通海县侨联", False)


def test_the_demo_organizations_have_consistent_founding_records(db):
    """Yuxi 三(一) in the demo: every demo organization's steps follow the table (each step legal from the status
    before it, both answers before the approval, the list agreed before the congress), and those past the congress
    have the elected of their candidate list as their leading body."""
    from orgs.organizations.founding import BY_ACTION, CREATE, round_agreed
    from qiaolian.demo.organizations import demo_organizations_create

    demo_organizations_create()
    founded = Organization.objects.filter(steps__isnull=False).distinct()
    assert founded.count() == 5
    for org in founded:
        steps = list(org.steps.order_by("pk"))
        status = ""
        for index, step in enumerate(steps):
            if step.action == CREATE:
                status = S.PLANNED
                continue
            transition = BY_ACTION[step.action]
            assert status in transition.sources, (org.name, step.action, status)
            if transition.guard in ("consultation_agreed", "candidates_agreed"):
                submission, bodies = {"consultation_agreed": ("submit_consultation", ("united_front", "federation")),
                                      "candidates_agreed": ("submit_candidates", ("federation",))}[transition.guard]
                assert round_agreed(steps[:index], submission, bodies), (org.name, step.action)
            status = transition.target or status
        assert status == org.status, org.name
        if any(s.action == "hold_congress" for s in steps):
            leaders = set(org.leaders.values_list("name", "position"))
            elected = set(Candidate.objects.filter(organization=org).exclude(elected_position="").values_list("name", "elected_position"))
            assert leaders == elected and leaders, org.name
            assert Congress.objects.filter(organization=org).count() == 1
