"""Review fixes: uploads are checked by content and size, task files are served only through scoped views,
a new task stays inside its plan's scope with responsible persons who can see it, a report job is built once."""
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orgs.regions.models import Region
from tasks.plans.models import Task, TaskStatus, TaskUpdate
from tasks.reports.models import ReportJob, ReportStatus

PDF = b"%PDF-1.4 evidence"


@pytest.mark.django_db
def test_progress_attachment_must_be_a_document(yuxi_plan, client_for, tonghai_official):
    task = Task.objects.get(plan=yuxi_plan, title="成立通海县侨联")
    client = client_for(tonghai_official)
    fake = SimpleUploadedFile("报告.pdf", b"<html><script>alert(1)</script>", content_type="application/pdf")
    response = client.post(f"/tasks/{task.pk}/", {"action": "update", "note": "进展", "attachment": fake})
    assert response.status_code == 400
    assert "文件“报告.pdf”的内容与扩展名 .pdf 不符" in response.content.decode()
    assert not TaskUpdate.objects.filter(task=task, note="进展").exists()
    script = SimpleUploadedFile("x.html", b"<html></html>", content_type="text/html")
    response = client.post(f"/tasks/{task.pk}/", {"action": "update", "note": "进展", "attachment": script})
    assert response.status_code == 400 and "不支持的文件类型“.html”" in response.content.decode()
    good = SimpleUploadedFile("报告.pdf", PDF, content_type="application/pdf")
    assert client.post(f"/tasks/{task.pk}/", {"action": "update", "note": "进展", "attachment": good}).status_code == 302


@pytest.mark.django_db
def test_evidence_file_is_checked_and_served_only_to_those_who_see_the_task(yuxi_plan, client_for, tonghai_official,
                                                                          huaning_official, yuxi_leader):
    task = Task.objects.get(plan=yuxi_plan, title="成立通海县侨联")
    client = client_for(tonghai_official)
    bad = SimpleUploadedFile("批复.docx", b"not a zip", content_type="application/octet-stream")
    response = client.post(f"/tasks/{task.pk}/", {"action": "status", "status": "done", "completed_on": "2022-12-20",
                                                   "evidence_file": bad})
    assert response.status_code == 400 and "批复.docx" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.TODO and not task.evidence_file
    good = SimpleUploadedFile("批复.pdf", PDF, content_type="application/pdf")
    response = client.post(f"/tasks/{task.pk}/", {"action": "status", "status": "done", "completed_on": "2022-12-20",
                                                   "evidence_file": good})
    assert response.status_code == 302
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert f'href="/tasks/{task.pk}/evidence/"' in page and "/media/" not in page
    download = client.get(f"/tasks/{task.pk}/evidence/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert client_for(yuxi_leader).get(f"/tasks/{task.pk}/evidence/").status_code == 200
    assert client_for(huaning_official).get(f"/tasks/{task.pk}/evidence/").status_code == 404
    update = TaskUpdate.objects.filter(task=task).first()
    assert client_for(huaning_official).get(f"/tasks/updates/{update.pk}/attachment/").status_code == 404


@pytest.mark.django_db
def test_new_task_stays_in_the_plans_scope_with_responsible_persons_who_see_it(yuxi_plan, client_for, yunnan_staff,
                                                                               yuxi_staff, tonghai_official, huaning_official):
    body = {"plan": yuxi_plan.pk, "title": "越出方案", "region": "530102", "deadline": "2030-03-01"}  # 昆明市五华区
    response = client_for(yunnan_staff).post("/tasks/new/", body)
    assert response.status_code == 400
    assert "不在方案“" in response.content.decode() and not Task.objects.filter(title="越出方案").exists()
    # A 通海 task whose responsible person is the 华宁 official, who could not open it.
    body = {"plan": yuxi_plan.pk, "title": "错派", "region": "530423", "deadline": "2030-03-01",
            "responsible_users": [huaning_official.pk]}
    response = client_for(yuxi_staff).post("/tasks/new/", body)
    assert response.status_code == 400
    assert f"责任人 {huaning_official.username} 不能查看通海县的任务" in response.content.decode()
    assert not Task.objects.filter(title="错派").exists()
    body["responsible_users"] = [tonghai_official.pk]
    assert client_for(yuxi_staff).post("/tasks/new/", body).status_code == 302


@pytest.mark.django_db
def test_a_report_job_is_claimed_by_one_worker(yuxi_staff, monkeypatch):
    """Two workers read the job while it is queued; the first claims it. The second must not build it again."""
    from tasks.reports import services

    job = ReportJob.objects.create(region=Region.objects.get(code="530423"), format="xlsx", as_of=datetime.date(2026, 6, 30))
    builds = []
    monkeypatch.setattr(services, "report_render", lambda region, *, fmt, as_of: builds.append(region.pk) or b"PK")
    stale = ReportJob.objects.select_related("region").get(pk=job.pk)  # what the second worker read: queued
    ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.RUNNING)  # the first worker's claim
    monkeypatch.setattr(ReportJob.objects, "select_related", lambda *a: type("Q", (), {"get": lambda self, pk: stale})())
    assert services.report_job_build(job_id=job.pk).status == ReportStatus.RUNNING
    assert builds == []


