"""Census rounds in the daily digests (issue 16 §1): a county that has not submitted is reminded on the tasks' days
before and after the deadline and escalated weekly to the city's staff; a submission waiting more than three working
days is put to the staff above on working days; every digest once a day. And the inbox messages of the steps."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from census.registry.models import CampaignReport
from census.rounds.services import report_return, report_submit, round_open
from orgs.regions.models import Region
from tasks.notifications.models import Digest, Notification
from tasks.reminders.services import reminders_send, working_days_between

pytestmark = pytest.mark.django_db

DEADLINE = dt.date(2026, 6, 30)  # a Tuesday
D = dt.date


@pytest.fixture
def round_2026(yuxi_staff):
    return round_open(editor=yuxi_staff, year=2026, region=Region.objects.get(code="530400"), deadline=DEADLINE)


def tonghai(campaign) -> CampaignReport:
    return CampaignReport.objects.select_related("region", "campaign").get(campaign=campaign, region__code="530423")


def items(username: str, day: dt.date) -> list[dict]:
    digest = Digest.objects.filter(user__username=username, day=day).first()
    return digest.items if digest else []


def kinds(username: str, day: dt.date) -> list[tuple[str, str]]:
    return [(i["kind"], i["region"]) for i in items(username, day)]


def test_working_days_are_monday_to_friday():
    monday = D(2026, 6, 15)
    assert [working_days_between(monday, monday + dt.timedelta(days=n)) for n in range(9)] == [0, 1, 2, 3, 4, 4, 4, 5, 6]
    assert working_days_between(D(2026, 6, 19), D(2026, 6, 22)) == 1  # Friday → Monday
    assert working_days_between(monday, monday - dt.timedelta(days=3)) == 0


def test_counties_not_submitted_are_reminded_then_escalated_once_a_day(round_2026):
    for day in (D(2026, 6, 22), D(2026, 6, 23), D(2026, 6, 29), D(2026, 7, 1), D(2026, 7, 8), D(2026, 7, 9), D(2026, 7, 15)):
        first, second = reminders_send(today=day), reminders_send(today=day)
        assert second.digests_sent == 0, day
        if first.people:
            assert first.round_reports == 9, day
    assert kinds("tonghai_official", D(2026, 6, 22)) == []  # 8 days ahead: no reminder
    assert kinds("tonghai_official", D(2026, 6, 23)) == [("round_due", "通海县")]
    assert kinds("huaning_official", D(2026, 6, 29)) == [("round_due", "华宁县")]
    assert kinds("tonghai_official", D(2026, 7, 1)) == [("round_overdue", "通海县")]
    assert kinds("tonghai_official", D(2026, 7, 9)) == []  # 9 days late: weekly from now on
    assert kinds("yuxi_staff", D(2026, 7, 1)) == []
    escalated = kinds("yuxi_staff", D(2026, 7, 8))
    assert len(escalated) == 9 and {k for k, _r in escalated} == {"round_escalation"}
    assert len(kinds("yuxi_staff", D(2026, 7, 15))) == 9
    assert kinds("yuxi_leader", D(2026, 7, 8)) == [] and kinds("yunnan_staff", D(2026, 7, 8)) == []
    assert Digest.objects.filter(user__username="tonghai_official", day=D(2026, 7, 1)).count() == 1
    message = Notification.objects.get(user__username="tonghai_official", digest__day=D(2026, 7, 1))
    assert message.title == "待办提醒 2026-07-01：1 项事项需要关注"
    assert "2026年度玉溪市侨情调查：通海县尚未提交（截止 2026-06-30，已逾期 1 天）" in message.body
    assert message.url == f"/census/rounds/{round_2026.pk}/"


def test_submissions_waiting_more_than_three_working_days_go_to_the_staff_above(round_2026, tonghai_official, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: timezone.make_aware(dt.datetime(2026, 6, 15, 10)))  # a Monday
    report_submit(report=tonghai(round_2026), actor=tonghai_official)
    monkeypatch.undo()
    for day in (D(2026, 6, 18), D(2026, 6, 19), D(2026, 6, 20), D(2026, 6, 22), D(2026, 6, 23)):
        reminders_send(today=day)
        reminders_send(today=day)
    assert kinds("yuxi_staff", D(2026, 6, 18)) == []  # three working days: not yet
    assert kinds("yuxi_staff", D(2026, 6, 19)) == [("round_review", "通海县")]
    assert kinds("yuxi_staff", D(2026, 6, 20)) == []  # Saturday
    assert kinds("yuxi_staff", D(2026, 6, 22)) == [("round_review", "通海县")]
    [review] = items("yuxi_staff", D(2026, 6, 19))
    assert review["waiting_days"] == 4
    body = Notification.objects.get(user__username="yuxi_staff", digest__day=D(2026, 6, 19)).body
    assert "2026年度玉溪市侨情调查：通海县已提交 4 个工作日，等待您审核" in body
    # the county that submitted is not reminded of the deadline; the others are
    assert kinds("tonghai_official", D(2026, 6, 23)) == [] and kinds("huaning_official", D(2026, 6, 23)) == [("round_due", "华宁县")]


def test_tasks_and_rounds_share_one_digest(round_2026, yuxi_plan):
    report = reminders_send(today=D(2026, 7, 8))
    assert report.people and Digest.objects.filter(user__username="yuxi_staff", day=D(2026, 7, 8)).count() == 1


def test_steps_tell_the_other_side(round_2026, tonghai_official, yuxi_staff, django_capture_on_commit_callbacks):
    report = tonghai(round_2026)
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(report=report, actor=tonghai_official)
    told = Notification.objects.get(user=yuxi_staff)
    assert told.title == "2026年度玉溪市侨情调查：通海县已提交，待您审核"
    assert told.url == f"/census/rounds/{round_2026.pk}/reports/530423/"
    with django_capture_on_commit_callbacks(execute=True):
        report_return(report=report, actor=yuxi_staff, reason="纳古镇漏报")
    returned = Notification.objects.get(user=tonghai_official)
    assert returned.title == "2026年度玉溪市侨情调查：通海县的数据被退回" and "理由：纳古镇漏报" in returned.body
    assert not Notification.objects.filter(user__username__in=("huaning_official", "yuxi_leader")).exists()
