"""Issue 17 §4 in the browser: 玉溪市 staff find 双江街道侨胞之家's nomination on 待审推荐 and award a 市级 designation
from the organization's page, which shows how each 五有 criterion was reached (Jiangxi 9, 32–34). Screenshots:
tests/artifacts/designations-*.png."""
from __future__ import annotations

import pytest

from tests.browser.conftest import text_of

pytestmark = pytest.mark.browser


def test_the_city_awards_a_nominated_home(page, login, screenshot, demo_data):
    from django.contrib.auth import get_user_model

    from orgs.homes.models import Home
    from orgs.homes.nominations import designation_nominate
    from qiaolian.demo.organizations import demo_organizations_create

    demo_organizations_create()
    home = Home.objects.select_related("organization").get(name="双江街道侨胞之家")
    designation_nominate(home=home, kind="service", actor=get_user_model().objects.get(username="admin"), note="便民服务成效明显")

    login(page, "yuxi_staff")
    page.goto("/designations/")
    mine = page.get_by_test_id("nominations-mine")
    assert "双江街道侨胞之家" in text_of(mine) and "授予市级称号" in text_of(mine)
    screenshot(page, "designations-01-list")

    mine.get_by_role("link", name="双江街道侨胞之家").click()
    section = page.get_by_test_id("designations")
    assert "联合建（支持单位：街道党群服务中心）" in text_of(page.get_by_test_id("five"))
    section.locator("summary", has_text="办理").click()
    form = section.get_by_test_id("nomination-step-form")
    form.locator("select[name=action]").select_option("award")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/organizations/*/#designations")
    assert "市级服务型" in text_of(page.get_by_test_id("home"))
    screenshot(page, "designations-02-awarded")