@pytest.mark.django_db
def test_report_as_of_in_the_future_is_refused_on_page_and_api(client_for, api_client_for, yuxi_staff):
    from django.utils import timezone

    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client_for(yuxi_staff).post("/reports/request/", {"region": "530423", "format": "pdf", "as_of": future})
    assert response.status_code == 400 and f"统计截止日期 {future} 晚于今天" in response.content.decode()
    response = api_client_for(yuxi_staff).post("/api/reports/", {"region": "530423", "format": "pdf", "as_of": future},
                                               format="json")
    assert response.status_code == 400 and f"统计截止日期 {future} 晚于今天" in str(response.json()["as_of"])
    assert not ReportJob.objects.exists()


@pytest.mark.django_db
def test_timeline_ignores_a_malformed_plan_parameter(yuxi_plan, client_for, yuxi_staff):
    response = client_for(yuxi_staff).get("/tasks/timeline/", {"plan": "abc"})
    assert response.status_code == 200 and response.context["progress"]
    only = client_for(yuxi_staff).get("/tasks/timeline/", {"plan": str(yuxi_plan.pk)}).context["progress"]
    assert only and {p.milestone.plan_id for p in only} == {yuxi_plan.pk}


@pytest.mark.django_db
def test_report_file_missing_from_storage_is_a_404_not_a_500(client_for, api_client_for, yuxi_staff):
    from django.core.files.base import ContentFile

    job = ReportJob(region=Region.objects.get(code="530423"), format="xlsx", as_of=datetime.date(2026, 6, 30),
                    status=ReportStatus.DONE)
    job.file.save("gone.xlsx", ContentFile(b"PK"), save=True)
    job.file.storage.delete(job.file.name)
    assert client_for(yuxi_staff).get(f"/reports/{job.pk}/download/").status_code == 404
    assert api_client_for(yuxi_staff).get(f"/api/reports/{job.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_a_failed_report_mail_is_recorded_and_the_report_kept(yuxi_leader, settings, monkeypatch, tmp_path):
    from tasks.reports import services

    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_BACKEND = "tests.tasks.test_outbox.BrokenBackend"
    monkeypatch.setattr(services, "report_render", lambda region, *, fmt, as_of: b"%PDF-1.4")
    job = ReportJob.objects.create(region=Region.objects.get(code="530400"), format="pdf", as_of=datetime.date(2026, 6, 30),
                                   requested_by=yuxi_leader, email_to="leader@example.org")
    job = services.report_job_build(job_id=job.pk)
    assert job.status == ReportStatus.DONE and job.file
    assert "报告已生成，但发送邮件至 leader@example.org 失败" in job.error and "smtp down" in job.error
