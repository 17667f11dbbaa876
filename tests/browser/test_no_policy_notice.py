"""Issue 15: where no policy is in force, the dashboard says so instead of showing zeros."""
from __future__ import annotations

import pytest

from tests.browser.conftest import text_of

pytestmark = pytest.mark.browser


def test_a_scope_without_a_policy_shows_the_notice_on_its_dashboard(page, login, screenshot, demo_data):
    from census.coverage.models import Policy, Requirement

    Requirement.objects.all().delete()
    Policy.objects.all().delete()
    login(page, "tonghai_official")
    page.goto("/")
    notice = page.get_by_test_id("no-policy")
    assert "本辖区尚无生效的建会门槛，结论未计算" in text_of(notice)
    screenshot(page, "dashboard_no_policy")
    page.goto("/census/coverage/gaps/")
    assert "通海县" in text_of(page.get_by_test_id("no-policy"))
    screenshot(page, "gaps_no_policy")
