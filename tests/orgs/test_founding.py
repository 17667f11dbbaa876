"""The founding procedure: the table, who may do each step, dates, documents, the signal and coverage."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from census.coverage.models import Requirement
from census.coverage.selectors import coverage_rollup
from census.coverage.services import evaluate_coverage
from orgs.organizations.founding import TRANSITIONS
from orgs.organizations.founding import OrganizationStatus as S
from orgs.organizations.models import FoundingStep, Organization, OrganizationKind
from orgs.organizations.services import (
    allowed_transitions,
    current_candidates,
    organization_create,
    organization_transition,
)
from orgs.organizations.signals import organization_status_changed
from tests.factories import region
from tests.orgs.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db

OWN_STEPS = ("start_drafting", "submit_consultation")


def tonghai_federation(user, day):
    return organization_create(
        actor=user, name="通海县侨联", kind=OrganizationKind.COUNTY, region=region("530423"), planned_on=day(30)
    )


CANDIDATES = [
    {"name": "李华侨", "position": "chair", "employment": "part_time", "is_returned_or_relative": True},
    {"name": "王侨眷", "position": "vice_chair", "employment": "part_time", "is_returned_or_relative": True},
    {"name": "张干部", "position": "secretary_general", "employment": "full_time", "is_returned_or_relative": False},
]


def letter(name="统战部复函.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def payload(org, action):
    """The records a step carries in the walk: the candidate list, the congress (all candidates elected)."""
    if action == "submit_candidates":
        return {"candidates": CANDIDATES}
    if action == "hold_congress":
        elected = [{"candidate": c.pk, "position": c.position} for c in current_candidates(org)]
        return {"delegates_expected": 60, "delegates_present": 52, "elected": elected}
    if action in ("agree_united_front", "return_united_front"):
        return {"document": letter()}
    return {}


def walk(org, tonghai, yuxi, day, until=None, after=None):
    """Takes the procedure step by step as the right users (from the step after `after`); returns the steps."""
    plan = [
        ("start_drafting", tonghai, 29), ("submit_consultation", tonghai, 25), ("agree_united_front", yuxi, 21),
        ("agree_consultation", yuxi, 20), ("record_approval", tonghai, 15), ("submit_candidates", tonghai, 14),
        ("agree_candidates", yuxi, 12), ("hold_congress", tonghai, 10), ("submit_filing", tonghai, 8),
        ("confirm_filing", yuxi, 5),
    ]
    if after:
        plan = plan[[action for action, _user, _ago in plan].index(after) + 1:]
    steps = []
    for action, user, ago in plan:
        steps.append(organization_transition(organization=org, action=action, actor=user, date=day(ago), note=action,
                                             **payload(org, action)))
        if action == until:
            break
    return steps


def refused(match: str, **kwargs):
    before = (Organization.objects.get(pk=kwargs["organization"].pk).status, FoundingStep.objects.count())
    with pytest.raises(ValidationError) as error:
        organization_transition(**kwargs)
    assert match in str(error.value), str(error.value)
    assert (Organization.objects.get(pk=kwargs["organization"].pk).status, FoundingStep.objects.count()) == before
    return error.value


def test_the_table_reaches_every_status_and_never_leaves_dissolved():
    targets = {t.target for t in TRANSITIONS if t.target}
    assert targets == {S.DRAFTING, S.CONSULTING, S.APPROVED, S.CANDIDATES, S.CONGRESS, S.FILED, S.ACTIVE, S.DISSOLVED}
    assert not any(S.DISSOLVED in t.sources for t in TRANSITIONS)


def test_the_whole_walk_as_the_right_users(tonghai_official, yuxi_staff, day, pdf):
    org = tonghai_federation(tonghai_official, day)
    assert org.status == S.PLANNED and org.steps.get().action == "create"
    steps = walk(org, tonghai_official, yuxi_staff, day)
    org.refresh_from_db()
    assert org.status == S.ACTIVE
    assert org.founded_on == day(10)  # the congress elected the leading body
    assert [s.to_status for s in steps] == [
        S.DRAFTING, S.CONSULTING, S.CONSULTING, S.CONSULTING, S.APPROVED, S.CANDIDATES, S.CANDIDATES, S.CONGRESS,
        S.FILED, S.ACTIVE,
    ]
    assert [s.actor.username for s in steps].count("yuxi_staff") == 4
    assert allowed_transitions(tonghai_official, org) == []  # only the superior may dissolve
    assert [t.action for t in allowed_transitions(yuxi_staff, org)] == ["dissolve"]


def test_a_step_keeps_its_document(tonghai_official, day, pdf):
    org = tonghai_federation(tonghai_official, day)
    step = organization_transition(organization=org, action="start_drafting", actor=tonghai_official, date=day(1), document=pdf)
    assert step.document.name.endswith(".pdf") and step.document.read().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("方案.pdf", b"MZ\x90\x00 not a pdf", "内容与扩展名"),
        ("方案.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("方案.docx", b"PK\x03\x04garbage", "已损坏"),
        ("空.pdf", b"", "是空的"),
    ],
)
def test_bad_documents_are_refused(tonghai_official, day, name, content, message):
    org = tonghai_federation(tonghai_official, day)
    upload = SimpleUploadedFile(name, content)
    refused(message, organization=org, action="start_drafting", actor=tonghai_official, date=day(1), document=upload)


def test_documents_over_the_size_limit_are_refused(tonghai_official, day, monkeypatch):
    from orgs.common import documents

    monkeypatch.setattr(documents, "DOCUMENT_MAX_BYTES", 10)
    org = tonghai_federation(tonghai_official, day)
    upload = SimpleUploadedFile("方案.pdf", b"%PDF-1.4 more than ten bytes")
    refused("超过上限", organization=org, action="start_drafting", actor=tonghai_official, date=day(1), document=upload)


def test_the_county_cannot_answer_or_confirm_its_own_steps(tonghai_official, yuxi_staff, day):
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="submit_consultation")
    error = refused("只能由上级侨联（玉溪市）的工作人员办理", organization=org, action="agree_consultation", actor=tonghai_official, date=day(1))
    assert "上级侨联同意" in str(error)
    assert [t.action for t in allowed_transitions(tonghai_official, org)] == []
    assert [t.action for t in allowed_transitions(yuxi_staff, org)] == [
        "agree_united_front", "return_united_front", "agree_consultation", "return_consultation", "dissolve",
    ]
    walk(org, tonghai_official, yuxi_staff, day, after="submit_consultation", until="submit_filing")
    refused("只能由上级侨联（玉溪市）的工作人员办理", organization=org, action="confirm_filing", actor=tonghai_official, date=day(1))


def test_approval_needs_the_superiors_agreement_since_the_last_submission(tonghai_official, yuxi_staff, day):
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="submit_consultation")
    refused("玉溪市委统战部、玉溪市侨联尚未答复同意", organization=org, action="record_approval", actor=tonghai_official, date=day(1))
    organization_transition(organization=org, action="agree_consultation", actor=yuxi_staff, date=day(24))
    refused("玉溪市侨联在本轮已答复", organization=org, action="agree_consultation", actor=yuxi_staff, date=day(24))
    refused("玉溪市侨联在本轮已答复", organization=org, action="return_consultation", actor=yuxi_staff, date=day(24))
    refused("玉溪市委统战部尚未答复同意", organization=org, action="record_approval", actor=tonghai_official, date=day(1))
    organization_transition(organization=org, action="agree_united_front", actor=yuxi_staff, date=day(24), document=letter())
    org.refresh_from_db()
    assert "record_approval" in [t.action for t in allowed_transitions(tonghai_official, org)]


def test_return_for_revision_goes_back_to_drafting(tonghai_official, yuxi_staff, day):
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="submit_consultation")
    organization_transition(organization=org, action="return_consultation", actor=yuxi_staff, date=day(24), note="请补充侨情")
    org.refresh_from_db()
    assert org.status == S.DRAFTING
    organization_transition(organization=org, action="submit_consultation", actor=tonghai_official, date=day(23))
    refused("尚未答复同意", organization=org, action="record_approval", actor=tonghai_official, date=day(1))


@pytest.mark.parametrize("action", ["submit_consultation", "record_approval", "hold_congress", "confirm_filing", "nonsense"])
def test_illegal_steps_from_planned_are_refused(tonghai_official, yuxi_staff, day, action):
    org = tonghai_federation(tonghai_official, day)
    actor = yuxi_staff if action == "confirm_filing" else tonghai_official
    refused("不能办理" if action != "nonsense" else "未知的步骤", organization=org, action=action, actor=actor, date=day(1))


def test_dates_in_the_future_or_before_the_previous_step_are_refused(tonghai_official, day):
    org = tonghai_federation(tonghai_official, day)
    refused("不能是将来的日期", organization=org, action="start_drafting", actor=tonghai_official, date=day(-1))
    refused("早于上一步“列入成立计划”的日期", organization=org, action="start_drafting", actor=tonghai_official, date=day(31))


def test_out_of_scope_users_and_leadership_are_refused(tonghai_official, huaning_official, yuxi_leader, yuxi_staff, day):
    org = tonghai_federation(tonghai_official, day)
    refused("只能由本组织所在地（通海县）", organization=org, action="start_drafting", actor=huaning_official, date=day(1))
    refused("只能由本组织所在地（通海县）", organization=org, action="start_drafting", actor=yuxi_leader, date=day(1))
    walk(org, tonghai_official, yuxi_staff, day, until="submit_consultation")
    refused("上级侨联（玉溪市）", organization=org, action="agree_consultation", actor=yuxi_leader, date=day(1))
    assert allowed_transitions(yuxi_leader, org) == []


def test_the_superior_organization_decides_who_answers(tonghai_official, yuxi_staff, day):
    """A village federation under a township federation: the township's editors answer (here the county)."""
    from tests.factories import RegionFactory

    town = RegionFactory(parent=region("530423"))
    township_fed = Organization.objects.create(name="测试镇侨联", kind=OrganizationKind.TOWNSHIP, region=town, status=S.ACTIVE)
    village = RegionFactory(parent=town, level="village")
    org = organization_create(actor=tonghai_official, name="测试村侨联", kind=OrganizationKind.VILLAGE, region=village,
                              superior=township_fed, planned_on=day(10))
    organization_transition(organization=org, action="start_drafting", actor=tonghai_official, date=day(9))
    organization_transition(organization=org, action="submit_consultation", actor=tonghai_official, date=day(8))
    # the county official edits the township: they answer for the superior here
    organization_transition(organization=org, action="agree_consultation", actor=tonghai_official, date=day(7))
    organization_transition(organization=org, action="agree_united_front", actor=tonghai_official, date=day(7), document=letter())
    assert [t.action for t in allowed_transitions(tonghai_official, org)] == ["record_approval", "dissolve"]


