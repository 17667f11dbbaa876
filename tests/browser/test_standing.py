"""Issue 17 §4 in the browser: 玉溪市 staff write the city's scoring sheet (items and grade thresholds typed as data) and
assess 通海县侨联 from its page; 通海县's own official sees the result and no form (a county cannot assess its own county
federation). Screenshots: tests/artifacts/standing-*.png."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import text_of

pytestmark = pytest.mark.browser


def test_the_city_assesses_a_county_federation_on_its_own_sheet(page, login, screenshot, demo_data):
    from orgs.organizations.models import Organization
    from orgs.regions.models import Region

    tonghai = Organization.objects.create(name="通海县侨联", kind="county", region=Region.objects.get(code="530423"), status="active")
    year = dt.date.today().year

    login(page, "yuxi_staff")
    page.goto("/assessments/sheets/new/")
    form = page.get_by_test_id("sheet-form")
    form.locator("input[name=year]").fill(str(year))
    form.locator("input[name=name]").fill("玉溪市侨联年度督查考核评分表")
    form.locator("textarea[name=items]").fill("组织建设|30\n阵地建设|25\n队伍建设|20\n活动开展|25")
    screenshot(page, "standing-01-sheet-form")
    page.get_by_test_id("sheet-submit").click()
    page.wait_for_load_state()
    assert "优秀" in text_of(page.get_by_test_id("sheet-grades"))

    page.goto(f"/organizations/{tonghai.pk}/")
    page.get_by_test_id("assessment-link").click()
    page.wait_for_load_state()
    inputs = page.get_by_test_id("assessment-form").locator("input[type=number]")
    for i, value in enumerate(("28", "22", "18", "24")):
        inputs.nth(i).fill(value)
    page.get_by_test_id("assessment-submit").click()
    page.wait_for_load_state()
    assert text_of(page.get_by_test_id("assessment-total")) == "92.0"
    assert text_of(page.get_by_test_id("assessment-grade")) == "优秀"
    screenshot(page, "standing-02-assessment")

    page.goto(f"/organizations/{tonghai.pk}/")
    assert "92.0" in text_of(page.get_by_test_id("yearly-assessments"))

    page.context.clear_cookies()
    login(page, "tonghai_official")
    page.goto(f"/assessments/organizations/{tonghai.pk}/")
    assert page.get_by_test_id("assessment-form").count() == 0
    assert "由上级侨联录入" in text_of(page.get_by_test_id("assessment-readonly"))
