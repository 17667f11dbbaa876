"""后台任务 (/jobs/): the system administrator's page of the job outbox. Only the `admin` role opens it (三员分立: the
security and the audit administrator are refused like everyone else); it lists the unfinished rows by default,
newest first and paged by key, with the counts per status; a failed row is sent again (重新发送), audited, and a row
that is not failed is refused."""
from __future__ import annotations

import datetime as dt
import html

import pytest
from auditlog.models import LogEntry
from celery import shared_task
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from census.importing.services import CENSUS_IMPORT_JOB
from orgs.common.audit import AuditEvent
from orgs.jobs import selectors
from orgs.jobs.models import JobStatus, QueuedJob
from orgs.jobs.selectors import job_status_counts
from qiaolian.celery import app

pytestmark = pytest.mark.django_db

RUNS: list[str] = []


@shared_task(name="tests.jobs_page_probe")
def jobs_page_probe(token: str) -> str:
    """A job whose every run is counted; "boom" fails."""
    RUNS.append(token)
    if token == "boom":
        raise RuntimeError("探针又失败了")
    return token


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()
    yield
    RUNS.clear()


def _row(token: str, status: str, name: str = "tests.jobs_page_probe", **fields) -> QueuedJob:
    return QueuedJob.objects.create(name=name, args=[token], status=status, **fields)


def _rows_shown(response) -> list[str]:
    return [job.args[0] for job in response.context["jobs"]]


def _job_entries():
    return LogEntry.objects.filter(additional_data__event=AuditEvent.JOB)


# ---- who may ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", [
    "security_admin_user", "audit_admin_user", "yunnan_staff", "yuxi_staff", "tonghai_official", "yuxi_leader",
])
def test_only_the_system_administrator_opens_the_page_and_resends(fixture, request, client_for):
    failed = _row("failed", JobStatus.FAILED, sends=1, last_error="旧错误")
    client = client_for(request.getfixturevalue(fixture))
    assert client.get("/jobs/").status_code == 403
    assert client.get("/jobs/?status=failed").status_code == 403
    assert client.post(f"/jobs/{failed.pk}/resend/").status_code == 403
    assert client.post("/jobs/999999999/resend/").status_code == 403  # nothing said about which rows exist
    failed.refresh_from_db()
    assert (failed.status, failed.sends, failed.last_error) == (JobStatus.FAILED, 1, "旧错误")
    assert not _job_entries().exists()
    assert 'data-testid="nav-jobs"' not in client.get("/").content.decode()


