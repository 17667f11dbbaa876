"""Issue 16 §1, walked as 玉溪市's staff and 通海县's official would: staff open the 2026 round; the official imports
通海县's people and submits; staff return it with a reason; the official adds the missing person and submits again;
staff see what changed and approve; editing afterwards is refused; the dashboard's reporting rate has moved."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.conftest import text_of
from tests.census import import_files as files

pytestmark = pytest.mark.browser


def _as(page, login, username: str):
    page.context.clear_cookies()
    login(page, username)


def test_open_import_submit_return_resubmit_approve_lock(page, login, screenshot, demo_data, tmp_path, settings):
    from census.registry.models import CampaignReport, Person

    settings.MEDIA_ROOT = tmp_path / "media"
    deadline = timezone.localdate() + dt.timedelta(days=30)

    # 玉溪市 staff open the 2026 round for their city
    _as(page, login, "yuxi_staff")
    page.goto("/census/rounds/")
    page.get_by_test_id("campaign-create-link").click()
    form = page.get_by_test_id("campaign-form")
    form.locator("input[name=year]").fill("2026")
    form.locator("input[name=region]").fill("530400")
    form.locator("input[name=deadline]").fill(deadline.isoformat())
    screenshot(page, "rounds_01_open_form")
    page.get_by_test_id("campaign-submit").click()
    page.wait_for_load_state()
    assert "已发起：2026年度玉溪市侨情调查" in text_of(page.locator("main"))
    assert text_of(page.get_by_test_id("rate-reported")) == "0 / 9"
    round_url = page.url
    screenshot(page, "rounds_02_round_opened")

    # 通海县's official imports the county's people and submits
    _as(page, login, "tonghai_official")
    sheet = tmp_path / "通海县侨情.csv"
    numbers = files.ids("530423", 5, seed=161)
    rows = ["姓名,身份证号码,类别,居住地区划代码"]
    rows += [f"通海侨眷{i},{number},侨眷,530423101" for i, number in enumerate(numbers[:3])]
    rows += [f"通海归侨{numbers[3][-4:]},{numbers[3]},归侨,530423102"]
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page.goto("/census/imports/")
    page.get_by_test_id("upload-form").locator("input[type=file]").set_input_files(str(sheet))
    page.get_by_test_id("upload-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert text_of(page.get_by_test_id("count-new")) == "4"
    page.get_by_test_id("commit-all").click()
    page.wait_for_load_state()
    assert "已导入：新增 4 人" in page.content()

    page.goto(round_url)
    listed = text_of(page.get_by_test_id("reports"))
    assert "通海县" in listed and "华宁县" not in listed  # a county sees its own row only
    page.get_by_role("link", name="核对并提交").click()
    page.wait_for_load_state()
    assert "首次审核" in text_of(page.get_by_test_id("baseline"))
    screenshot(page, "rounds_03_county_before_submitting")
    page.get_by_test_id("submit-report").click()
    page.wait_for_load_state()
    assert text_of(page.get_by_test_id("report-status")) == "已提交"
    report_url = page.url

    # 玉溪市 staff see the submission waiting and return it with a reason
    _as(page, login, "yuxi_staff")
    page.goto(round_url)
    assert "有 1 个单位的数据已提交，等待您审核" in text_of(page.get_by_test_id("waiting-for-me"))
    page.goto(report_url)
    page.get_by_test_id("return-form").locator("textarea").fill("纳古镇还有一名归侨未登记，请补录后重新提交")
    page.get_by_test_id("return-report").click()
    page.wait_for_load_state()
    assert text_of(page.get_by_test_id("report-status")) == "已退回"
    screenshot(page, "rounds_04_returned_with_reason")

    # the official reads the reason, registers the missing returnee and submits again
    _as(page, login, "tonghai_official")
    page.goto(report_url)
    assert "纳古镇还有一名归侨未登记" in text_of(page.get_by_test_id("report-reason"))
    page.goto("/census/persons/new/")
    page.fill("input[name=name]", "通海补录归侨")
    page.fill("input[name=id_number]", numbers[4])
    page.select_option("select[name=category]", "returned")
    page.fill("input[name=region]", "530423102")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "已登记" in text_of(page.locator("main"))
    page.goto(report_url)
    page.get_by_test_id("submit-report").click()
    page.wait_for_load_state()
    assert text_of(page.get_by_test_id("report-status")) == "已提交"

    # staff see what they approve (five people, all new in this first approval) and approve
    _as(page, login, "yuxi_staff")
    page.goto(report_url)
    changes = page.get_by_test_id("changes-table")
    assert text_of(changes.locator("tr[data-category=total]")).split()[1:3] == ["0", "5"]
    assert "上次退回理由" in text_of(page.get_by_test_id("report-submitted"))
    screenshot(page, "rounds_05_approval_page")
    page.get_by_test_id("approve-report").click()
    page.wait_for_load_state()
    assert text_of(page.get_by_test_id("report-status")) == "已审核"
    assert CampaignReport.objects.get(region__code="530423").status == "approved"
    screenshot(page, "rounds_06_approved_locked")

    # editing after approval is refused, with the round and the county named
    _as(page, login, "tonghai_official")
    person = Person.objects.get(name="通海补录归侨")
    page.goto(f"/census/persons/{person.pk}/")
    assert "2026年度玉溪市侨情调查：通海县的数据已审核通过，不能修改" in text_of(page.get_by_test_id("person-locked"))
    page.goto(f"/census/persons/{person.pk}/edit/")
    page.fill("input[name=name]", "通海改名")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "通海县的数据已审核通过，不能修改；如需修改请联系上级侨联退回" in text_of(page.locator("main"))
    screenshot(page, "rounds_07_edit_refused")
    person.refresh_from_db()
    assert person.name == "通海补录归侨"

    # the city's dashboard: the reporting rate has moved
    _as(page, login, "yuxi_staff")
    page.goto("/")
    panel = page.get_by_test_id("round-reporting")
    assert text_of(panel.get_by_test_id("round-reported")) == "1/9"
    assert text_of(panel.get_by_test_id("round-approved")) == "1"
    assert "依据：2026年度玉溪市侨情调查（9 个填报单位中 1 个已审核）" in text_of(page.get_by_test_id("basis"))
    screenshot(page, "rounds_08_dashboard_rate")
