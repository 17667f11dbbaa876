"""The dashboard as each role sees it (screenshots tests/artifacts/dashboard-*.png), the drill-down to a
county, a report requested and downloaded from the page; leadership sees no write buttons and a write
sent as leadership is refused."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import text_of

pytestmark = pytest.mark.browser


@pytest.fixture
def report_world(demo_data):
    from tests.reports.factories import yuxi_world

    return yuxi_world()


def headline(page, level: str) -> tuple[int, int]:
    return int(page.get_by_test_id(f"level-{level}-founded").inner_text()), int(page.get_by_test_id(f"level-{level}-required").inner_text())


@pytest.mark.parametrize(("username", "title", "county"), [
    ("admin", "全国", None),
    ("yuxi_staff", "玉溪市", (3, 9)),
    ("tonghai_official", "通海县", (0, 1)),
    ("yuxi_leader", "玉溪市", (3, 9)),
])
def test_dashboard_for_each_role(page, login, screenshot, report_world, username, title, county):
    login(page, username)
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text().startswith(title)
    assert page.get_by_test_id("map").locator("svg").count() == 1
    if county is not None:
        assert headline(page, "county") == county
    page.wait_for_timeout(200)
    screenshot(page, f"dashboard-{username}")
    writes = page.get_by_test_id("write-action").count()
    assert writes == (0 if username == "yuxi_leader" else 1)


def test_city_staff_drills_down_to_a_county(page, login, screenshot, report_world):
    login(page, "yuxi_staff")
    page.get_by_test_id("areas").get_by_role("link", name="通海县", exact=True).click()
    page.wait_for_url("**/dashboard/530423/")
    assert page.locator("h1").inner_text().startswith("通海县")
    assert headline(page, "county") == (0, 1)
    assert "通海县侨联" in text_of(page.get_by_test_id("overdue"))
    screenshot(page, "dashboard-drilldown-tonghai")
    page.get_by_test_id("breadcrumb").get_by_role("link", name="玉溪市").click()
    page.wait_for_url("**/dashboard/530400/")
    page.get_by_test_id("map").locator('a[href="/dashboard/530424/"] circle').click()  # a dot of the map
    page.wait_for_url("**/dashboard/530424/")
    assert page.locator("h1").inner_text().startswith("华宁县")


@pytest.mark.usefixtures("eager_celery")
def test_leadership_requests_a_report_but_cannot_write(page, login, screenshot, report_world):
    login(page, "yuxi_leader")
    page.get_by_test_id("report-link").click()
    page.wait_for_url("**/reports/**")
    page.select_option("#id_format", "xlsx")
    page.get_by_role("button", name="生成报告").click()
    page.wait_for_url("**/reports/")
    jobs = page.get_by_test_id("jobs")
    assert "已完成" in text_of(jobs)
    with page.expect_download() as download:
        jobs.get_by_role("link", name="下载").first.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    screenshot(page, "dashboard-reports-leader")
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    response = page.request.post("/census/persons/new/", form={"csrfmiddlewaretoken": token, "name": "领导新增"},
                                 headers={"Referer": page.url, "X-CSRFToken": token})
    assert response.status == 403
    api = page.request.post("/api/persons/", data={"name": "领导新增"}, headers={"X-CSRFToken": token, "Referer": page.url})
    assert api.status == 403 and re.search("只读", api.text())
