"""Pages and API of tasks: scope, ordering (overdue first), filters, set-based queries, the status form's
errors, the inbox and its unread count in the header."""
import datetime

import pytest

from tasks.notifications.models import Notification
from tasks.plans.models import Task, TaskStatus
from tasks.reminders.services import reminders_send


@pytest.mark.django_db
def test_board_scoped_overdue_first_and_set_based(yuxi_plan, client_for, tonghai_official, django_assert_max_num_queries):
    client = client_for(tonghai_official)
    with django_assert_max_num_queries(16):  # constant: session, scope, summary, count, page, three choice lists
        response = client.get("/tasks/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "成立通海县侨联" in body and "成立华宁县侨联" not in body and "成立江川区侨联" not in body
    assert body.index("逾期") < body.index("成立通海县侨联")
    response = client.get("/tasks/", {"overdue": "true", "milestone": yuxi_plan.milestones.get(key="county").pk})
    rows = response.context["page"].object_list
    assert [t.title for t in rows] == ["成立通海县侨联"]
    # the 责任人 filter names people, not their logins
    choices = dict(response.context["filter"].form.fields["responsible"].choices)
    assert choices[tonghai_official.pk] == (tonghai_official.get_full_name() or tonghai_official.username)
    assert tonghai_official.get_full_name() and tonghai_official.username not in choices.values()


@pytest.mark.django_db
def test_board_for_the_city_lists_every_county(yuxi_plan, client_for, yuxi_staff, django_assert_max_num_queries):
    client = client_for(yuxi_staff)
    with django_assert_max_num_queries(16):
        response = client.get("/tasks/", {"county": "530424"})
    titles = {t.title for t in response.context["page"].object_list}
    assert titles == {"成立华宁县侨联", "报送华宁县侨联组织建设计划和联络员"}
    assert response.context["page"].object_list[0].title == "成立华宁县侨联"  # overdue before done


@pytest.mark.django_db
def test_timeline_shows_progress(yuxi_plan, client_for, yuxi_staff):
    response = client_for(yuxi_staff).get("/tasks/timeline/")
    progress = {p.milestone.key: p for p in response.context["progress"] if p.milestone.plan_id == yuxi_plan.pk}
    assert (progress["report"].done, progress["report"].total) == (9, 9)
    assert (progress["county"].done, progress["county"].total) == (0, 6)
    assert progress["county"].days_late > 0
    assert "已完成 9 / 9" in response.content.decode()


@pytest.mark.django_db
def test_done_without_evidence_is_refused_with_a_clear_message(yuxi_plan, client_for, tonghai_official):
    task = Task.objects.get(plan=yuxi_plan, title="成立通海县侨联")
    response = client_for(tonghai_official).post(f"/tasks/{task.pk}/", {"action": "status", "status": "done"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "标记完成须填写完成日期" in body and "标记完成须填写完成佐证或上传佐证材料" in body
    task.refresh_from_db()
    assert task.status == TaskStatus.TODO
    response = client_for(tonghai_official).post(f"/tasks/{task.pk}/", {
        "action": "status", "status": "done", "completed_on": "2022-12-20", "evidence": "批复"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert "待办 → 已完成" in client_for(tonghai_official).get(f"/tasks/{task.pk}/").content.decode()


@pytest.mark.django_db
def test_my_tasks_and_inbox_with_unread_count(yuxi_plan, client_for, tonghai_official, django_assert_max_num_queries):
    reminders_send(today=datetime.date(2022, 12, 30))
    client = client_for(tonghai_official)
    mine = client.get("/tasks/mine/")
    assert {t.title for t in mine.context["page"].object_list} >= {"成立通海县侨联", "河西镇成立基层侨联组织"}
    with django_assert_max_num_queries(12):
        inbox = client.get("/tasks/inbox/")
    body = inbox.content.decode()
    assert 'data-testid="inbox-unread"' in body and "任务提醒 2022-12-30：5 项任务需要关注" in body
    client.post("/tasks/inbox/", {"action": "read"})
    assert not Notification.objects.filter(user=tonghai_official, read_at__isnull=True).exists()
    assert 'data-testid="inbox-unread"' not in client.get("/tasks/inbox/").content.decode()
    client.post("/tasks/inbox/", {"action": "preference", "channel": "inbox"})
    tonghai_official.account.refresh_from_db()
    assert tonghai_official.account.notify_channel == "inbox"


@pytest.mark.django_db
def test_header_unread_count_is_absent_for_anonymous(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200 and "inbox-unread" not in response.content.decode()


@pytest.mark.django_db
def test_api_task_filters_scope_and_queries(yuxi_plan, api_client_for, tonghai_official, yuxi_staff, django_assert_max_num_queries):
    api = api_client_for(yuxi_staff)
    with django_assert_max_num_queries(10):
        data = api.get("/api/tasks/", {"overdue": "true", "region": "530423"}).json()
    rows = data["results"] if isinstance(data, dict) else data
    assert {r["title"] for r in rows} == {"成立通海县侨联", "河西镇成立基层侨联组织", "纳古镇成立基层侨联组织",
                                          "大回村村委会成立基层侨联组织", "小回村村委会成立基层侨联组织"}
    assert all(r["overdue"] and r["days_left"] < 0 for r in rows)
    mine = api.get("/api/tasks/", {"responsible": tonghai_official.pk, "status": "done"}).json()
    mine = mine["results"] if isinstance(mine, dict) else mine
    assert [r["title"] for r in mine] == ["报送通海县侨联组织建设计划和联络员"]
    own = api_client_for(tonghai_official).get("/api/tasks/").json()
    own = own["results"] if isinstance(own, dict) else own
    assert {r["region_code"][:6] for r in own} == {"530423"}
    plans = api_client_for(tonghai_official).get("/api/plans/").json()
    plans = plans["results"] if isinstance(plans, dict) else plans
    assert [p["key"] for p in plans] == ["yuxi-2020"]  # the city plan covers the county; Jiangxi does not
    schema = api.get("/api/schema/").content.decode()
    for path in ("/api/plans/", "/api/milestones/", "/api/tasks/", "/api/notifications/"):
        assert path in schema


@pytest.mark.django_db
def test_create_page_assigns_and_notifies_and_refuses_foreign_regions(yuxi_plan, client_for, yuxi_staff, tonghai_official,
                                                                       yuxi_leader):
    client = client_for(yuxi_staff)
    body = {"plan": yuxi_plan.pk, "title": "走访归侨", "region": "530423", "deadline": "2030-03-01",
            "responsible_unit": "通海县侨联", "responsible_users": [tonghai_official.pk], "contacts": "李四 通海县侨联办公室\n王五"}
    response = client.post("/tasks/new/", body)
    task = Task.objects.get(title="走访归侨")
    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    assert task.responsible_contacts == [{"name": "李四", "contact": "通海县侨联办公室"}, {"name": "王五", "contact": ""}]
    # a phone or document number in the list (shown to everyone who sees the task) is refused, with what to do instead
    phone = client.post("/tasks/new/", {**body, "title": "带电话", "contacts": "张三 139-1234-5678"})
    assert phone.status_code == 400 and "第 1 位责任人：不能填写电话或证件号码" in phone.content.decode()
    assert "5678" not in phone.content.decode().split("第 1 位责任人")[1][:200] and not Task.objects.filter(title="带电话").exists()
    assert Notification.objects.filter(user=tonghai_official, title="新任务：走访归侨").exists()
    refused = client_for(tonghai_official).post("/tasks/new/", {**body, "title": "越界", "region": "530424"})
    assert refused.status_code == 400 and "区划代码 530424 不存在或不在您可管理的范围内" in refused.content.decode()
    assert not Task.objects.filter(title="越界").exists()
    assert client_for(yuxi_leader).get("/tasks/new/").status_code == 403


@pytest.mark.django_db
def test_completed_task_links_to_its_organization(yuxi_plan, client_for, tonghai_official):
    from orgs.organizations.models import Organization
    from orgs.regions.models import Region
    from tasks.plans.services import tasks_complete_for_organization

    org = Organization.objects.create(name="通海县侨联", kind="county", region=Region.objects.get(code="530423"), status="active")
    [task] = tasks_complete_for_organization(organization=org)
    body = client_for(tonghai_official).get(f"/tasks/{task.pk}/").content.decode()
    assert f'href="/organizations/{org.pk}/"' in body and "已完成" in body


@pytest.mark.django_db
def test_generate_link_only_for_the_plans_writers(yuxi_plan, client_for, yuxi_staff, tonghai_official):
    milestone = yuxi_plan.milestones.get(key="other-areas")
    generate_url = f"/tasks/milestones/{milestone.pk}/generate/"
    assert generate_url in client_for(yuxi_staff).get("/tasks/timeline/").content.decode()
    assert generate_url not in client_for(tonghai_official).get("/tasks/timeline/").content.decode()
    assert client_for(tonghai_official).post(generate_url).status_code == 403  # sees the city's plan, may not write it
    response = client_for(yuxi_staff).post(generate_url)
    assert response.status_code == 302 and response["Location"] == f"/tasks/plans/{yuxi_plan.pk}/"
