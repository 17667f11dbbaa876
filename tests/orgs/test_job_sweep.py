"""The outbox's sweep (`orgs.fail_stuck_jobs`): nothing waits silently for ever. A row still running long after any
job may run (its worker died, no message comes back) and a row sent JOB_OUTBOX_MAX_SENDS times without starting are
marked failed with the reason; the relay stops sending such a row, and a late message finds it failed and does not
run. On the real database, the rows as the relay and the wrapper leave them."""
from __future__ import annotations

import datetime as dt

import pytest
from celery import shared_task
from django.conf import settings as django_settings
from django.utils import timezone

from census.coverage.policies import POLICY_REEVALUATION_JOB
from orgs.jobs.jobs import fail_stuck_jobs
from orgs.jobs.models import JobStatus, QueuedJob
from orgs.jobs.services import job_stuck_after, jobs_fail_stuck, jobs_relay

pytestmark = pytest.mark.django_db

RUNS: list[str] = []


@shared_task(name="tests.sweep_probe")
def sweep_probe(token: str) -> str:
    """A job with the default time limit, whose every run is counted."""
    RUNS.append(token)
    return token


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()
    yield
    RUNS.clear()


def _row(token: str, status: str, **fields) -> QueuedJob:
    return QueuedJob.objects.create(name=fields.pop("name", "tests.sweep_probe"), args=[token], status=status, **fields)


def _ago(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


def test_a_row_running_past_its_time_fails_with_the_reason_and_a_late_message_does_not_run_it(settings):
    settings.JOB_STUCK_SECONDS = 1800
    stuck = _row("stuck", JobStatus.RUNNING, sends=1, sent_at=_ago(4000), started_at=_ago(1801))
    running = _row("running", JobStatus.RUNNING, sends=1, sent_at=_ago(100), started_at=_ago(60))
    assert fail_stuck_jobs() == 1
    stuck.refresh_from_db()
    running.refresh_from_db()
    assert stuck.status == JobStatus.FAILED and stuck.finished_at is not None
    assert "运行超过 30 分钟仍未结束" in stuck.last_error and "工作进程已中断" in stuck.last_error
    assert running.status == JobStatus.RUNNING and running.last_error == ""
    # the dead worker's message comes back (visibility timeout): the row is decided, the job does not run
    result = sweep_probe.apply(args=stuck.args, task_id=stuck.task_id)
    assert result.state == "IGNORED" and RUNS == []
    stuck.refresh_from_db()
    assert stuck.status == JobStatus.FAILED
    assert jobs_fail_stuck() == 0  # decided rows are left alone


def test_a_job_allowed_to_run_longer_than_the_setting_is_given_its_time(settings):
    settings.JOB_STUCK_SECONDS = 1800
    # the policy re-evaluation's hard limit is an hour: at 40 minutes its worker may still be at it
    assert job_stuck_after(POLICY_REEVALUATION_JOB) == 3600 + 300
    assert job_stuck_after("tests.sweep_probe") == 1800  # the default limit (900 s) is below the setting
    assert job_stuck_after("tests.gone_from_the_code") == 1800
    long_running = _row("policy", JobStatus.RUNNING, name=POLICY_REEVALUATION_JOB, started_at=_ago(2400))
    cut_off = _row("policy-dead", JobStatus.RUNNING, name=POLICY_REEVALUATION_JOB, started_at=_ago(3901))
    assert jobs_fail_stuck() == 1
    long_running.refresh_from_db()
    cut_off.refresh_from_db()
    assert long_running.status == JobStatus.RUNNING
    assert cut_off.status == JobStatus.FAILED and "65 分钟" in cut_off.last_error


def test_a_row_sent_too_often_without_starting_fails_and_is_not_sent_again(settings, eager_celery):
    settings.JOB_OUTBOX_RESEND_SECONDS = 600
    settings.JOB_OUTBOX_MAX_SENDS = 5
    exhausted = _row("exhausted", JobStatus.SENT, sends=5, sent_at=_ago(601))
    just_sent = _row("just sent", JobStatus.SENT, sends=5, sent_at=_ago(30))  # its last message may still come
    again = _row("again", JobStatus.SENT, sends=4, sent_at=_ago(601))  # the relay sends it a fifth time
    assert jobs_fail_stuck() == 1
    for row in (exhausted, just_sent, again):
        row.refresh_from_db()
    assert exhausted.status == JobStatus.FAILED and exhausted.finished_at is not None
    assert "已发送 5 次仍未开始运行" in exhausted.last_error
    assert (just_sent.status, again.status) == (JobStatus.SENT, JobStatus.SENT)

    # The relay (eager here: the job runs in-process) sends the row below the bound, never the one at it.
    QueuedJob.objects.filter(pk=just_sent.pk).update(sent_at=_ago(601))
    assert jobs_relay() == 1
    again.refresh_from_db()
    just_sent.refresh_from_db()
    assert RUNS == ["again"] and again.status == JobStatus.DONE and again.sends == 5
    assert (just_sent.status, just_sent.sends) == (JobStatus.SENT, 5)
    assert jobs_fail_stuck() == 1
    just_sent.refresh_from_db()
    assert just_sent.status == JobStatus.FAILED


def test_pending_and_finished_rows_are_never_swept(settings):
    settings.JOB_STUCK_SECONDS = 1
    settings.JOB_OUTBOX_MAX_SENDS = 1
    pending = _row("pending", JobStatus.PENDING, created_at=_ago(10_000))  # the broker is down: the relay's to send
    done = _row("done", JobStatus.DONE, sends=3, sent_at=_ago(10_000), started_at=_ago(10_000), finished_at=_ago(9_000))
    assert jobs_fail_stuck() == 0
    assert QueuedJob.objects.get(pk=pending.pk).status == JobStatus.PENDING
    assert QueuedJob.objects.get(pk=done.pk).status == JobStatus.DONE


def test_beat_runs_the_sweep_with_the_other_sweeps():
    entry = django_settings.CELERY_BEAT_SCHEDULE["jobs-stuck"]
    assert entry["task"] == "orgs.fail_stuck_jobs"
    assert entry["schedule"] == django_settings.CELERY_BEAT_SCHEDULE["imports-stuck"]["schedule"]
