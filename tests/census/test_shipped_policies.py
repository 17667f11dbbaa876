"""Issue 15, part 1: the shipped policies exist without the demo (created by the migration and by every region
import, never overwriting an edited one), a region without a policy in force is said to be so instead of showing
zeros, and every jurisdiction is evaluated by the nightly job and by load_demo."""
from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from census.coverage.jobs import COVERAGE_NIGHTLY_JOB, evaluate_coverage_everywhere
from census.coverage.models import Policy, Requirement
from census.coverage.selectors import coverage_rollup
from census.coverage.services import evaluate_coverage, policies_load, policy_in_force
from orgs.regions.models import Region, RegionLevel
from orgs.regions.services import regions_import
from tasks.reports.data import report_data
from tasks.reports.xlsx import report_xlsx
from tests.factories import region

pytestmark = pytest.mark.django_db


def test_the_shipped_policies_exist_without_the_demo_and_an_edited_one_is_kept():
    # created by the migration (the default) and by the national region import (江西省, 玉溪市)
    assert set(Policy.objects.values_list("key", flat=True)) == {"default", "jiangxi-40", "yuxi-2020"}
    yuxi = Policy.objects.get(jurisdiction__code="530400")
    yuxi.village_threshold = 25
    yuxi.save()
    default = Policy.objects.get(jurisdiction__isnull=True)
    default.delete()

    assert policies_load() == [default.key]  # the missing one is created again, the edited one left alone
    yuxi.refresh_from_db()
    assert yuxi.village_threshold == 25


def test_a_region_import_creates_the_local_policy_its_region_was_waiting_for(django_capture_on_commit_callbacks):
    jiangxi = Policy.objects.get(jurisdiction__code="360000")
    key = jiangxi.key
    jiangxi.delete()
    # any import that adds a region brings what became possible (the region 江西省 exists: its policy returns)
    with django_capture_on_commit_callbacks(execute=True):
        regions_import([{"code": "530423199", "name": "新设镇", "level": "township", "parent_code": "530423"}],
                       ["code", "name", "level", "parent_code"])
    assert Policy.objects.filter(key=key, jurisdiction__code="360000").exists()


def test_without_a_policy_in_force_nothing_is_evaluated_and_the_pages_say_so(client_for, tonghai_official):
    Requirement.objects.all().delete()
    Policy.objects.all().delete()
    tonghai = region("530423")
    assert not policy_in_force(tonghai)

    report = evaluate_coverage(tonghai)
    assert report.places == 0 and report.unruled == [("530423", "云南省玉溪市通海县")]

    client = client_for(tonghai_official)
    notice = "本辖区尚无生效的建会门槛，结论未计算"
    assert notice in client.get("/").content.decode()
    assert notice in client.get("/census/coverage/gaps/").content.decode()
    data = report_data(tonghai, as_of=timezone.localdate())
    assert data.policy_in_force is False
    sheet = load_workbook(io.BytesIO(report_xlsx(data))).worksheets[0]
    assert notice in [cell.value for row in sheet.iter_rows() for cell in row]


def test_with_a_policy_the_pages_show_no_notice(client_for, tonghai_official):
    assert policy_in_force(region("530423")) and policy_in_force(None)
    client = client_for(tonghai_official)
    assert "本辖区尚无生效的建会门槛" not in client.get("/").content.decode()


def test_the_nightly_job_evaluates_every_jurisdiction_and_jiangxi_shows_its_counties_required():
    assert settings.CELERY_BEAT_SCHEDULE["coverage-nightly"]["task"] == COVERAGE_NIGHTLY_JOB
    result = evaluate_coverage_everywhere.apply().get()
    assert result["roots"] == Region.objects.filter(parent__isnull=True).count() and result["unruled"] == []
    jiangxi = Region.objects.get(code="360000")
    counties = Region.objects.within(jiangxi).filter(level=RegionLevel.COUNTY).count()
    assert counties == 100
    assert coverage_rollup(jiangxi)["county"]["required"] == counties
