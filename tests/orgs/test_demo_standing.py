"""The demo's trainings, volunteers and yearly 督查考核 (issue 17 §3, §4): written through the services as 玉溪市 staff
would, so what a visitor of the demo sees obeys the same rules as what they enter."""
from __future__ import annotations

import pytest
from django.utils import timezone

from orgs.assessments.models import OrganizationAssessment, ScoringSheet
from orgs.organizations.models import Organization
from orgs.training.models import Training, TrainingAttendance, Volunteer
from orgs.training.selectors import organization_trainings
from qiaolian.demo.organizations import demo_organizations_create
from qiaolian.demo.standing import demo_standing_create

pytestmark = pytest.mark.django_db


def test_the_demo_assesses_the_founded_federations_on_yuxi_sheet_and_trains_shuangjiang(yuxi_staff):
    """Yuxi 四 (督查考核) and 三(五) ("持续开展基层侨联专兼职干部和“侨胞之家”负责人的培训"): the demo holds 玉溪市's sheet of
    the year, an assessment of every founded federation graded by the sheet's thresholds, and 峨山县侨联's training
    attended by 双江街道侨联's leaders and volunteer, which 双江街道侨联's page lists although it did not hold it."""
    demo_organizations_create()
    assessed = demo_standing_create(yuxi_staff.username)
    year = timezone.localdate().year
    sheet = ScoringSheet.objects.get(region__code="530400", year=year)
    founded = Organization.objects.filter(status="active", region__code__startswith="5304")
    assert assessed == founded.count() == OrganizationAssessment.objects.filter(sheet=sheet).count() > 0
    shuangjiang = OrganizationAssessment.objects.get(organization__name="双江街道侨联", year=year)
    assert (shuangjiang.total, shuangjiang.grade) == (96, "优秀")  # 95 % of each item's points, rounded
    assert OrganizationAssessment.objects.get(organization__name="元江县侨联", year=year).grade == "合格"
    training = Training.objects.get(organizer__name="峨山县侨联")
    attendees = TrainingAttendance.objects.filter(training=training)
    assert attendees.filter(organization__name="双江街道侨联", leader__isnull=False).count() == 2
    assert attendees.filter(volunteer__organization__name="双江街道侨联").count() == 1
    assert Volunteer.objects.filter(organization__name="双江街道侨联").count() == 1
    listed = organization_trainings(Organization.objects.get(name="双江街道侨联"))
    assert [(t.pk, t.attendees, t.own_attendees) for t in listed] == [(training.pk, 4, 3)]
    # loading again (load_demo twice) adds nothing
    assert demo_standing_create(yuxi_staff.username) == 0
    assert Training.objects.count() == 1 and OrganizationAssessment.objects.count() == assessed
