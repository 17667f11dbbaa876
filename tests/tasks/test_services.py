"""Task services: status rules, progress updates, yearly occurrences, tasks from gaps (idempotent), tasks for
places that crossed a threshold, completion when the place's organization becomes active."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from census.coverage.models import Policy, Requirement
from census.coverage.services import policies_load
from census.coverage.signals import requirement_changed
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from orgs.organizations.signals import organization_status_changed
from orgs.regions.models import Region
from tasks.notifications.models import Notification, OutboxMessage
from tasks.plans.models import Milestone, Plan, Task, TaskStatus, TaskUpdate
from tasks.plans.services import (
    recurring_tasks_ensure,
    task_create,
    task_status_change,
    task_status_validate,
    task_update_add,
    tasks_from_gaps,
)
from tests.factories import RegionFactory

D = datetime.date


def test_status_rules_without_database():
    assert task_status_validate(old="todo", new="in_progress", completed_on=None, evidence="") == {}
    errors = task_status_validate(old="in_progress", new="done", completed_on=None, evidence=" ")
    assert set(errors) == {"completed_on", "evidence"}
    assert "完成日期" in errors["completed_on"]
    assert "状态不能从“已完成”改为“进行中”" in task_status_validate(old="done", new="in_progress", completed_on=None, evidence="")["status"]
    late = task_status_validate(old="todo", new="done", completed_on=D(2030, 1, 1), evidence="x", today=D(2029, 1, 1))
    assert "2030-01-01" in late["completed_on"]


@pytest.mark.django_db
def test_done_needs_date_and_evidence_and_writes_nothing_otherwise(yuxi_plan, tonghai_official):
    task = Task.objects.get(plan=yuxi_plan, title="成立通海县侨联")
    with pytest.raises(ValidationError) as error:
        task_status_change(task=task, status=TaskStatus.DONE, actor=tonghai_official)
    assert "completed_on" in error.value.message_dict
    task.refresh_from_db()
    assert task.status == TaskStatus.TODO and task.updates.count() == 1
    task_status_change(task=task, status=TaskStatus.DONE, actor=tonghai_official, completed_on=D(2022, 12, 1),
                       evidence="县委批复文件")
    task.refresh_from_db()
    assert (task.status, task.completed_on, task.evidence) == (TaskStatus.DONE, D(2022, 12, 1), "县委批复文件")
    assert task.updates.filter(old_status="todo", new_status="done").exists()


@pytest.mark.django_db
def test_progress_update_with_attachment_moves_todo_to_in_progress(yuxi_plan, tonghai_official):
    from django.core.files.uploadedfile import SimpleUploadedFile

    task = Task.objects.get(plan=yuxi_plan, title="成立通海县侨联")
    update = task_update_add(task=task, author=tonghai_official, note="已起草方案",
                             attachment=SimpleUploadedFile("方案.pdf", b"%PDF-1.4 draft"))
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and update.attachment.name.endswith(".pdf")
    with pytest.raises(ValidationError):
        task_update_add(task=task, author=tonghai_official, note="  ")


@pytest.mark.django_db
def test_task_create_notifies_responsible_through_inbox_and_outbox(yuxi_plan, yuxi_staff, tonghai_official):
    tonghai_official.email = "th@example.org"
    tonghai_official.save()
    task = task_create(plan=yuxi_plan, title="走访侨户", region=Region.objects.get(code="530423"), deadline=D(2023, 3, 1),
                       responsible_users=[tonghai_official], responsible_contacts=[{"name": "李四", "contact": "通海县侨联办公室"}],
                       actor=yuxi_staff)
    assert Notification.objects.filter(user=tonghai_official, title__contains="走访侨户").count() == 1
    assert OutboxMessage.objects.filter(recipient=tonghai_official, status="pending").count() == 1
    assert task.contacts_display == "李四（通海县侨联办公室）"
    with pytest.raises(ValidationError, match="第 1 位责任人缺少姓名"):
        task_create(plan=yuxi_plan, title="x", region=task.region, deadline=D(2023, 3, 1), responsible_contacts=[{"contact": "1"}])
    for contact in ("0877-1234567", "１３９ １２３４ ５６７８", "身份证530402199001011234"):  # never kept in the clear
        with pytest.raises(ValidationError, match="第 2 位责任人：不能填写电话或证件号码"):
            task_create(plan=yuxi_plan, title="x", region=task.region, deadline=D(2023, 3, 1),
                        responsible_contacts=[{"name": "李四", "contact": "通海县侨联"}, {"name": "王五", "contact": contact}])


@pytest.mark.django_db
def test_jiangxi_yearly_census_tasks_roll_over(yuxi_plan):
    plan = Plan.objects.get(key="jiangxi-measures")
    counties = Region.objects.within(plan.scope_region).filter(level="county").count()
    assert Task.objects.filter(plan=plan, deadline=D(2022, 12, 31)).count() == counties > 90
    assert recurring_tasks_ensure(today=D(2022, 12, 1)) == 0  # idempotent within the period
    assert recurring_tasks_ensure(today=D(2023, 1, 1)) == counties  # the new period starts
    assert recurring_tasks_ensure(today=D(2023, 6, 1)) == 0
    task = Task.objects.filter(plan=plan, deadline=D(2023, 12, 31)).first()
    assert task.title.startswith("2023年度侨情调查")
    task_status_change(task=task, status=TaskStatus.DONE, completed_on=timezone.localdate(), evidence="调查报告")
    nxt = Task.objects.get(plan=plan, region=task.region, deadline=D(2024, 12, 31))
    assert nxt.title.startswith("2024年度侨情调查") and nxt.recurrence == "yearly"


def _requirement(region, level="village", verdict="required", status="missing"):
    return Requirement.objects.create(
        region=region, level=level, policy=Policy.objects.first(), verdict=verdict, status=status, headcount=40,
        rule=level, reason=f"{region.name}：登记对象 40 人，达到村门槛", evaluated_at=timezone.now())


@pytest.mark.django_db
def test_tasks_from_gaps_is_idempotent_and_skips_places_with_a_task(yuxi_plan):
    policies_load()
    tonghai = Region.objects.get(code="530423")
    village = RegionFactory(parent=tonghai, level="village", name="兴蒙村")
    key_village = Region.objects.get(name="大回村村委会")
    foreign = RegionFactory(parent=Region.objects.get(code="530100"), level="village", name="外市村")
    for region in (village, key_village, foreign):
        _requirement(region)
    _requirement(RegionFactory(parent=tonghai, level="village", name="已建村"), status="satisfied")
    other = Milestone.objects.get(plan=yuxi_plan, key="other-areas")
    created = tasks_from_gaps(milestone=other)
    assert [t.title for t in created] == ["兴蒙村成立村(社区)侨联组织"]
    task = created[0]
    assert list(task.responsible_users.values_list("username", flat=True)) == ["tonghai_official"]
    # worded as the plan words it (方案 二(二)), the county filled in
    assert task.responsible_unit == "通海县委统战部、通海县侨联、属地各级党组织" and "40 人" in task.description
    assert task.responsible_person == "通海县委统战部分管侨务工作副部长，通海县侨联主席，属地党组织主要负责同志"
    assert Notification.objects.get(user__username="tonghai_official").title == "新任务：兴蒙村成立村(社区)侨联组织"
    assert tasks_from_gaps(milestone=other) == []
    assert tasks_from_gaps(milestone=Milestone.objects.get(plan=yuxi_plan, key="key-areas")) == []  # CSV task exists
    assert Notification.objects.filter(user__username="tonghai_official").count() == 1
    assert Task.objects.filter(plan=yuxi_plan, place_key=f"r{village.pk}").count() == 1


@pytest.mark.django_db
def test_several_new_tasks_make_one_notice_naming_the_first_and_saying_there_are_more(yuxi_plan):
    policies_load()
    tonghai = Region.objects.get(code="530423")
    for name in ("甲村", "乙村", "丙村"):
        _requirement(RegionFactory(parent=tonghai, level="village", name=name))
    created = tasks_from_gaps(milestone=Milestone.objects.get(plan=yuxi_plan, key="other-areas"))
    assert len(created) == 3
    notice = Notification.objects.get(user__username="tonghai_official")
    assert notice.title == f"新任务 3 项：{created[0].title} 等"
    assert all(task.title in notice.body for task in created)


@pytest.mark.django_db
def test_crossing_creates_a_task_in_the_covering_plan(yuxi_plan):
    policies_load()
    village = RegionFactory(parent=Region.objects.get(code="530424"), level="village", name="新侨村")
    req = _requirement(village)
    crossing = {"region_id": village.pk, "unit_id": None, "level": "village", "old": "not_required", "new": "required",
                "requirement_id": req.pk}
    requirement_changed.send(sender=Requirement, crossings=[crossing])
    requirement_changed.send(sender=Requirement, crossings=[crossing])
    task = Task.objects.get(place_key=f"r{village.pk}")
    assert task.plan == yuxi_plan and task.milestone.key == "other-areas" and task.deadline == timezone.localdate() + datetime.timedelta(days=90)  # milestone passed
    assert list(task.responsible_users.values_list("username", flat=True)) == ["huaning_official"]
    # worded as its milestone words its tasks (方案 二(二)), the county filled in
    assert task.responsible_unit == "华宁县委统战部、华宁县侨联、属地各级党组织"
    assert task.responsible_person.startswith("华宁县委统战部分管侨务工作副部长")
    down = {**crossing, "old": "required", "new": "not_required"}
    requirement_changed.send(sender=Requirement, crossings=[down])
    assert Task.objects.filter(place_key=f"r{village.pk}").count() == 1


@pytest.mark.django_db
def test_many_crossings_cost_a_fixed_number_of_queries(yuxi_plan):
    """A census commit that crosses many places at once: no round of queries per place, one message per person."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    policies_load()
    huaning = Region.objects.get(code="530424")

    def crossings(n, prefix):
        villages = [RegionFactory(parent=huaning, level="village", name=f"{prefix}{i}村") for i in range(n)]
        return villages, [{"region_id": v.pk, "unit_id": None, "level": "village", "old": "not_required",
                           "new": "required", "requirement_id": _requirement(v).pk} for v in villages]

    few, few_crossings = crossings(2, "少")
    many, many_crossings = crossings(6, "多")
    before = Notification.objects.filter(user__username="huaning_official").count()
    with CaptureQueriesContext(connection) as small:
        requirement_changed.send(sender=Requirement, crossings=few_crossings)
    with CaptureQueriesContext(connection) as large:
        requirement_changed.send(sender=Requirement, crossings=many_crossings)
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert Task.objects.filter(plan=yuxi_plan, place_key__in=[f"r{v.pk}" for v in few + many]).count() == 8
    assert Notification.objects.filter(user__username="huaning_official").count() == before + 2


