"""Issue 16, part 2, in the browser: 玉溪市 staff write a small plan with two milestones, preview the tasks of
each and generate them; the shipped Yuxi plan's 17 key areas read 2 / 17 (two have active federations)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import text_of

pytestmark = pytest.mark.browser


def test_staff_write_a_plan_with_two_milestones_preview_and_generate(page, login, screenshot, demo_data):
    from orgs.regions.models import Region
    from qiaolian.demo.organizations import demo_organizations_create
    from qiaolian.demo.plans import demo_liaisons_create
    from tasks.plans.models import Plan, Task
    from tasks.plans.services import plans_load
    from tests.tasks.conftest import WALK_START

    demo_organizations_create()
    demo_liaisons_create()
    plans_load(today=WALK_START)
    login(page, "yuxi_staff")
    page.goto("/tasks/plans/")
    screenshot(page, "plans_list")
    page.get_by_test_id("plan-create-link").click()
    form = page.get_by_test_id("plan-form")
    form.locator("input[name=title]").fill("玉溪市2027年侨联组织建设工作方案")
    form.locator("input[name=issuing_body]").fill("玉溪市侨联")
    page.get_by_test_id("plan-submit").click()
    page.wait_for_load_state()
    plan = Plan.objects.get(title="玉溪市2027年侨联组织建设工作方案")
    assert plan.scope_region.code == "530400"

    # milestone 1: every county reports its plan
    page.get_by_test_id("milestone-create-link").click()
    form = page.get_by_test_id("milestone-form")
    form.locator("input[name=name]").fill("各县（市、区）报送建设计划")
    form.locator("input[name=deadline]").fill("2027-03-31")
    form.locator("select[name=target_rule]").select_option("level")
    form.locator("select[name=task_level]").select_option("county")
    form.locator("input[name=task_title]").fill("报送{region}侨联组织建设计划")
    form.locator("input[name=task_responsible_unit]").fill("{region}委统战部")
    form.locator("input[name=task_responsible_person]").fill("{region}委统战部分管侨务工作副部长")
    screenshot(page, "plans_milestone_form")
    page.get_by_test_id("milestone-submit").click()
    page.wait_for_load_state()

    # milestone 2: two named townships of 通海县, one already with its federation? none active: both open
    page.get_by_test_id("milestone-create-link").click()
    form = page.get_by_test_id("milestone-form")
    form.locator("input[name=name]").fill("河西镇、纳古镇成立侨联")
    form.locator("input[name=deadline]").fill("2027-12-31")
    form.locator("select[name=target_rule]").select_option("named")
    form.locator("textarea[name=target_regions]").fill("530423101、云南省玉溪市通海县纳古镇")
    form.locator("input[name=task_responsible_unit]").fill("{county}委统战部、{county}侨联")
    page.get_by_test_id("milestone-submit").click()
    page.wait_for_load_state()
    rows = page.get_by_test_id("milestone-row")
    assert rows.count() == 2
    screenshot(page, "plans_detail_two_milestones")

    counties = Region.objects.within(plan.scope_region).filter(level="county").count()
    rows.nth(0).get_by_test_id("generate-link").click()
    page.wait_for_load_state()
    summary = text_of(page.get_by_test_id("generate-summary"))
    assert f"将生成 {counties} 项任务" in summary
    assert "报送通海县侨联组织建设计划" in text_of(page.get_by_test_id("generate-places"))
    screenshot(page, "plans_generate_preview")
    page.get_by_test_id("generate-confirm").click()
    page.wait_for_load_state()
    assert Task.objects.filter(plan=plan).count() == counties
    page.get_by_test_id("milestone-row").nth(1).get_by_test_id("generate-link").click()
    page.wait_for_load_state()
    assert "将生成 2 项任务" in text_of(page.get_by_test_id("generate-summary"))
    page.get_by_test_id("generate-confirm").click()
    page.wait_for_load_state()
    done = [text_of(cell) for cell in page.get_by_test_id("milestone-done").all()]
    assert done == [f"0 / {counties}", "0 / 2"]
    screenshot(page, "plans_generated")
    task = Task.objects.get(plan=plan, region__code="530423", milestone__name="各县（市、区）报送建设计划")
    assert task.responsible_person == "通海县委统战部分管侨务工作副部长"

    # the shipped plan: 17 key areas, two of them with active federations
    page.goto("/tasks/timeline/")
    key_areas = text_of(page.get_by_test_id("milestone-key-areas"))
    assert "已完成 2 / 17" in key_areas
    screenshot(page, "plans_timeline_key_areas")
