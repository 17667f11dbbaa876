"""The judged walk: 通海县侨联 founded from its gap row, every step by the right user (tonghai_official for
the county's steps, yuxi_staff for the superior's answer and the filing confirmation), until the gap turns
satisfied. Screenshots of every step: tests/artifacts/founding-*.png."""
from __future__ import annotations

import pytest
from django.conf import settings

from tests.browser.conftest import TIMEOUT_MS, VIEWPORT, text_of

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def coverage_data(demo_data):
    """Policies, the demo organizations (no 通海县侨联) and the coverage of 玉溪市, committed."""
    from census.coverage.services import evaluate_coverage, policies_load
    from orgs.regions.models import Region
    from qiaolian.demo.organizations import demo_organizations_create

    policies_load()
    demo_organizations_create()
    evaluate_coverage(Region.objects.get(code="530400"))


def signed_in(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.goto("/accounts/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", settings.DEMO_PASSWORD)
    tab.click("form button[type=submit]")
    tab.wait_for_load_state()
    return tab


def take_step(tab, action: str, *, document=None):
    form = tab.get_by_test_id("step-form")
    form.locator("select[name=action]").select_option(action)
    form.locator("textarea[name=note]").fill(f"演示：{action}")
    if document:
        form.locator("input[type=file]").set_input_files(document)
    form.get_by_test_id("step-submit").click()
    tab.wait_for_load_state()
    assert tab.locator(".alert--success").count() == 1, text_of(tab.locator("main"))


def offered(tab) -> list[str]:
    form = tab.get_by_test_id("step-form")
    if form.count() == 0:
        return []
    return [o.get_attribute("value") for o in form.locator("select[name=action] option").all() if o.get_attribute("value")]


def gap_row(tab):
    tab.goto("/census/coverage/gaps/?region=530423&level=county&verdict=required")
    return tab.locator("[data-testid=gap-row][data-place=通海县]")


def test_found_tonghai_federation_from_its_gap(chromium_browser, live_server, coverage_data, screenshot, tmp_path):
    plan = tmp_path / "通海县侨联成立工作方案.pdf"
    plan.write_bytes(PDF)
    county = signed_in(chromium_browser, live_server, "tonghai_official")
    row = gap_row(county)
    assert row.get_attribute("data-status") == "missing"
    screenshot(county, "founding-01-gap-missing")

    row.get_by_test_id("start-founding").click()
    county.wait_for_url("**/organizations/new/?region=530423")
    assert county.locator("#id_name").input_value() == "通海县侨联"
    assert county.locator("#id_kind").input_value() == "county"
    screenshot(county, "founding-02-create-form")
    county.get_by_role("button", name="列入成立计划").click()
    county.wait_for_url("**/organizations/*/")
    detail_url = county.url
    assert text_of(county.get_by_test_id("status")) == "计划成立"
    assert offered(county) == ["start_drafting", "abandon"]
    screenshot(county, "founding-03-planned")

    take_step(county, "start_drafting", document=str(plan))
    assert county.get_by_test_id("timeline").get_by_role("link").count() == 1  # the plan, downloadable
    take_step(county, "submit_consultation")
    assert text_of(county.get_by_test_id("status")) == "征求上级侨联意见"
    assert offered(county) == [] and "玉溪市" in text_of(county.get_by_test_id("step-wait"))
    screenshot(county, "founding-04-consulting-county-waits")

    city = signed_in(chromium_browser, live_server, "yuxi_staff")
    city.goto(detail_url)
    assert offered(city) == ["agree_consultation", "return_consultation", "dissolve"]
    screenshot(city, "founding-05-city-answers")
    take_step(city, "agree_consultation")
    assert text_of(city.get_by_test_id("status")) == "征求上级侨联意见"

    county.goto(detail_url)
    assert offered(county) == ["record_approval"]
    take_step(county, "record_approval")
    take_step(county, "hold_congress")
    take_step(county, "submit_filing")
    assert text_of(county.get_by_test_id("status")) == "报上级侨联备案"
    assert offered(county) == []
    screenshot(county, "founding-06-filed")
    assert gap_row(county).get_attribute("data-status") == "under_way"
    screenshot(county, "founding-07-gap-under-way")

    city.goto(detail_url)
    assert offered(city) == ["confirm_filing", "return_filing", "dissolve"]
    take_step(city, "confirm_filing")
    assert text_of(city.get_by_test_id("status")) == "已成立"
    done = city.locator("[data-testid=timeline] [data-state=done]").count()
    assert done == 6 and city.locator("[data-testid=timeline] [data-state=current]").count() == 1
    screenshot(city, "founding-08-active")

    assert gap_row(city).get_attribute("data-status") == "satisfied"
    screenshot(city, "founding-09-gap-satisfied")
    city.goto("/regions/530400/")
    screenshot(city, "founding-10-yuxi-rollup")
    city.goto("/regions/530423/")
    assert "通海县侨联" in text_of(city.get_by_test_id("organizations-panel"))
    screenshot(city, "founding-11-tonghai-region-panel")
    city.goto("/organizations/?region=530400")
    rows = text_of(city.get_by_test_id("organizations"))
    assert "通海县侨联" in rows and "河西镇侨联" in rows and "双江街道侨联" in rows
    screenshot(city, "founding-12-organization-list")
    city.context.close()
    county.context.close()


def test_an_active_federation_shows_its_parts(chromium_browser, live_server, coverage_data, screenshot):
    """双江街道侨联 of the demo: leaders, 侨胞之家 at 五有达标 with its evidence, networks, activities; a new
    activity logged through the page."""
    from orgs.organizations.models import Organization

    org = Organization.objects.get(name="双江街道侨联")
    city = signed_in(chromium_browser, live_server, "yuxi_staff")
    city.goto(f"/organizations/{org.pk}/")
    assert text_of(city.get_by_test_id("standing")) == "五有达标"
    assert city.locator("[data-testid=five] .five__item--met").count() == 5
    assert "李华侨" in text_of(city.get_by_test_id("leaders"))
    assert "示范单位" in text_of(city.get_by_test_id("home"))
    screenshot(city, "founding-13-active-federation")
    city.get_by_text("登记活动").click()
    form = city.locator("form[action$='/activities/']")
    form.locator("select[name=duty]").select_option("welfare")
    form.locator("input[name=title]").fill("重阳节走访空巢老人")
    form.locator("input[name=held_on]").fill("2026-10-29")
    form.locator("input[name=participants]").fill("9")
    form.locator("input[name=visits_empty_nest_elderly]").check()
    form.get_by_role("button", name="登记").click()
    city.wait_for_load_state()
    assert "重阳节走访空巢老人" in text_of(city.get_by_test_id("activities"))
    screenshot(city, "founding-14-activity-logged")
    city.context.close()
