"""Pages and API lists cost a fixed number of queries, whatever the number of rows (no query per row)."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.regions.models import Region
from tasks.notifications.models import Notification
from tasks.plans.models import Task, TaskUpdate
from tasks.reports.models import ReportJob

PAGES = ("/tasks/", "/tasks/mine/", "/tasks/timeline/", "/tasks/inbox/", "/reports/", "/api/tasks/", "/api/plans/",
         "/api/milestones/", "/api/notifications/", "/api/reports/")


def _grow(task, user, n):
    TaskUpdate.objects.bulk_create([TaskUpdate(task=task, author=user, note=f"进展{i}") for i in range(n)])
    Notification.objects.bulk_create([Notification(user=user, title=f"消息{i}") for i in range(n)])
    region = Region.objects.get(code="530423")
    ReportJob.objects.bulk_create([ReportJob(region=region, format="pdf", as_of=datetime.date(2026, 1, 1), requested_by=user)
                                   for _ in range(n)])
    for _i, other in enumerate(Task.objects.filter(region__code__startswith="530423")[:n]):
        other.responsible_users.add(user)


def _counts(client, urls):
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(ctx.captured_queries)
    return counts


@pytest.mark.django_db
def test_lists_and_task_page_do_not_grow_with_rows(yuxi_plan, client_for, api_client_for, tonghai_official):
    task = Task.objects.get(plan=yuxi_plan, title="成立通海县侨联")
    urls = (*PAGES, f"/tasks/{task.pk}/")
    _grow(task, tonghai_official, 2)
    web, api = client_for(tonghai_official), api_client_for(tonghai_official)
    few = {**_counts(web, [u for u in urls if not u.startswith("/api/")]), **_counts(api, [u for u in urls if u.startswith("/api/")])}
    _grow(task, tonghai_official, 20)
    many = {**_counts(web, [u for u in urls if not u.startswith("/api/")]), **_counts(api, [u for u in urls if u.startswith("/api/")])}
    assert many == few
    assert max(few.values()) <= 20, few
