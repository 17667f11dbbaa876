"""Issue 17 §3 in the browser (Jiangxi 40; Yuxi 三(五)): a 通海县 official records a training of 通海县侨联 and adds
its attendees, one picked from the leading body and one volunteer from the register; the organization page shows
the training and the volunteer. Screenshots: tests/artifacts/training-*.png."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import text_of

pytestmark = pytest.mark.browser


def test_a_county_official_records_a_training_and_its_attendance(page, login, screenshot, demo_data):
    from orgs.organizations.models import LeadershipMember, Organization
    from orgs.regions.models import Region
    from orgs.training.models import Volunteer

    today = dt.date.today()
    tonghai = Organization.objects.create(name="通海县侨联", kind="county", region=Region.objects.get(code="530423"),
                                          status="active")
    chair = LeadershipMember.objects.create(organization=tonghai, name="李建华", position="chair",
                                            term_start=today - dt.timedelta(days=400))
    volunteer = Volunteer.objects.create(organization=tonghai, name="周晓梅", phone="13912345678", skills="英语翻译",
                                         is_returned_or_relative=True, joined_on=today - dt.timedelta(days=90))

    login(page, "tonghai_official")
    page.goto("/training/")
    assert "培训" in text_of(page.locator("h1"))
    page.get_by_test_id("create-link").click()
    form = page.get_by_test_id("training-form")
    form.locator("select[name=organizer]").select_option(str(tonghai.pk))
    form.locator("input[name=held_on]").fill((today - dt.timedelta(days=3)).isoformat())
    form.locator("input[name=topic]").fill("2026年基层侨联干部业务培训班")
    form.locator("input[name=hours]").fill("6")
    form.locator("input[name=place]").fill("通海县委党校")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "已登记培训" in text_of(page.locator(".alert--success"))

    for record in (f"L{chair.pk}", f"V{volunteer.pk}"):
        page.locator("#attendance summary").click()
        form = page.get_by_test_id("attendance-form")
        form.locator("select[name=role]").select_option("volunteer" if record.startswith("V") else "cadre")
        form.locator("select[name=record]").select_option(record)
        form.get_by_role("button", name="添加").click()
        page.wait_for_load_state()
    page.locator("#attendance summary").click()
    form = page.get_by_test_id("attendance-form")
    form.locator("select[name=role]").select_option("home_head")
    form.locator("input[name=name]").fill("河西镇侨胞之家负责人王芳")
    form.get_by_role("button", name="添加").click()
    page.wait_for_load_state()
    names = [row.get_attribute("data-name") for row in page.get_by_test_id("attendee").all()]
    assert sorted(names) == sorted(["李建华", "周晓梅", "河西镇侨胞之家负责人王芳"])
    assert text_of(page.get_by_test_id("count-cadre")) == "1"
    screenshot(page, "training-01-detail")

    page.goto(f"/organizations/{tonghai.pk}/#training")
    assert "2026年基层侨联干部业务培训班" in text_of(page.get_by_test_id("organization-trainings"))
    volunteers = text_of(page.get_by_test_id("volunteers"))
    assert "周晓梅" in volunteers and "139****5678" in volunteers and "13912345678" not in volunteers
    page.get_by_test_id("organization-trainings").scroll_into_view_if_needed()
    screenshot(page, "training-02-organization")
