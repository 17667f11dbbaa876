"""The job outbox (orgs/jobs/): a job asked for in a transaction is a row of that transaction; with the broker down
the row waits, the relay sends it once the broker is back, a second relay sends nothing, and a message delivered
twice runs its job once (the wrapper claims the row by the message's task id)."""
from __future__ import annotations

import datetime as dt
import socket

import pytest
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from orgs.common.dispatch import broker_reset, broker_resting
from orgs.jobs.models import JobStatus, QueuedJob
from orgs.jobs.services import job_claim, job_enqueue, jobs_relay
from orgs.regions.models import Region
from qiaolian.celery import app
from tasks.reports.models import ReportJob, ReportStatus
from tasks.reports.services import report_job_request

pytestmark = pytest.mark.django_db

RUNS: list[str] = []


@shared_task(name="tests.outbox_probe")
def outbox_probe(token: str) -> str:
    """A job whose every run is counted."""
    RUNS.append(token)
    if token == "boom":
        raise RuntimeError("探针失败")
    return token


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()
    yield
    RUNS.clear()


def _reset_producer_pool() -> None:
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def broker():
    """Points this process's Celery app at a broker chosen by the test (`broker.use(url)`), not eager."""

    class Broker:
        def use(self, url: str) -> None:
            app.conf.broker_url = url
            app.conf.task_always_eager = False
            _reset_producer_pool()

    before = (app.conf.broker_url, app.conf.task_always_eager)
    yield Broker()
    app.conf.broker_url, app.conf.task_always_eager = before
    _reset_producer_pool()
    broker_reset()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_row_is_part_of_the_transaction(eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            job_enqueue("tests.outbox_probe", "rolled back")
            raise RuntimeError("the change fails")
    assert not QueuedJob.objects.filter(name="tests.outbox_probe").exists()
    assert RUNS == []


def test_an_unknown_job_is_refused_when_queued():
    with pytest.raises(KeyError):
        job_enqueue("tests.no_such_job")


def test_eager_runs_once_on_commit_and_records_it(eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        job = job_enqueue("tests.outbox_probe", "eager")
    job.refresh_from_db()
    assert RUNS == ["eager"]
    assert (job.status, job.sends) == (JobStatus.DONE, 1) and job.finished_at is not None
    assert jobs_relay() == 0 and RUNS == ["eager"]


def test_a_failing_job_is_marked_failed_with_its_reason(eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        job = job_enqueue("tests.outbox_probe", "boom")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "探针失败" in job.last_error
    assert jobs_relay() == 0 and RUNS == ["boom"]


def test_broker_down_the_row_waits_and_the_relay_sends_it_once(broker, django_capture_on_commit_callbacks):
    broker.use(f"redis://127.0.0.1:{_closed_port()}/0")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        job = job_enqueue("tests.outbox_probe", "after the outage")
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING and job.last_error  # the request went on; the job waits
    assert broker_resting()  # the next requests do not wait for the broker either
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        second = job_enqueue("tests.outbox_probe", "while resting")
    second.refresh_from_db()
    assert (second.status, second.sends, second.last_error) == (JobStatus.PENDING, 0, "")
    assert jobs_relay() == 0  # still down: nothing sent, nothing lost
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING

    broker.use("memory://")  # the broker is back (no worker consumes in this process)
    assert jobs_relay() == 2  # the relay does not rest: it is the one that tries
    job.refresh_from_db()
    assert (job.status, job.sends) == (JobStatus.SENT, 1)  # the refused attempts do not count
    assert jobs_relay() == 0  # a second relay sends nothing
    job.refresh_from_db()
    assert job.sends == 1

    # What the worker does with the message; the same message delivered again is skipped.
    assert outbox_probe.apply(args=job.args, task_id=job.task_id).get() == "after the outage"
    assert outbox_probe.apply(args=job.args, task_id=job.task_id).state == "IGNORED"
    assert RUNS == ["after the outage"]
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_a_lost_message_is_sent_again_and_runs_once(broker, settings):
    settings.JOB_OUTBOX_RESEND_SECONDS = 60
    broker.use("memory://")
    job = QueuedJob.objects.create(name="tests.outbox_probe", args=["lost"], status=JobStatus.SENT, sends=1,
                                   sent_at=timezone.now() - dt.timedelta(seconds=30))
    assert jobs_relay() == 0  # sent recently: its message may still be in the queue
    QueuedJob.objects.filter(pk=job.pk).update(sent_at=timezone.now() - dt.timedelta(seconds=120))
    assert jobs_relay() == 1  # the broker lost it (restarted empty): sent again
    job.refresh_from_db()
    assert job.sends == 2
    # Both messages reach a worker: the job runs once.
    for _message in range(2):
        outbox_probe.apply(args=job.args, task_id=job.task_id)
    assert RUNS == ["lost"]


def test_the_wrapper_claims_once_and_lets_a_redelivery_after_a_lost_worker_through():
    job = QueuedJob.objects.create(name="tests.outbox_probe", args=["x"], status=JobStatus.SENT)
    assert job_claim(job.task_id) is True
    assert job_claim(job.task_id) is False  # a second message while the first runs
    assert job_claim(job.task_id, redelivered=True) is True  # the broker's redelivery: the job's own check decides
    QueuedJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE)
    assert job_claim(job.task_id, redelivered=True) is False
    assert job_claim("an-id-beat-made") is True  # not from the outbox: runs as before
    assert job_claim(None) is True


def test_a_report_request_commits_its_job_with_it(eager_celery, django_capture_on_commit_callbacks, yuxi_staff):
    yuxi = Region.objects.get(code="530400")
    with django_capture_on_commit_callbacks(execute=True):
        report, _created = report_job_request(user=yuxi_staff, region=yuxi, fmt="xlsx")
    row = QueuedJob.objects.get(name="tasks.build_report", args=[report.pk])
    assert row.status == JobStatus.DONE
    assert ReportJob.objects.get(pk=report.pk).status == ReportStatus.DONE
