"""A report whose worker died is never left "running": the sweep job marks it failed with the reason, and its
message delivered again builds nothing (tests/production/fault_worker_kill.py does it with a real report worker)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from orgs.regions.models import Region
from tasks.reports.jobs import build_report, fail_stuck_reports
from tasks.reports.models import ReportJob, ReportStatus

pytestmark = pytest.mark.django_db


def test_the_sweep_fails_reports_running_longer_than_any_build_may(settings, yuxi_staff):
    settings.JOB_STUCK_SECONDS = 600
    region = Region.objects.get(code="530400")
    now = timezone.now()
    stuck = ReportJob.objects.create(region=region, format="pdf", as_of=dt.date(2026, 6, 30), requested_by=yuxi_staff,
                                     status=ReportStatus.RUNNING, started_at=now - dt.timedelta(seconds=601))
    building = ReportJob.objects.create(region=region, format="pdf", as_of=dt.date(2026, 6, 30), requested_by=yuxi_staff,
                                        status=ReportStatus.RUNNING, started_at=now - dt.timedelta(seconds=10))
    queued = ReportJob.objects.create(region=region, format="pdf", as_of=dt.date(2026, 6, 30), requested_by=yuxi_staff)
    assert fail_stuck_reports() == 1
    stuck.refresh_from_db()
    assert stuck.status == ReportStatus.FAILED and "生成超时或工作进程中断" in stuck.error and stuck.finished_at
    assert ReportJob.objects.get(pk=building.pk).status == ReportStatus.RUNNING
    assert ReportJob.objects.get(pk=queued.pk).status == ReportStatus.QUEUED
    # the dead worker's message delivered again: decided, nothing is built
    assert build_report(stuck.pk) == ReportStatus.FAILED
    assert not ReportJob.objects.get(pk=stuck.pk).file