@pytest.mark.django_db
def test_active_organization_completes_the_place_task(yuxi_plan, tonghai_official):
    tonghai = Region.objects.get(code="530423")
    org = Organization.objects.create(name="通海县侨联", kind=OrganizationKind.COUNTY, region=tonghai,
                                      status=OrganizationStatus.FILED)
    association = Organization.objects.create(name="通海侨商会", kind=OrganizationKind.ASSOCIATION, region=tonghai,
                                              status=OrganizationStatus.ACTIVE)
    organization_status_changed.send(sender=Organization, organization=association, old_status="filed",
                                     new_status="active", actor=tonghai_official, step=None)
    task = Task.objects.get(plan=yuxi_plan, title="成立通海县侨联")
    assert task.status == TaskStatus.TODO  # an association does not fulfil a county federation
    org.status = OrganizationStatus.ACTIVE
    org.save()
    organization_status_changed.send(sender=Organization, organization=org, old_status="filed", new_status="active",
                                     actor=tonghai_official, step=None)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.target_organization == org and task.completed_on
    assert "通海县侨联已成立" in task.evidence
    assert TaskUpdate.objects.filter(task=task, kind="auto", new_status="done").exists()
    # The key-area tasks of the county are other places: still open.
    assert Task.objects.filter(plan=yuxi_plan, title="河西镇成立基层侨联组织", status="todo").exists()


