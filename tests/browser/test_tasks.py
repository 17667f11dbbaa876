"""Plans and tasks in the browser: the board (overdue first), task detail with a progress report and completion,
the milestone timeline, and the inbox with its unread count in the header."""
from __future__ import annotations

import datetime

import pytest

from tests.browser.conftest import text_of

pytestmark = pytest.mark.browser


@pytest.fixture
def yuxi_tasks(demo_data):
    from qiaolian.demo.plans import demo_plans_load
    from tasks.reminders.services import reminders_send

    demo_plans_load(today=datetime.date(2022, 11, 1))
    # A fixed day, one day after the 2022-12-31 deadlines: the responsible persons get their overdue digest. (On
    # today's date the digests follow the weekly cadence for long-overdue tasks, and some days bring none.)
    reminders_send(today=datetime.date(2023, 1, 1))


def test_county_official_works_a_task_from_board_to_done(page, login, screenshot, yuxi_tasks):
    login(page, "tonghai_official")
    page.goto("/tasks/")
    unread = page.get_by_test_id("inbox-unread")
    assert unread.count() == 0 or int(unread.inner_text()) >= 0
    first = page.locator("[data-testid=tasks] tbody tr").first
    assert "逾期" in text_of(first)
    assert "华宁" not in text_of(page.get_by_test_id("tasks"))
    screenshot(page, "tasks_board_tonghai")

    page.get_by_role("link", name="成立通海县侨联").click()
    page.get_by_test_id("update-form").locator("textarea").fill("已起草县侨联成立方案，报县委审批")
    page.get_by_test_id("update-form").locator("input[type=file]").set_input_files(
        files=[{"name": "方案.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 draft"}])
    page.get_by_test_id("update-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "进展已记录" in page.content()
    assert "已起草县侨联成立方案" in text_of(page.get_by_test_id("history"))

    status = page.get_by_test_id("status-form")
    status.locator("select").select_option("done")
    status.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "标记完成须填写完成日期" in page.content()
    status = page.get_by_test_id("status-form")
    status.locator("select").select_option("done")
    status.locator("input[type=date]").fill(datetime.date.today().isoformat())
    status.locator("textarea").fill("县委批复（通委〔2022〕1号）")
    status.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已完成" in text_of(page.locator(".page-head"))
    screenshot(page, "tasks_detail_done")


def test_timeline_and_inbox(page, login, screenshot, yuxi_tasks):
    login(page, "yuxi_staff")
    page.goto("/tasks/timeline/")
    timeline = text_of(page.get_by_test_id("timeline"))
    assert "县级侨联组织全覆盖" in timeline and "已完成 0 / 6" in timeline and "已完成 9 / 9" in timeline
    screenshot(page, "tasks_timeline")

    page.goto("/tasks/")
    page.get_by_test_id("task-create").click()
    form = page.get_by_test_id("task-form")
    form.locator("#id_title").fill("走访华宁县归侨侨眷")
    form.locator("#id_region").fill("530424")
    form.locator("#id_deadline").fill("2030-03-01")
    form.locator("#id_responsible_unit").fill("华宁县侨联")
    form.locator("#id_responsible_users").select_option(label="华宁县统战部干部（huaning_official）")
    form.locator("#id_contacts").fill("李四 华宁县侨联办公室")
    screenshot(page, "tasks_create_form")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "任务已创建，已通知责任人" in page.content()
    assert "李四（华宁县侨联办公室）" in text_of(page.locator(".facts"))

    page.context.clear_cookies()
    login(page, "tonghai_official")
    page.goto("/tasks/inbox/")
    assert int(page.get_by_test_id("inbox-unread").inner_text()) >= 1
    assert "任务提醒" in text_of(page.get_by_test_id("inbox"))
    screenshot(page, "tasks_inbox")
    page.get_by_test_id("mark-all-read").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("inbox-unread").count() == 0
