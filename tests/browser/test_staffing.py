"""Issue 17 §2 in the browser: a 通海县 official records 河西镇侨联's office request (河西镇 is a key township), names the
统战部 section while there is no office and adds a post; the organization list flags a village federation that names
no daily-affairs cadre. Screenshots: tests/artifacts/staffing-*.png."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import text_of

pytestmark = pytest.mark.browser


def test_a_county_official_keeps_the_office_and_staff_of_a_key_township(page, login, screenshot, demo_data):
    from orgs.organizations.models import Organization
    from orgs.regions.models import Region

    hexi = Region.objects.get(parent__code="530423", name="河西镇")
    organization = Organization.objects.create(name="河西镇侨联", kind="township", region=hexi, status="active",
                                               responsible_leader="河西镇党委副书记", responsible_leader_is_returned=True,
                                               daily_affairs_cadre="河西镇统战委员")
    village = Region.objects.get(parent__code="530423", name="大回村村委会")
    Organization.objects.create(name="大回村侨联", kind="village", region=village, status="active", responsible_leader="村支书")

    login(page, "tonghai_official")
    page.goto(f"/organizations/{organization.pk}/#staffing")
    section = page.get_by_test_id("staffing")
    assert text_of(section.get_by_test_id("office-status")) == "未申请"
    assert "归侨侨眷" in text_of(section.get_by_test_id("responsible-leader"))
    assert "优先考虑" in text_of(section.get_by_test_id("daily-affairs-cadre"))

    section.locator("summary", has_text="办理机构登记").click()
    form = section.locator("details[open] form")
    form.locator("select[name=action]").select_option("request_office")
    form.locator("input[name=date]").fill((dt.date.today() - dt.timedelta(days=3)).isoformat())
    form.locator("textarea[name=note]").fill("向县委编办申请设立侨联办事机构")
    form.get_by_role("button", name="办理").click()
    page.wait_for_load_state()
    section = page.get_by_test_id("staffing")
    assert text_of(section.get_by_test_id("office-status")) == "已申请设立办事机构"

    section.locator("summary", has_text="指定负责日常工作的统战部科室").click()
    form = section.locator("details[open] form")
    form.locator("input[name=responsible_section]").fill("县委统战部侨务科")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()

    section = page.get_by_test_id("staffing")
    section.locator("summary", has_text="添加岗位").click()
    form = section.locator("details[open] form")
    form.locator("input[name=title]").fill("侨务专干")
    form.locator("input[name=holder]").fill("陈侨眷")
    form.locator("select[name=employment]").select_option("full_time")
    form.locator("select[name=funding]").select_option("public_welfare")
    form.locator("input[name=is_returned_or_relative]").check()
    form.get_by_role("button", name="添加").click()
    page.wait_for_load_state()
    section = page.get_by_test_id("staffing")
    assert text_of(section.get_by_test_id("responsible-section")) == "县委统战部侨务科"
    assert text_of(section.get_by_test_id("staff-post")).startswith("侨务专干 陈侨眷 专职 公益性岗位 ✓")
    section.scroll_into_view_if_needed()
    screenshot(page, "staffing-01-organization-page")

    page.goto("/organizations/?responsible=missing")
    rows = page.get_by_test_id("organization-row")
    assert rows.count() == 1 and "大回村侨联" in text_of(rows.first) and "缺负责人" in text_of(rows.first)
    screenshot(page, "staffing-02-list-missing")
