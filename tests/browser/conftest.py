"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Every test here is marked `browser`. Without /usr/bin/chromium they are skipped, except in CI (the CI
environment variable is set), where a missing browser is a failure: CI must run them.

The live server needs `transactional_db`, whose flush at the end of a test empties the tables that
tests/conftest.py loads once per database; each browser test therefore loads its own demo data, and
after the last browser test of a run the shared demo data is loaded again for the tests that follow.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

# Playwright's sync API runs an asyncio event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is safe, which it is here (one thread, no coroutines).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
VIEWPORT = {"width": 1366, "height": 900}  # a common office laptop
TIMEOUT_MS = 15_000


def _unavailable(reason: str):
    """Skips on a developer machine without a browser; fails in CI, which must run these tests."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Debian Chromium for the whole run."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as error:
        playwright.stop()
        _unavailable(f"Chromium did not start: {error}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def demo_data(transactional_db):
    """The national tree, the Yuxi key areas and the demo logins, committed so the live server sees them."""
    from qiaolian.demo.organizations import demo_regions_load, demo_users_create

    demo_regions_load()
    demo_users_create()


@pytest.fixture
def page(chromium_browser, live_server, demo_data):
    """A fresh browser context (its own cookies) in Chinese, with `base_url` set to the live server."""
    context = chromium_browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", viewport=VIEWPORT, accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def login():
    """login(page, username, password=DEMO_PASSWORD): signs in through the login form."""

    def sign_in(tab, username: str, password: str | None = None):
        tab.goto("/accounts/login/")
        tab.fill("#id_username", username)
        tab.fill("#id_password", password or settings.DEMO_PASSWORD)
        tab.click("form button[type=submit]")
        tab.wait_for_load_state()
        if "/accounts/2fa/" in tab.url:
            _second_factor(tab, username)
        return tab

    return sign_in


def authenticator_code(username: str, *, enrolling: bool = False) -> str:
    """The code the user's authenticator app shows now (of the device being bound when `enrolling`)."""
    device = TOTPDevice.objects.filter(user__username=username, confirmed=not enrolling).order_by("-pk").first()
    device.last_t = -1  # a code given earlier in the same 30 seconds is accepted again here
    device.throttle_reset(commit=False)
    device.save()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _second_factor(tab, username: str) -> None:
    """The login's second step, as its holder does it: administrators bind an authenticator at their first login
    (then keep the recovery codes) or give its code; the code is computed from the device as the app would."""
    enrolling = "/accounts/2fa/enrol/" in tab.url
    tab.fill("#id_token", authenticator_code(username, enrolling=enrolling))
    tab.click("form[data-testid=otp-enrol] button[type=submit]" if enrolling else "form[data-testid=otp-verify] button[type=submit]")
    tab.wait_for_load_state()
    if enrolling:
        tab.click("text=我已保存，继续")
        tab.wait_for_load_state()


@pytest.fixture
def screenshot(request):
    """screenshot(page, name): a full-page PNG in tests/artifacts/ (gitignored), named after the test."""

    def take(tab, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return take


CSP_COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def csp_watch(tab) -> list[str]:
    """Records the Content-Security-Policy violations of every page the tab opens: the `securitypolicyviolation`
    events (read them with `csp_violations`) and the console's CSP messages (the returned list)."""
    console: list[str] = []
    tab.add_init_script(CSP_COLLECT)
    tab.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    return console


def csp_violations(tab, console: list[str]) -> list[str]:
    """The violations of the page now open (and the console's since the last call), with its path."""
    path = tab.url.split("//", 1)[-1].split("/", 1)[-1]
    found = [f"/{path}: {v}" for v in tab.evaluate("window.__csp || []")]
    found += [f"/{path}: {m}" for m in console]
    console.clear()
    return found


def text_of(locator) -> str:
    """The element's visible text with runs of white space collapsed to one space."""
    return " ".join(locator.inner_text().split())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the flush that ends the last browser test, loads the shared demo data again for the tests after it."""
    result = yield
    if nextitem is None or nextitem.get_closest_marker("browser") is not None:
        return result
    from pytest_django.plugin import blocking_manager_key

    from qiaolian.demo.organizations import demo_regions_load, demo_users_create

    with item.config.stash[blocking_manager_key].unblock():
        demo_regions_load()
        demo_users_create()
    return result
