"""Report jobs: requested from the page and the API (scoped: another county is a 404), built by the
Celery job, failures recorded with their reason, downloadable, deleted after 90 days, e-mailed monthly
to leadership; and the build_report command."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from tasks.reports import services
from tasks.reports.jobs import (
    build_report,
    delete_expired_reports,
    send_monthly_reports,
)
from tasks.reports.models import ReportJob, ReportStatus
from tasks.reports.services import report_job_request
from tests.reports.factories import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _eager_reports(eager_celery):
    """These tests build reports in-process (see `eager_celery`)."""


def test_request_build_and_download_as_leadership(world, client_for, yuxi_leader, django_capture_on_commit_callbacks):
    client = client_for(yuxi_leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/request/", {"region": "530423", "format": "xlsx", "as_of": "2026-06-30"})
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert (job.status, job.region.code, job.as_of, job.requested_by) == (ReportStatus.DONE, "530423", AS_OF, yuxi_leader)
    assert job.expires_at.date() == (timezone.now() + dt.timedelta(days=90)).date()
    page = client.get("/reports/").content.decode()
    assert "已完成" in page and f"/reports/{job.pk}/download/" in page
    download = client.get(f"/reports/{job.pk}/download/")
    assert download.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert wb["概况"]["B2"].value == 1  # 通海县: one county federation required


def test_county_official_cannot_get_another_countys_report(world, client_for, api_client_for, tonghai_official, yuxi_staff):
    foreign, _created = report_job_request(user=yuxi_staff, region=world.huaning, fmt="pdf", as_of=AS_OF)
    client = client_for(tonghai_official)
    assert client.post("/reports/request/", {"region": "530424", "format": "pdf"}).status_code == 400
    assert "不在您的管辖范围内" in client.post("/reports/request/", {"region": "530424", "format": "pdf"}).content.decode()
    assert client.get(f"/reports/{foreign.pk}/").status_code == 404
    assert client.get(f"/reports/{foreign.pk}/download/").status_code == 404
    assert client.get("/reports/", {"region": "530424"}).status_code == 404
    assert client.get("/dashboard/530424/").status_code == 404
    assert client.get("/", {"region": "530424"}).status_code == 404
    api = api_client_for(tonghai_official)
    assert api.post("/api/reports/", {"region": "530424", "format": "pdf"}, format="json").status_code == 404
    assert api.get(f"/api/reports/{foreign.pk}/").status_code == 404
    assert api.get(f"/api/reports/{foreign.pk}/download/").status_code == 404
    assert api.get("/api/dashboard/", {"region": "530424"}).status_code == 404
    assert api.get("/api/reports/").json()["count"] == 0
    assert ReportJob.objects.count() == 1
    with pytest.raises(Exception) as caught:
        report_job_request(user=tonghai_official, region=world.huaning, fmt="pdf")
    assert caught.type.__name__ == "Http404"


def test_bad_input_names_field_and_value(world, client_for, yuxi_staff):
    response = client_for(yuxi_staff).post("/reports/request/", {"region": "999999", "format": "doc", "as_of": "2026-13-01"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "999999" in body and "doc" in body
    assert ReportJob.objects.count() == 0


def test_api_request_list_status_and_download(world, api_client_for, yuxi_leader, django_capture_on_commit_callbacks):
    api = api_client_for(yuxi_leader)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/reports/", {"region": "530400", "format": "pdf", "as_of": "2026-06-30"}, format="json")
    assert created.status_code == 201, created.content
    job_id = created.json()["id"]
    status = api.get(f"/api/reports/{job_id}/").json()
    assert status["status"] == "done" and status["download_url"].endswith(f"/api/reports/{job_id}/download/")
    download = api.get(f"/api/reports/{job_id}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert [j["id"] for j in api.get("/api/reports/").json()["results"]] == [job_id]


def test_failed_job_records_its_reason(world, yuxi_staff, monkeypatch):
    job, _created = report_job_request(user=yuxi_staff, region=world.tonghai, fmt="pdf", as_of=AS_OF)

    def broken(*args, **kwargs):
        raise RuntimeError("字体文件损坏")

    monkeypatch.setattr(services, "report_render", broken)
    assert build_report(job.pk) == ReportStatus.FAILED
    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED and "字体文件损坏" in job.error and job.finished_at
    assert not job.file


def test_expired_jobs_are_deleted_with_their_files(world, yuxi_staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        old, _created = report_job_request(user=yuxi_staff, region=world.tonghai, fmt="xlsx", as_of=AS_OF)
    with django_capture_on_commit_callbacks(execute=True):  # the first is built: the same request is a new job
        fresh, _created = report_job_request(user=yuxi_staff, region=world.tonghai, fmt="xlsx", as_of=AS_OF)
    old.refresh_from_db()
    path = old.file.path
    ReportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert delete_expired_reports() == 1
    assert list(ReportJob.objects.values_list("pk", flat=True)) == [fresh.pk]
    import os

    assert not os.path.exists(path)


def test_monthly_reports_are_mailed_to_leadership(world, yuxi_leader, django_capture_on_commit_callbacks):
    yuxi_leader.email = "leader@example.com"
    yuxi_leader.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_monthly_reports() == 1
    job = ReportJob.objects.get()
    assert (job.region.code, job.format, job.status, job.email_to) == ("530400", "pdf", "done", "leader@example.com")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["leader@example.com"] and "玉溪市" in message.subject
    name, content, mime = message.attachments[0]
    assert mime == "application/pdf" and content.startswith(b"%PDF") and name.endswith(".pdf")
    # The beat job delivered again (retry, lost worker): nothing is requested or mailed twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert send_monthly_reports() == 0
    assert ReportJob.objects.count() == 1 and len(mail.outbox) == 1


def test_build_report_command(world, tmp_path):
    out = tmp_path / "r.xlsx"
    call_command("build_report", "--region", "530400", "--format", "xlsx", "--out", str(out), "--date", "2026-06-30")
    assert load_workbook(out)["概况"]["B2"].value == 9
    pdf = tmp_path / "r.pdf"
    call_command("build_report", "--region", "530423", "--format", "pdf", "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="区划代码不存在"):
        call_command("build_report", "--region", "000000", "--format", "pdf", "--out", str(pdf))
    with pytest.raises(CommandError, match="日期格式"):
        call_command("build_report", "--region", "530400", "--format", "pdf", "--out", str(pdf), "--date", "2026-02-30")


def test_a_job_redelivered_after_its_worker_died_fails_instead_of_looping(world, yuxi_staff):
    job, _created = report_job_request(user=yuxi_staff, region=world.tonghai, fmt="pdf", as_of=AS_OF)
    ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.RUNNING)
    assert build_report(job.pk) == ReportStatus.FAILED
    job.refresh_from_db()
    assert "工作进程中断" in job.error


def test_lost_jobs_are_marked_failed_by_the_daily_cleanup(world, yuxi_staff):
    job, _created = report_job_request(user=yuxi_staff, region=world.tonghai, fmt="pdf", as_of=AS_OF)
    fresh, _created = report_job_request(user=yuxi_staff, region=world.tonghai, fmt="xlsx", as_of=AS_OF)
    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(hours=7))
    assert delete_expired_reports() == 0
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == ReportStatus.FAILED and "长时间未完成" in job.error
    assert fresh.status == ReportStatus.QUEUED


def test_report_builds_are_routed_to_the_reports_queue():
    from qiaolian.celery import app

    assert app.amqp.router.route({}, "tasks.build_report", args=(1,), kwargs={})["queue"].name == "reports"
    assert app.amqp.router.route({}, "tasks.delete_expired_reports", args=(), kwargs={})["queue"].name != "reports"
    assert {"tasks.build_report", "tasks.send_monthly_reports", "tasks.delete_expired_reports"} <= set(app.tasks)
