"""Issue 18 §5: report requests are de-duplicated (the same request while one is pending returns that job) and
limited per user and hour (REPORT_REQUESTS_PER_HOUR), on the page and in the API."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tasks.reports.models import ReportJob, ReportStatus

pytestmark = pytest.mark.django_db

REQUEST = {"region": "530400", "format": "pdf", "as_of": "2026-06-30"}


def test_identical_api_requests_while_pending_return_the_same_job(leader_api):
    first = leader_api.post("/api/reports/", REQUEST, format="json")
    assert first.status_code == 201, first.content[:300]
    repeats = [leader_api.post("/api/reports/", REQUEST, format="json") for _ in range(9)]
    assert {r.status_code for r in repeats} == {200}
    assert {r.json()["id"] for r in repeats} == {first.json()["id"]}
    assert ReportJob.objects.count() == 1

    other = leader_api.post("/api/reports/", {**REQUEST, "format": "xlsx"}, format="json")
    assert other.status_code == 201 and ReportJob.objects.count() == 2


def test_a_finished_or_lost_job_does_not_hold_back_a_new_request(leader_api):
    job_id = leader_api.post("/api/reports/", REQUEST, format="json").json()["id"]
    ReportJob.objects.filter(pk=job_id).update(status=ReportStatus.DONE)
    second = leader_api.post("/api/reports/", REQUEST, format="json")
    assert second.status_code == 201 and second.json()["id"] != job_id
    ReportJob.objects.filter(pk=second.json()["id"]).update(created_at=timezone.now() - dt.timedelta(hours=7))
    assert leader_api.post("/api/reports/", REQUEST, format="json").status_code == 201


def test_identical_page_requests_queue_one_job(leader_client):
    for _ in range(5):
        response = leader_client.post("/reports/request/", REQUEST, follow=True)
        assert response.status_code == 200
    assert ReportJob.objects.count() == 1
    assert "相同的报告申请正在处理中" in response.content.decode()


def test_the_api_answers_429_with_retry_after_beyond_the_hourly_limit(leader_api, settings):
    settings.REPORT_REQUESTS_PER_HOUR = 3
    for day in (1, 2, 3):
        assert leader_api.post("/api/reports/", {**REQUEST, "as_of": f"2026-06-0{day}"}, format="json").status_code == 201
    refused = leader_api.post("/api/reports/", {**REQUEST, "as_of": "2026-06-04"}, format="json")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert ReportJob.objects.count() == 3
    # The same request as a pending one still answers with that job.
    assert leader_api.post("/api/reports/", {**REQUEST, "as_of": "2026-06-01"}, format="json").status_code == 200
    # An hour later the window has room again.
    ReportJob.objects.update(created_at=timezone.now() - dt.timedelta(minutes=61))
    assert leader_api.post("/api/reports/", {**REQUEST, "as_of": "2026-06-04"}, format="json").status_code == 201


def test_the_page_says_so_beyond_the_hourly_limit(leader_client, settings):
    settings.REPORT_REQUESTS_PER_HOUR = 2
    for day in (1, 2):
        assert leader_client.post("/reports/request/", {**REQUEST, "as_of": f"2026-06-0{day}"}).status_code == 302
    refused = leader_client.post("/reports/request/", {**REQUEST, "as_of": "2026-06-03"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "报告申请过于频繁" in refused.content.decode()
    assert ReportJob.objects.count() == 2
    refused = leader_client.post("/reports/request/", {**REQUEST, "as_of": "2026-06-03"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and "Too many report requests" in refused.content.decode()