def test_anonymous_is_sent_to_the_login(client):
    response = client.get("/jobs/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    failed = _row("failed", JobStatus.FAILED)
    assert client.post(f"/jobs/{failed.pk}/resend/").status_code == 302
    assert QueuedJob.objects.get(pk=failed.pk).status == JobStatus.FAILED


def test_the_administrator_finds_the_page_in_the_navigation(client_for, admin_user):
    client = client_for(admin_user)
    home = client.get("/").content.decode()
    assert 'data-testid="nav-jobs"' in home and 'href="/jobs/"' in home
    page = client.get("/jobs/")
    assert page.status_code == 200 and "后台任务" in page.content.decode()


# ---- what it shows -----------------------------------------------------------------------------------------------


def test_the_unfinished_rows_by_default_newest_first_and_one_status_on_demand(client_for, admin_user):
    now = timezone.now()
    for token, status in (("p", JobStatus.PENDING), ("s", JobStatus.SENT), ("r", JobStatus.RUNNING),
                          ("f", JobStatus.FAILED), ("d", JobStatus.DONE)):
        _row(token, status, created_at=now)
    client = client_for(admin_user)

    default = client.get("/jobs/")
    assert _rows_shown(default) == ["f", "r", "s", "p"]  # newest first, done left out
    assert _rows_shown(client.get("/jobs/?status=done")) == ["d"]
    assert _rows_shown(client.get("/jobs/?status=failed")) == ["f"]
    assert _rows_shown(client.get("/jobs/?status=all")) == ["d", "f", "r", "s", "p"]
    assert _rows_shown(client.get("/jobs/?status=nonsense")) == ["f", "r", "s", "p"]  # ignored, as page filters are

    tiles = {tile["status"]: tile["n"] for tile in default.context["tiles"]}
    assert tiles == {"unfinished": 4, "pending": 1, "sent": 1, "running": 1, "done": 1, "failed": 1, "all": 5}
    body = default.content.decode()
    assert body.count('data-testid="resend"') == 1  # the failed row's button only


def test_the_counts_are_one_grouped_query(django_assert_num_queries):
    _row("a", JobStatus.FAILED)
    _row("b", JobStatus.FAILED)
    _row("c", JobStatus.DONE)
    with django_assert_num_queries(1):
        counts = job_status_counts()
    assert counts == {"pending": 0, "sent": 0, "running": 0, "done": 1, "failed": 2}


def test_the_columns_name_a_job_in_words_where_it_has_a_label(client_for, admin_user):
    started = timezone.now() - dt.timedelta(minutes=5)
    _row("import", JobStatus.RUNNING, name=CENSUS_IMPORT_JOB, sends=2, sent_at=started, started_at=started)
    QueuedJob.objects.filter(args=["import"]).update(args=[41, True, False, {"create_units": False}])
    _row("probe", JobStatus.FAILED, sends=1, last_error="连接被拒绝", finished_at=timezone.now())
    body = html.unescape(client_for(admin_user).get("/jobs/").content.decode())
    assert "侨情数据导入" in body and CENSUS_IMPORT_JOB in body  # the label, and the code name beside it
    assert '[41, true, false, {"create_units": false}]' in body  # the arguments as JSON
    assert "tests.jobs_page_probe" in body  # no label: the code name
    assert "连接被拒绝" in body and "运行中" in body and "失败" in body


def test_pages_go_by_key(client_for, admin_user, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    for token in "abcde":
        _row(token, JobStatus.FAILED)
    client = client_for(admin_user)
    first = client.get("/jobs/?status=failed")
    assert _rows_shown(first) == ["e", "d"]
    key = first.context["next_key"]
    second = client.get(f"/jobs/?status=failed&before={key}")
    assert _rows_shown(second) == ["c", "b"]
    third = client.get(f"/jobs/?status=failed&before={second.context['next_key']}")
    assert _rows_shown(third) == ["a"] and third.context["next_key"] is None
    assert _rows_shown(client.get("/jobs/?status=failed&before=abc")) == ["e", "d"]  # a bad key: the first page


# ---- 重新发送 -------------------------------------------------------------------------------------------------------


def test_a_failed_row_is_sent_again_runs_and_is_audited(client_for, admin_user, eager_celery, django_capture_on_commit_callbacks):
    failed = _row("again", JobStatus.FAILED, sends=5, last_error="已发送 5 次仍未开始运行", sent_at=timezone.now(),
                  finished_at=timezone.now())
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/jobs/{failed.pk}/resend/", {"status": "failed"}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302 and response["Location"] == "/jobs/?status=failed"
    failed.refresh_from_db()
    assert RUNS == ["again"]  # in-process here: sent is run
    assert (failed.status, failed.sends, failed.last_error) == (JobStatus.DONE, 1, "")

    entry = _job_entries().get()
    assert entry.actor_id == admin_user.pk and entry.remote_addr == "10.1.2.3"
    assert entry.content_type == ContentType.objects.get_for_model(QueuedJob) and entry.object_pk == str(failed.pk)
    assert entry.additional_data["sends"] == 5 and "仍未开始运行" in entry.additional_data["last_error"]
    assert entry.additional_data["name"] == "tests.jobs_page_probe" and entry.additional_data["args"] == ["again"]
    assert f"重新发送后台任务 #{failed.pk}" in entry.object_repr


def test_the_audit_administrator_finds_the_resend_under_its_event(
        client_for, admin_user, audit_admin_user, django_capture_on_commit_callbacks, eager_celery):
    failed = _row("again", JobStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_user).post(f"/jobs/{failed.pk}/resend/")
    body = client_for(audit_admin_user).get("/audit/", {"event": AuditEvent.JOB}).content.decode()
    assert f"重新发送后台任务 #{failed.pk}" in body


def test_a_row_sent_again_that_fails_again_says_so(client_for, admin_user, eager_celery, django_capture_on_commit_callbacks):
    failed = _row("boom", JobStatus.FAILED, last_error="第一次")
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/jobs/{failed.pk}/resend/")
    failed.refresh_from_db()
    assert failed.status == JobStatus.FAILED and "探针又失败了" in failed.last_error and failed.sends == 1
    assert RUNS == ["boom"]


def test_sent_again_the_row_waits_for_the_commit_and_the_relay(client_for, admin_user):
    """Before its transaction commits nothing is sent (as with the broker down): the row is pending, with a new
    budget of sends, and the page says that it waits."""
    failed = _row("later", JobStatus.FAILED, sends=5, last_error="x", started_at=timezone.now(), finished_at=timezone.now())
    response = client_for(admin_user).post(f"/jobs/{failed.pk}/resend/", follow=True)
    assert f"任务 #{failed.pk} 已放回待发送" in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.sends, failed.last_error, failed.started_at, failed.finished_at) == (
        JobStatus.PENDING, 0, "", None, None)
    assert RUNS == []


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.SENT, JobStatus.RUNNING, JobStatus.DONE])
def test_a_row_that_is_not_failed_is_not_sent_again(status, client_for, admin_user, django_capture_on_commit_callbacks):
    row = _row("busy", status, sends=1)
    before = QueuedJob.objects.filter(pk=row.pk).values().get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(f"/jobs/{row.pk}/resend/", follow=True)
    assert response.status_code == 200
    assert "只能重新发送失败的任务" in response.content.decode()
    assert QueuedJob.objects.filter(pk=row.pk).values().get() == before
    assert RUNS == [] and not _job_entries().exists()


def test_a_row_that_is_gone_is_a_404_and_the_page_is_post_only(client_for, admin_user):
    client = client_for(admin_user)
    assert client.post("/jobs/999999999/resend/").status_code == 404
    failed = _row("failed", JobStatus.FAILED)
    assert client.get(f"/jobs/{failed.pk}/resend/").status_code == 405
    assert client.post("/jobs/").status_code == 405


def test_in_process_the_page_sweeps_what_beat_would(client_for, admin_user, settings, eager_celery):
    """Without a broker no beat runs: a row the web process was running when it ended is failed as the page is read."""
    settings.JOB_STUCK_SECONDS = 600
    cut_off = _row("cut off", JobStatus.RUNNING, started_at=timezone.now() - dt.timedelta(seconds=2000))
    client = client_for(admin_user)
    app.conf.task_always_eager = False  # a broker and its beat: the sweep is beat's (eager_celery restores it)
    client.get("/jobs/")
    assert QueuedJob.objects.get(pk=cut_off.pk).status == JobStatus.RUNNING
    app.conf.task_always_eager = True
    response = client.get("/jobs/")
    assert QueuedJob.objects.get(pk=cut_off.pk).status == JobStatus.FAILED
    assert "cut off" in response.content.decode() and "仍未结束" in response.content.decode()