@pytest.mark.django_db
def test_founding_procedure_through_the_orgs_service_completes_the_task(yuxi_plan, tonghai_official, yuxi_staff,
                                                                        django_capture_on_commit_callbacks):
    from orgs.organizations.services import organization_create, organization_transition

    today = timezone.localdate()
    tonghai = Region.objects.get(code="530423")
    org = organization_create(actor=tonghai_official, name="通海县侨联", kind=OrganizationKind.COUNTY, region=tonghai)
    from tests.orgs.test_founding import payload

    steps = [("start_drafting", tonghai_official), ("submit_consultation", tonghai_official),
             ("agree_united_front", yuxi_staff), ("agree_consultation", yuxi_staff), ("record_approval", tonghai_official),
             ("submit_candidates", tonghai_official), ("agree_candidates", yuxi_staff), ("hold_congress", tonghai_official),
             ("submit_filing", tonghai_official)]
    for action, actor in steps:
        organization_transition(organization=org, action=action, actor=actor, date=today, **payload(org, action))
    task = Task.objects.get(plan=yuxi_plan, title="成立通海县侨联")
    assert task.status == TaskStatus.TODO
    with django_capture_on_commit_callbacks(execute=True):
        organization_transition(organization=org, action="confirm_filing", actor=yuxi_staff, date=today)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.target_organization_id == org.pk and task.completed_on == today
    assert task.updates.filter(kind="auto", author=yuxi_staff).exists()
