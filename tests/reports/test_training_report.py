"""Trained cadres per county in the year (issue 17 §3; Jiangxi 40, Yuxi 三(五)): for 玉溪市, the distinct cadres,
home heads and volunteers who attended at least one training in the report year, and the sessions and hours, per
county row and for the city; shown alike in the PDF and the Excel file; two queries whatever the areas."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from orgs.organizations.founding import OrganizationStatus as S
from orgs.organizations.models import LeadershipMember, Organization, OrganizationKind
from orgs.regions.models import Region, RegionLevel
from orgs.training.models import Training, TrainingAttendance, Volunteer
from tasks.reports.data import report_data
from tasks.reports.pdf import report_pdf
from tasks.reports.training import training_report
from tasks.reports.xlsx import report_xlsx
from tests.reports.factories import AS_OF
from tests.reports.test_consistency import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainings(world):
    """通海县侨联 holds two trainings in the report year and one the year before; 玉溪市侨联 one city training. 李主席
    attends three times (two as cadre in the year, once the year before), 张干事 (no record) twice, one home head, one
    volunteer; 华宁县 has a training with one cadre."""
    tonghai = Organization.objects.create(name="通海县侨联", kind=OrganizationKind.COUNTY, region=world.tonghai, status=S.ACTIVE)
    huaning = Organization.objects.create(name="华宁县侨联", kind=OrganizationKind.COUNTY, region=world.huaning, status=S.ACTIVE)
    city = Organization.objects.create(name="玉溪市侨联", kind=OrganizationKind.JOINT, region=world.yuxi, status=S.ACTIVE)
    chair = LeadershipMember.objects.create(organization=tonghai, name="李主席", position="chair", term_start=dt.date(2024, 1, 1))
    head = LeadershipMember.objects.create(organization=tonghai, name="王负责人", position="member", term_start=dt.date(2024, 1, 1))
    volunteer = Volunteer.objects.create(organization=tonghai, name="周志愿", joined_on=dt.date(2025, 5, 1))
    huaning_chair = LeadershipMember.objects.create(organization=huaning, name="华宁主席", position="chair",
                                                    term_start=dt.date(2024, 1, 1))

    def held(organizer, on, hours, *attendees):
        training = Training.objects.create(organizer=organizer, held_on=on, topic=f"{organizer.name}{on}", hours=Decimal(hours))
        for role, record, name in attendees:
            leader = record if isinstance(record, LeadershipMember) else None
            vol = record if isinstance(record, Volunteer) else None
            TrainingAttendance.objects.create(training=training, role=role, leader=leader, volunteer=vol,
                                              name=record.name if record else name,
                                              organization=record.organization if record else organizer)
        return training

    held(tonghai, dt.date(2026, 3, 1), "4", ("cadre", chair, ""), ("cadre", None, "张干事"), ("home_head", head, ""))
    held(tonghai, dt.date(2026, 5, 1), "2.5", ("cadre", chair, ""), ("cadre", None, "张干事"), ("volunteer", volunteer, ""))
    held(tonghai, dt.date(2025, 11, 1), "8", ("cadre", chair, ""), ("cadre", None, "去年学员"))  # the year before: not counted
    held(tonghai, dt.date(2026, 7, 15), "3", ("cadre", None, "统计日后学员"))  # after the report date: not counted
    held(city, dt.date(2026, 4, 1), "6", ("cadre", chair, ""), ("cadre", huaning_chair, ""))
    held(huaning, dt.date(2026, 2, 1), "3", ("cadre", huaning_chair, ""))
    return world


def test_trained_cadres_per_county_are_distinct_people_in_the_year(trainings):
    """Jiangxi 40 "持续开展基层侨联专兼职干部、'侨胞之家'负责人和侨联志愿者的培训活动" and Yuxi 三(五): the report counts the
    people trained in the year, each once however many sessions they attended (李主席 three times, 张干事 twice: two
    cadres of 通海县), in their own county even when the city trained them; sessions and hours by the organiser."""
    data = report_data(trainings.yuxi, as_of=AS_OF)
    assert data.training is not None and data.training.year == 2026
    rows = {r.region.code: r.figures for r in data.training.rows}
    tonghai, huaning = rows["530423"], rows["530424"]
    assert (tonghai.cadres, tonghai.home_heads, tonghai.volunteers) == (2, 1, 1)
    assert (tonghai.sessions, tonghai.hours) == (2, Decimal("6.5"))
    assert (huaning.cadres, huaning.sessions, huaning.hours) == (1, 1, Decimal("3"))
    total = data.training.total
    assert (total.cadres, total.home_heads, total.volunteers) == (3, 1, 1)
    assert (total.sessions, total.hours) == (4, Decimal("15.5"))  # the city's own training in the total only
    assert [r.region.code for r in data.training.rows] == [a.region.code for a in data.areas]


def test_the_training_figures_take_two_queries(trainings, django_assert_num_queries):
    """Set-based, never a query per area: the attendees and the sessions, two aggregate queries."""
    counties = Region.objects.within(trainings.yuxi).filter(level=RegionLevel.COUNTY).order_by("tree_id", "lft")
    areas = [(c.name, (c.tree_id, c.lft, c.rght)) for c in counties]
    assert len(areas) > 5
    with django_assert_num_queries(2):
        training_report(trainings.yuxi, areas, as_of=AS_OF)


def test_pdf_and_excel_show_the_trained_people(trainings):
    """Jiangxi 40 in the report: the PDF section and the Excel sheet give the same figures for 玉溪市."""
    data = report_data(trainings.yuxi, as_of=AS_OF)
    text = pdf_text(report_pdf(data))
    assert "十一、队伍培训" in text
    assert re.search(r"^\s*通海县\s+2\s+6\.5\s+2\s+1\s+1\s*$", text, re.M), text[-2000:]
    sheet = load_workbook(io.BytesIO(report_xlsx(data)))["队伍培训"]
    header = [c.value for c in sheet[1]]
    rows = {row[0]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert (rows["530423"]["参训干部"], rows["530423"]["参训侨胞之家负责人"], rows["530423"]["参训志愿者"]) == (2, 1, 1)
    assert rows["530400"]["区划"] == "合计（含本级）" and rows["530400"]["参训干部"] == 3 and rows["530400"]["学时"] == 15.5
