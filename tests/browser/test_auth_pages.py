"""Login, failed login, logout and the password page, in a real browser."""
from __future__ import annotations

import pytest

from tests.browser.conftest import text_of

pytestmark = pytest.mark.browser


def test_login_page_is_chinese(page, screenshot):
    page.goto("/accounts/login/")
    assert page.title().startswith("登录")
    assert "侨联组织建设管理系统" in text_of(page.locator(".auth__brand"))
    assert page.get_by_label("用户名").is_visible()
    assert page.get_by_label("密码").is_visible()
    screenshot(page, "login")


def test_failed_login_shows_chinese_error(page, login, screenshot):
    login(page, "yuxi_staff", "not-the-password")
    assert page.url.endswith("/accounts/login/")
    error = page.get_by_test_id("login-error")
    assert error.is_visible()
    assert "用户名或密码不正确" in text_of(error)
    # The user name stays filled in; the password does not.
    assert page.input_value("#id_username") == "yuxi_staff"
    assert page.input_value("#id_password") == ""
    screenshot(page, "login_failed")


def test_header_shows_user_role_and_scope_then_logout(page, login, screenshot):
    login(page, "tonghai_official")
    header = text_of(page.locator(".site-header"))
    assert "通海县统战部干部" in header
    assert "县级统战/侨联干部" in header
    assert "云南省玉溪市通海县" in header
    # County officials are not Django staff: no admin link for them.
    assert page.get_by_role("link", name="管理后台").count() == 0
    # Their name opens their own account: how they are notified, and the way to change it where notices are read.
    page.get_by_test_id("user-name").click()
    page.wait_for_url("**/accounts/*/")
    assert "tonghai_official" in text_of(page.locator("h1"))
    assert text_of(page.get_by_test_id("notify-channel"))
    screenshot(page, "own_account")
    page.get_by_test_id("notify-change").click()
    page.wait_for_url("**/tasks/inbox/#notify-preference")
    assert page.get_by_test_id("preference-form").is_visible()
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/accounts/login/")
    page.goto("/regions/")
    assert "/accounts/login/" in page.url  # logged out for real


def test_password_change_page(page, login, screenshot):
    login(page, "yuxi_staff")
    page.get_by_role("link", name="修改密码").click()
    assert page.locator("h1").inner_text() == "修改密码"
    page.fill("#id_old_password", "wrong-old-password")
    page.fill("#id_new_password1", "Tonghai#Qiaolian2027")
    page.fill("#id_new_password2", "Tonghai#Qiaolian2027")
    page.get_by_role("button", name="确认修改").click()
    assert page.locator(".field--error").count() == 1
    screenshot(page, "password_change_error")
