"""Trainings, attendance and the volunteer register (issue 17 §3): the rules of the services, the scope, the pages
of the organization and of a registered person, and the API. Each test quotes the clause it serves."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from census.registry.models import PersonRecordLink
from census.registry.record_links import person_record_link
from census.registry.services import person_create
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import LeadershipMember, Organization, OrganizationKind
from orgs.training.models import Training, TrainingAttendance, Volunteer
from orgs.training.services import attendance_add, training_create, volunteer_add
from tests.factories import region
from tests.scope.census import _id_number

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)


def _federation(code: str, name: str) -> Organization:
    return Organization.objects.create(name=name, kind=OrganizationKind.COUNTY, region=region(code),
                                       status=OrganizationStatus.ACTIVE)


@pytest.fixture
def tonghai():
    return _federation("530423", "通海县侨联")


@pytest.fixture
def huaning():
    return _federation("530424", "华宁县侨联")


@pytest.fixture
def leader(tonghai):
    return LeadershipMember.objects.create(organization=tonghai, name="李主席", position="chair",
                                           term_start=TODAY - dt.timedelta(days=300))


@pytest.fixture
def training(tonghai, tonghai_official):
    return training_create(organizer=tonghai, actor=tonghai_official, held_on=YESTERDAY, topic="侨务政策培训", hours="4")


# ---- the services' rules -------------------------------------------------------------------------------------------


def test_a_training_is_recorded_once_held_never_in_the_future(tonghai, tonghai_official):
    """Jiangxi 40: "持续开展基层侨联专兼职干部、'侨胞之家'负责人和侨联志愿者的培训活动" — a training is recorded as held;
    a date after today is refused, naming the field and the date."""
    tomorrow = TODAY + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        training_create(organizer=tonghai, actor=tonghai_official, held_on=tomorrow, topic="明日培训", hours="2")
    assert tomorrow.isoformat() in refused.value.message_dict["held_on"][0]
    assert not Training.objects.exists()
    with pytest.raises(ValidationError) as refused:
        training_create(organizer=tonghai, actor=tonghai_official, held_on=YESTERDAY, topic="零学时", hours="0")
    assert "hours" in refused.value.message_dict
    made = training_create(organizer=tonghai, actor=tonghai_official, held_on=TODAY, topic="今日培训", hours="2.5")
    assert made.hours == Decimal("2.5")


def test_a_volunteer_cannot_join_in_the_future(tonghai, tonghai_official):
    """Jiangxi 10: "培养侨联志愿者" — the register keeps volunteers who have joined; a future 加入日期 is refused."""
    with pytest.raises(ValidationError) as refused:
        volunteer_add(organization=tonghai, actor=tonghai_official, name="王志愿", joined_on=TODAY + dt.timedelta(days=3))
    assert "joined_on" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        volunteer_add(organization=tonghai, actor=tonghai_official, name="王志愿", joined_on=YESTERDAY, phone="12-ab")
    assert "phone" in refused.value.message_dict
    assert not Volunteer.objects.exists()


def test_the_same_person_attends_a_training_once(training, leader, tonghai, tonghai_official):
    """Jiangxi 40 (培训活动 of 专兼职干部、负责人、志愿者): an attendance list names each person once — the same record
    twice, the same name twice, or a name already on the list as a record is refused."""
    volunteer = volunteer_add(organization=tonghai, actor=tonghai_official, name="周志愿", joined_on=YESTERDAY)
    attendance_add(training=training, actor=tonghai_official, role="cadre", leader=leader)
    attendance_add(training=training, actor=tonghai_official, role="volunteer", volunteer=volunteer)
    attendance_add(training=training, actor=tonghai_official, role="cadre", name="统战部张干事")
    refusals = (
        ({"role": "home_head", "leader": leader}, "leader"),
        ({"role": "volunteer", "volunteer": volunteer}, "volunteer"),
        ({"role": "cadre", "name": "统战部张干事"}, "name"),
        ({"role": "cadre", "name": "李主席"}, "name"),  # typed again by name
    )
    for kwargs, field in refusals:
        with pytest.raises(ValidationError) as refused:
            attendance_add(training=training, actor=tonghai_official, **kwargs)
        assert field in refused.value.message_dict, kwargs
    assert TrainingAttendance.objects.filter(training=training).count() == 3


def test_a_record_attends_in_its_own_role(training, leader, tonghai, tonghai_official):
    """Jiangxi 40 names three kinds of attendee: a volunteer attends as 侨联志愿者, a leading-body member as cadre or
    home head."""
    volunteer = volunteer_add(organization=tonghai, actor=tonghai_official, name="周志愿", joined_on=YESTERDAY)
    with pytest.raises(ValidationError):
        attendance_add(training=training, actor=tonghai_official, role="cadre", volunteer=volunteer)
    with pytest.raises(ValidationError):
        attendance_add(training=training, actor=tonghai_official, role="volunteer", leader=leader)


def test_a_tonghai_official_cannot_add_attendance_to_a_huaning_training(huaning, tonghai_official, admin_user, client_for,
                                                                      leader):
    """Yuxi 三(五) "持续开展基层侨联专兼职干部和'侨胞之家'负责人的培训": each county keeps its own trainings; a 通海县
    official cannot add attendance to a 华宁县 training (the service refuses, the page is a 404), nor may a 华宁县
    training list a 通海县 leader (outside the organiser's region)."""
    foreign = training_create(organizer=huaning, actor=admin_user, held_on=YESTERDAY, topic="华宁培训", hours="3")
    with pytest.raises(ValidationError):
        attendance_add(training=foreign, actor=tonghai_official, role="cadre", name="越权学员")
    response = client_for(tonghai_official).post(reverse("training:attendance-add", args=[foreign.pk]),
                                                 {"role": "cadre", "name": "越权学员"})
    assert response.status_code == 404
    assert client_for(tonghai_official).get(reverse("training:detail", args=[foreign.pk])).status_code == 404
    with pytest.raises(ValidationError) as refused:
        attendance_add(training=foreign, actor=admin_user, role="cadre", leader=leader)
    assert "不在主办组织" in refused.value.message_dict["leader"][0]
    assert not TrainingAttendance.objects.exists()


def test_leadership_writes_nothing(tonghai, training, yuxi_leader, client_for, api_client_for):
    """Yuxi 三(五) assigns the training to the federations; the leadership group (领导小组) reads, and every write of
    its is refused: services, pages (403) and API (403)."""
    with pytest.raises(ValidationError):
        training_create(organizer=tonghai, actor=yuxi_leader, held_on=YESTERDAY, topic="领导登记", hours="1")
    with pytest.raises(ValidationError):
        volunteer_add(organization=tonghai, actor=yuxi_leader, name="领导登记", joined_on=YESTERDAY)
    with pytest.raises(ValidationError):
        attendance_add(training=training, actor=yuxi_leader, role="cadre", name="领导登记")
    web = client_for(yuxi_leader)
    assert web.get(reverse("training:detail", args=[training.pk])).status_code == 200
    assert web.post(reverse("training:create"), {"organizer": tonghai.pk, "held_on": YESTERDAY.isoformat(),
                                                 "topic": "领导登记", "hours": "1"}).status_code == 403
    assert web.post(reverse("training:attendance-add", args=[training.pk]), {"role": "cadre", "name": "x"}).status_code == 403
    api = api_client_for(yuxi_leader)
    assert api.post("/api/volunteers/", {"organization": tonghai.pk, "name": "领导登记", "joined_on": YESTERDAY.isoformat()},
                    format="json").status_code == 403
    assert (Training.objects.count(), Volunteer.objects.count(), TrainingAttendance.objects.count()) == (1, 0, 0)


# ---- pages -------------------------------------------------------------------------------------------------------


def test_the_organization_page_shows_its_trainings_and_volunteers_with_phones_masked(tonghai, training, tonghai_official,
                                                                                  client_for):
    """Jiangxi 10 (培养侨联志愿者) and 40: the organization's page lists the trainings it held and its volunteer
    register; a volunteer's phone is shown masked."""
    volunteer_add(organization=tonghai, actor=tonghai_official, name="周志愿", joined_on=YESTERDAY, phone="13912345678",
                  skills="翻译")
    page = client_for(tonghai_official).get(reverse("organizations:detail", args=[tonghai.pk])).content.decode()
    assert "侨务政策培训" in page and "周志愿" in page
    assert "139****5678" in page and "13912345678" not in page
    assert 'data-testid="volunteer-add-form"' in page


def test_attendance_is_added_from_the_training_page(training, leader, tonghai_official, client_for):
    """Jiangxi 40: the training page adds attendees picked from the organiser's leading body, or by name."""
    client = client_for(tonghai_official)
    url = reverse("training:attendance-add", args=[training.pk])
    assert client.post(url, {"role": "cadre", "record": f"L{leader.pk}"}).status_code == 302
    assert client.post(url, {"role": "home_head", "name": "河西侨胞之家负责人"}).status_code == 302
    again = client.post(url, {"role": "cadre", "record": f"L{leader.pk}"})
    assert again.status_code == 400 and "已在本次培训的参训名单中" in again.content.decode()
    page = client.get(reverse("training:detail", args=[training.pk])).content.decode()
    assert "李主席" in page and "河西侨胞之家负责人" in page
    listed = client.get(reverse("training:list"), {"year": YESTERDAY.year, "region": "530423"}).content.decode()
    assert "侨务政策培训" in listed
    assert "侨务政策培训" not in client.get(reverse("training:list"), {"region": "530424"}).content.decode()


def test_a_person_page_shows_volunteer_registrations_and_trainings_attended(tonghai, training, tonghai_official, client_for,
                                                                           admin_user):
    """Jiangxi 10 and 40: a registered person (侨务工作对象) who volunteers and attends training shows both on their
    census page, through a link kept on the census side to their volunteer record (orgs never imports census)."""
    person = person_create(editor=admin_user, name="周志愿", id_number=_id_number(region("530423"), 51), category="relative",
                           region=region("530423"))
    volunteer = volunteer_add(organization=tonghai, actor=tonghai_official, name="周志愿", joined_on=YESTERDAY)
    attendance_add(training=training, actor=tonghai_official, role="volunteer", volunteer=volunteer)
    client = client_for(tonghai_official)
    url = reverse("census:person-detail", args=[person.pk])
    assert f'value="V{volunteer.pk}"' in client.get(url).content.decode()  # offered: the same name
    client.post(reverse("census:person-record-link", args=[person.pk]), {"record": f"V{volunteer.pk}"})
    assert PersonRecordLink.objects.filter(person=person, volunteer=volunteer).exists()
    page = client.get(url).content.decode()
    assert 'data-testid="person-training"' in page and "侨务政策培训" in page and "通海县侨联" in page
    other = volunteer_add(organization=tonghai, actor=tonghai_official, name="别人", joined_on=YESTERDAY)
    with pytest.raises(ValidationError):
        person_record_link(person=person, editor=tonghai_official, record=f"V{other.pk}")


# ---- API ---------------------------------------------------------------------------------------------------------


def test_the_api_writes_through_the_services(tonghai, training, tonghai_official, api_client_for):
    """Jiangxi 40 / Yuxi 三(五) through the API: the same refusals (future dates, the same person twice) as the pages."""
    api = api_client_for(tonghai_official)
    future = (TODAY + dt.timedelta(days=1)).isoformat()
    refused = api.post("/api/trainings/", {"organizer": tonghai.pk, "held_on": future, "topic": "明日", "hours": "1"},
                       format="json")
    assert refused.status_code == 400 and "held_on" in refused.json()
    url = f"/api/trainings/{training.pk}/attendances/"
    assert api.post(url, {"role": "cadre", "name": "接口学员"}, format="json").status_code == 201
    assert api.post(url, {"role": "cadre", "name": "接口学员"}, format="json").status_code == 400
    created = api.post("/api/volunteers/", {"organization": tonghai.pk, "name": "接口志愿者", "phone": "13912345678",
                                            "joined_on": YESTERDAY.isoformat()}, format="json")
    assert created.status_code == 201 and created.json()["phone_masked"] == "139****5678" and "phone" not in created.json()