def test_the_signal_is_sent_on_commit_with_the_step(tonghai_official, yuxi_staff, day, django_capture_on_commit_callbacks):
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    organization_status_changed.connect(listener)
    try:
        org = tonghai_federation(tonghai_official, day)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            step = organization_transition(organization=org, action="start_drafting", actor=tonghai_official, date=day(1))
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        organization_status_changed.disconnect(listener)
    event = next(e for e in received if e["step"] == step)
    assert (event["organization"].pk, event["old_status"], event["new_status"], event["actor"]) == (
        org.pk, S.PLANNED, S.DRAFTING, tonghai_official,
    )


def test_the_agreement_changes_no_status_and_sends_nothing(tonghai_official, yuxi_staff, day, django_capture_on_commit_callbacks):
    org = tonghai_federation(tonghai_official, day)
    walk(org, tonghai_official, yuxi_staff, day, until="submit_consultation")
    received = []
    listener = lambda sender, **kw: received.append(kw)  # noqa: E731
    organization_status_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            organization_transition(organization=org, action="agree_consultation", actor=yuxi_staff, date=day(20))
    finally:
        organization_status_changed.disconnect(listener)
    assert received == []


def test_the_gap_turns_satisfied_when_the_federation_becomes_active(
    policies, tonghai_official, yuxi_staff, day, django_capture_on_commit_callbacks
):
    evaluate_coverage(region("530400"))
    gap = Requirement.objects.get(region=region("530423"), unit__isnull=True)
    before = coverage_rollup(region("530400"))["county"]
    assert (gap.verdict, gap.status) == ("required", "missing")
    with django_capture_on_commit_callbacks(execute=True):
        org = tonghai_federation(tonghai_official, day)
    assert Requirement.objects.get(pk=gap.pk).status == "under_way"
    with django_capture_on_commit_callbacks(execute=True):
        walk(org, tonghai_official, yuxi_staff, day, until="submit_filing")
    assert Requirement.objects.get(pk=gap.pk).status == "under_way"
    with django_capture_on_commit_callbacks(execute=True):
        organization_transition(organization=org, action="confirm_filing", actor=yuxi_staff, date=day(1))
    gap.refresh_from_db()
    assert gap.status == "satisfied" and gap.reason.endswith("已成立")
    after = coverage_rollup(region("530400"))["county"]
    assert after["satisfied"] == before["satisfied"] + 1 and after["missing"] == before["missing"] - 1
