"""Issue 15 §4: 玉溪市 staff lower the Yuxi plan's village threshold. The list, the form, the confirmation with the
comparison (a village with 25 people newly required), the confirmation, and the gap page that lists the village
afterwards. Screenshots: tests/artifacts/policy-*.png."""
from __future__ import annotations

import pytest

from tests.browser.conftest import text_of

pytestmark = pytest.mark.browser


@pytest.fixture
def village(demo_data):
    """门槛测试村 in 通海县 with 25 registered 侨眷: recommended at the Yuxi plan's 30, required at 20."""
    from django.contrib.auth import get_user_model

    from census.coverage.services import evaluate_coverage, policies_load
    from orgs.regions.models import RegionLevel
    from tests.census.factories import register_person
    from tests.factories import RegionFactory, region

    policies_load()
    admin = get_user_model().objects.get(username="admin")
    township = RegionFactory(parent=region("530423"), name="门槛测试镇")
    place = RegionFactory(parent=township, level=RegionLevel.VILLAGE, name="门槛测试村")
    for i in range(25):
        register_person(admin, seed=8000 + i, region=place, phone="")
    evaluate_coverage(region("530423"))
    return place


@pytest.mark.usefixtures("eager_celery")
def test_city_staff_lower_the_village_threshold_after_seeing_what_it_changes(page, login, screenshot, village):
    from census.coverage.models import Policy, Requirement

    login(page, "yuxi_staff")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="建会门槛").click()
    page.wait_for_url("**/census/policies/")
    applying = text_of(page.get_by_test_id("policy-applying"))
    assert "玉溪市今天适用" in applying and "玉溪方案" in applying
    row = page.get_by_test_id("policy-row").filter(has_text="玉溪方案")
    assert "现行" in text_of(row)
    screenshot(page, "policy-list")

    row.get_by_role("link", name="修改").click()
    page.wait_for_url("**/census/policies/*/edit/")
    assert page.locator("#id_village_threshold").input_value() == "30"
    page.fill("#id_village_threshold", "20")
    screenshot(page, "policy-form")
    page.get_by_test_id("policy-preview").click()
    page.wait_for_selector("[data-testid=policy-conclusion]")
    assert "玉溪市将新增" in text_of(page.get_by_test_id("policy-conclusion"))
    changes = text_of(page.get_by_test_id("policy-changes"))
    assert "村(社区)门槛" in changes and "30 人" in changes and "20 人" in changes
    newly = text_of(page.get_by_test_id("newly-required"))
    assert "门槛测试村" in newly and "达到村(社区) 20 人门槛" in newly
    assert Policy.objects.get(key="yuxi-2020").village_threshold == 30  # nothing saved yet
    screenshot(page, "policy-confirm")

    page.get_by_test_id("policy-confirm").click()
    page.wait_for_selector("[data-testid=policy-history]")
    assert "已保存" in text_of(page.locator(".messages"))
    history = text_of(page.get_by_test_id("policy-history"))
    assert "30 人 → 20 人" in history and "玉溪市侨联工作人员" in history
    screenshot(page, "policy-detail")
    assert Requirement.objects.get(region=village, unit__isnull=True).verdict == "required"

    page.goto("/census/coverage/gaps/?region=530423&level=village")
    gaps = page.locator("[data-testid=gap-row]").filter(has_text="门槛测试村")
    assert gaps.count() == 1
    assert "达到村(社区) 20 人门槛（玉溪方案 二）" in text_of(gaps)
    screenshot(page, "policy-gaps-after")
