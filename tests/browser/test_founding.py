"""The judged walk: 通海县侨联 founded from its gap row, every step by the right user (tonghai_official for
the county's steps, yuxi_staff for the answers of 玉溪市委统战部 and 玉溪市侨联, the candidate list's agreement and the
filing confirmation), until the gap turns satisfied. Screenshots: tests/artifacts/founding-*.png and /tmp/founding-*.png."""
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


def shot(screenshot, tab, name: str) -> None:
    """A full-page screenshot in tests/artifacts/ and, for the README walk, as /tmp/<name>.png."""
    screenshot(tab, name)
    tab.screenshot(path=f"/tmp/{name}.png", full_page=True)


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


def answer_states(tab) -> dict[str, str]:
    answers = tab.get_by_test_id("consultation").get_by_test_id("answer")
    return {a.get_attribute("data-body"): a.get_attribute("data-state") for a in answers.all()}


def gap_row(tab):
    tab.goto("/census/coverage/gaps/?region=530423&level=county&verdict=required")
    return tab.locator("[data-testid=gap-row][data-place=通海县]")


CANDIDATES = (("李华侨", "chair", "part_time", True), ("王侨眷", "vice_chair", "part_time", True),
              ("张干部", "secretary_general", "full_time", False))


def test_found_tonghai_federation_from_its_gap(chromium_browser, live_server, coverage_data, screenshot, tmp_path):
    """The README walk (Yuxi 三(一), 二(一)): 通海县侨联 from its gap row through the answers of 玉溪市委统战部 and 玉溪市侨联,
    the party approval, the candidate list agreed by 玉溪市侨联, the congress whose elected become the leading body,
    and the filing confirmed by 玉溪市侨联; 通海县's steps by tonghai_official, the city's answers by yuxi_staff."""
    plan = tmp_path / "通海县侨联成立工作方案.pdf"
    plan.write_bytes(PDF)
    reply = tmp_path / "玉溪市委统战部复函.pdf"
    reply.write_bytes(PDF)
    county = signed_in(chromium_browser, live_server, "tonghai_official")
    row = gap_row(county)
    assert row.get_attribute("data-status") == "missing"
    shot(screenshot, county, "founding-01-gap-missing")

    row.get_by_test_id("start-founding").click()
    county.wait_for_url("**/organizations/new/?region=530423")
    assert county.locator("#id_name").input_value() == "通海县侨联"
    assert county.locator("#id_kind").input_value() == "county"
    county.get_by_role("button", name="列入成立计划").click()
    county.wait_for_url("**/organizations/*/")
    detail_url = county.url
    assert text_of(county.get_by_test_id("status")) == "计划成立"
    assert text_of(county.get_by_test_id("superior")) == "玉溪市侨联"  # not a 通海县侨联 above itself
    assert offered(county) == ["start_drafting", "abandon"]
    shot(screenshot, county, "founding-02-planned")

    take_step(county, "start_drafting", document=str(plan))
    take_step(county, "submit_consultation")
    assert text_of(county.get_by_test_id("status")) == "征求上级统战部、侨联意见"
    assert offered(county) == []
    wait = text_of(county.get_by_test_id("step-wait"))
    assert "玉溪市委统战部和玉溪市侨联答复" in wait and "通海县侨联" not in wait
    assert answer_states(county) == {"united_front": "waiting", "federation": "waiting"}
    shot(screenshot, county, "founding-03-consulting-both-bodies-wait")

    city = signed_in(chromium_browser, live_server, "yuxi_staff")
    city.goto(detail_url)
    assert offered(city) == ["agree_united_front", "return_united_front", "agree_consultation", "return_consultation", "dissolve"]
    labels = text_of(city.get_by_test_id("step-form").locator("select[name=action]"))
    assert "玉溪市委统战部同意（录入复函）" in labels and "玉溪市侨联同意（答复征求意见）" in labels
    shot(screenshot, city, "founding-04-city-records-the-answers")
    take_step(city, "agree_united_front", document=str(reply))  # the 统战部's reply letter, recorded by 玉溪市 staff
    assert answer_states(city) == {"united_front": "agreed", "federation": "waiting"}
    county.goto(detail_url)
    assert offered(county) == []  # one answer is not enough
    take_step(city, "agree_consultation")
    assert answer_states(city) == {"united_front": "agreed", "federation": "agreed"}
    assert text_of(city.get_by_test_id("status")) == "征求上级统战部、侨联意见"
    shot(screenshot, city, "founding-05-both-agreed")

    county.goto(detail_url)
    assert offered(county) == ["record_approval"]
    take_step(county, "record_approval")
    assert text_of(county.get_by_test_id("status")) == "同级党组织批准"
    form = county.get_by_test_id("candidates-form")
    for n, (name, position, employment, returned) in enumerate(CANDIDATES):
        form.locator(f"input[name=candidate-{n}-name]").fill(name)
        form.locator(f"select[name=candidate-{n}-position]").select_option(position)
        form.locator(f"select[name=candidate-{n}-employment]").select_option(employment)
        if returned:
            form.locator(f"input[name=candidate-{n}-is_returned_or_relative]").check()
    shot(screenshot, county, "founding-06-candidate-list-form")
    form.get_by_test_id("candidates-submit").click()
    county.wait_for_load_state()
    assert county.locator(".alert--success").count() == 1, text_of(county.locator("main"))
    assert text_of(county.get_by_test_id("status")) == "候选人名单"
    assert county.get_by_test_id("candidate").count() == 3
    assert county.get_by_test_id("candidates-answer").get_attribute("data-state") == "waiting"
    assert county.get_by_test_id("congress-form").count() == 0  # not before 玉溪市侨联 agreed

    city.goto(detail_url)
    assert offered(city) == ["agree_candidates", "return_candidates", "dissolve"]
    take_step(city, "agree_candidates")
    assert city.get_by_test_id("candidates-answer").get_attribute("data-state") == "agreed"
    shot(screenshot, city, "founding-07-candidates-agreed")

    county.goto(detail_url)
    assert county.get_by_test_id("leaders").count() == 0  # no leading body before the congress
    congress = county.get_by_test_id("congress-form")
    congress.locator("input[name=delegates_expected]").fill("60")
    congress.locator("input[name=delegates_present]").fill("52")
    assert [congress.locator("select[name^=elected_]").nth(i).input_value() for i in range(3)] == [
        "chair", "vice_chair", "secretary_general"]  # each elected to the intended position unless changed
    shot(screenshot, county, "founding-08-congress-form")
    congress.get_by_test_id("congress-submit").click()
    county.wait_for_load_state()
    assert county.locator(".alert--success").count() == 1, text_of(county.locator("main"))
    assert text_of(county.get_by_test_id("status")) == "召开代表大会选举"
    leaders = text_of(county.get_by_test_id("leaders"))
    assert "李华侨 主席 兼职 ✓" in leaders and "王侨眷 副主席" in leaders and "张干部 秘书长 专职" in leaders
    assert "实到代表 52 人（应到 60 人）" in text_of(county.get_by_test_id("congress"))
    shot(screenshot, county, "founding-09-leading-body-from-the-congress")

    take_step(county, "submit_filing")
    assert text_of(county.get_by_test_id("status")) == "报上级侨联备案"
    assert offered(county) == []
    assert gap_row(county).get_attribute("data-status") == "under_way"

    city.goto(detail_url)
    assert offered(city) == ["confirm_filing", "return_filing", "dissolve"]
    take_step(city, "confirm_filing")
    assert text_of(city.get_by_test_id("status")) == "已成立"
    done = city.locator("[data-testid=timeline] [data-state=done]").count()
    assert done == 7 and city.locator("[data-testid=timeline] [data-state=current]").count() == 1
    shot(screenshot, city, "founding-10-active")

    assert gap_row(city).get_attribute("data-status") == "satisfied"
    shot(screenshot, city, "founding-11-gap-satisfied")
    city.goto("/regions/530423/")
    assert "通海县侨联" in text_of(city.get_by_test_id("organizations-panel"))
    city.goto("/organizations/?region=530400")
    rows = text_of(city.get_by_test_id("organizations"))
    assert "通海县侨联" in rows and "河西镇侨联" in rows and "双江街道侨联" in rows
    shot(screenshot, city, "founding-12-organization-list")
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
    shot(screenshot, city, "founding-13-active-federation")
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
