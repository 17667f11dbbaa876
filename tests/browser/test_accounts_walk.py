"""Issue 15, part 2, walked as 玉溪市's staff would: open an account for a 通海县 official (its one-time password
shown once), fail to open one in 红河州 or an administrator, then log in as the new official, change the initial
password as forced, and import a census sheet."""
from __future__ import annotations

import pytest

from tests.browser.conftest import text_of
from tests.census import import_files as files

pytestmark = pytest.mark.browser


def test_city_staff_open_a_county_official_who_changes_the_password_and_imports(page, login, screenshot, demo_data, tmp_path, settings):
    from census.registry.models import Campaign, Person
    from orgs.regions.models import Region

    settings.MEDIA_ROOT = tmp_path / "media"
    Campaign.objects.create(year=2026, name="2026年度玉溪市侨情调查", region=Region.objects.get(code="530400"))

    login(page, "yuxi_staff")
    page.goto("/")
    page.get_by_role("link", name="账号管理").click()
    page.wait_for_load_state()
    listed = text_of(page.get_by_test_id("accounts"))
    assert "tonghai_official" in listed and "honghe" not in listed
    screenshot(page, "accounts_list_yuxi_staff")

    page.get_by_test_id("account-create-link").click()
    page.wait_for_url("**/accounts/new/")  # waits for the new page's load: the options are read at once, not awaited
    form = page.get_by_test_id("account-form")
    offered = form.locator("select[name=role] option").all_inner_texts()
    assert "系统管理员" not in offered and "县级统战/侨联干部" in offered

    # 红河州 is not 玉溪市's: refused on the field, nothing opened
    form.locator("input[name=username]").fill("honghe_new")
    form.locator("input[name=name]").fill("红河新干部")
    form.locator("select[name=role]").select_option("county_official")
    form.locator("input[name=region]").fill("532500")
    page.get_by_test_id("account-submit").click()
    page.wait_for_load_state()
    assert "不在您的管辖范围内" in text_of(page.get_by_test_id("account-form"))
    screenshot(page, "accounts_create_refused_honghe")

    form = page.get_by_test_id("account-form")
    form.locator("input[name=username]").fill("tonghai_new")
    form.locator("input[name=name]").fill("通海新干部")
    form.locator("input[name=region]").fill("云南省玉溪市通海县")
    form.locator("input[name=phone]").fill("13912345678")
    page.get_by_test_id("account-submit").click()
    page.wait_for_load_state()
    password = text_of(page.get_by_test_id("password"))
    assert len(password) == 12
    screenshot(page, "accounts_one_time_password")
    page.get_by_role("link", name="我已记下，查看账号").click()
    page.wait_for_load_state()
    assert "县级统战/侨联干部" in text_of(page.get_by_test_id("roles")) and password not in page.content()
    screenshot(page, "accounts_detail_new_official")

    # the new official: forced to change the initial password before anything else
    page.context.clear_cookies()
    login(page, "tonghai_new", password)
    assert page.url.endswith("/accounts/password/")
    assert "一次性初始密码" in text_of(page.get_by_test_id("must-change-password"))
    screenshot(page, "accounts_forced_password_change")
    page.goto("/census/imports/")
    assert page.url.endswith("/accounts/password/")  # every other page sends back here
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", "Lx7-qiao-jian-Ws9")
    page.fill("#id_new_password2", "Lx7-qiao-jian-Ws9")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/accounts/password/done/"), text_of(page.locator("main"))

    sheet = tmp_path / "通海县侨情.csv"
    rows = ["姓名,身份证号码,类别,居住地区划代码"]
    rows += [f"通海新侨{i},{number},侨眷,530423101" for i, number in enumerate(files.ids("530423", 3, seed=71))]
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page.goto("/census/imports/")
    page.get_by_test_id("upload-form").locator("input[type=file]").set_input_files(str(sheet))
    page.get_by_test_id("upload-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert text_of(page.get_by_test_id("count-new")) == "3"
    page.get_by_test_id("commit-all").click()
    page.wait_for_load_state()
    assert "已导入：新增 3 人" in page.content()
    screenshot(page, "accounts_new_official_imported")
    assert Person.objects.filter(name__startswith="通海新侨").count() == 3
