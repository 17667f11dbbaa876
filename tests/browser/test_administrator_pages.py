"""The administrators' pages as they see them (三员分立, two-factor login): the enrolment with its QR code, the recovery
codes, the second step of a later login, the audit administrator's search, the security administrator's lockout
list, and the 503 page shown while the database is away; in Chinese, without CSP violations."""
from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import override_settings

from tests.browser.conftest import authenticator_code, csp_violations, csp_watch, text_of

pytestmark = pytest.mark.browser


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def test_the_audit_administrator_enrols_verifies_and_searches(page, screenshot):
    console = csp_watch(page)
    violations: list[str] = []

    sign_in(page, "audit_admin")
    assert "/accounts/2fa/enrol/" in page.url  # the first login binds an authenticator
    assert page.locator("h1").inner_text() == "绑定两步验证"
    assert page.get_by_test_id("otp-required").is_visible()
    qr = page.locator("[data-testid=otp-qr] svg")
    assert qr.count() == 1
    box = qr.bounding_box()
    assert 160 <= box["width"] <= 260 and box["width"] == box["height"]  # scannable from a phone, inside the card
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", text_of(page.get_by_test_id("otp-secret")))
    screenshot(page, "admin_enrol")
    violations += csp_violations(page, console)

    page.fill("#id_token", authenticator_code("audit_admin", enrolling=True))
    page.click("form[data-testid=otp-enrol] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "恢复码"
    assert page.locator("[data-testid=recovery-codes] li").count() == 10
    screenshot(page, "admin_recovery_codes")
    violations += csp_violations(page, console)

    page.get_by_role("link", name="我已保存，继续").click()
    page.wait_for_load_state()
    assert page.url.endswith("/audit/")
    assert page.locator("h1").inner_text() == "审计日志"
    assert "审计管理员" in text_of(page.locator(".site-header"))
    search = page.get_by_test_id("audit-filter")
    for label in ("起始日期", "截止日期", "操作人（用户名）", "事件", "对象类型", "对象编号", "IP 地址"):
        assert search.get_by_label(label).is_visible(), label
    entries = page.get_by_test_id("audit-entries")
    assert entries.is_visible() and page.get_by_test_id("audit-row").count() > 0
    events = {text_of(cell) for cell in entries.locator("tbody tr td:nth-child(3)").all()}
    assert "两步验证" in events  # its own enrolment, just now
    assert not events & {"create", "update", "delete", "access"}  # actions in words
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # the table fits
    search.get_by_label("事件").select_option(label="登录")
    search.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    assert {text_of(cell) for cell in entries.locator("tbody tr td:nth-child(3)").all()} == {"登录"}
    assert page.locator(".pagination").count() == 0  # one page: no empty pager under the table
    screenshot(page, "admin_audit_search")
    violations += csp_violations(page, console)

    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    sign_in(page, "audit_admin")
    assert "/accounts/2fa/verify/" in page.url  # bound: the code is asked at every login
    assert page.locator("h1").inner_text() == "两步验证"
    page.fill("#id_token", "000000")
    page.click("form[data-testid=otp-verify] button[type=submit]")
    page.wait_for_load_state()
    assert "验证码不正确" in text_of(page.get_by_test_id("otp-error"))
    screenshot(page, "admin_verify_refused")
    violations += csp_violations(page, console)
    page.fill("#id_token", authenticator_code("audit_admin"))
    page.click("form[data-testid=otp-verify] button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/audit/")
    violations += csp_violations(page, console)
    assert violations == [], "\n".join(violations)


def test_the_security_administrator_lifts_a_lockout(page, login, client, screenshot):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "tonghai_official", "password": "wrong"}, REMOTE_ADDR="10.7.7.7")
    client.post("/accounts/login/", {"username": "yuxi_staff", "password": "wrong"}, REMOTE_ADDR="10.7.7.8")
    console = csp_watch(page)
    login(page, "security_admin")
    page.get_by_role("link", name="登录锁定", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "登录锁定"
    assert "共 2 条登录失败记录" in text_of(page.get_by_test_id("lockout-count"))
    table = page.get_by_test_id("lockouts")
    headers = [text_of(th) for th in table.locator("thead th").all()]
    assert headers == ["用户名", "IP 地址", "失败次数", "最近尝试", "状态", "操作"]  # the last one for screen readers
    locked = table.locator("[data-testid=lockout-row][data-username=tonghai_official]")
    assert "已锁定" in text_of(locked) and "10.7.7.7" in text_of(locked)
    assert table.locator("[data-testid=lockout-row][data-username=yuxi_staff] [data-testid=release]").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "admin_lockouts")
    violations = csp_violations(page, console)

    locked.get_by_test_id("release").click()
    page.wait_for_load_state()
    assert "已解除锁定" in text_of(page.locator(".messages"))
    assert table.locator("[data-testid=lockout-row]").count() == 1
    violations += csp_violations(page, console)
    assert violations == [], "\n".join(violations)


@override_settings(ROOT_URLCONF="tests.faults_urls")
def test_the_503_page_while_the_database_is_away(page, screenshot):
    console = csp_watch(page)
    response = page.goto("/faults/database-gone/")
    assert response.status == 503 and response.headers["retry-after"] == "30"
    assert page.locator("h1").inner_text() == "服务暂时不可用"
    card = text_of(page.get_by_test_id("unavailable"))
    assert "数据库暂时不可用，请稍后再试" in card and "请稍后刷新页面重试" in card
    assert page.get_by_test_id("retry").get_attribute("href") == "/faults/database-gone/"
    assert page.locator(".site-nav").count() == 0  # rendered without the request: no navigation to fail
    screenshot(page, "admin_503")
    assert csp_violations(page, console) == []
