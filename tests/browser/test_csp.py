"""The Content-Security-Policy breaks no page: the main pages, as the system administrator and as city staff, raise
no CSP violation (neither a `securitypolicyviolation` event nor a console message), and the behaviours moved to
static/js/app.js still work (the confirmation before a removal, the reveal of a full ID number)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import csp_violations, csp_watch

pytestmark = pytest.mark.browser


PAGES = [
    "/", "/dashboard/530400/", "/regions/", "/regions/530423/", "/census/persons/", "/census/units/",
    "/census/imports/", "/census/units/import/", "/census/coverage/gaps/", "/organizations/", "/tasks/",
    "/reports/", "/accounts/password_change/",
]
ADMIN_PAGES = ["/admin/", "/admin/auth/user/", "/admin/auth/user/add/", "/api/docs/", "/api/persons/"]


@pytest.fixture
def world(demo_data):
    from tests.reports.factories import yuxi_world

    return yuxi_world()


def visit(page, path: str, console: list[str]) -> list[str]:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    return csp_violations(page, console)


def first_link(page, path: str, prefix: str) -> str | None:
    page.goto(path)
    links = page.eval_on_selector_all(f"a[href^='{prefix}']", "els => els.map(e => e.getAttribute('href'))")
    details = [h for h in links if h.rstrip("/").rsplit("/", 1)[-1].isdigit()]
    return details[0] if details else None


@pytest.mark.parametrize("username", ["admin", "yuxi_staff"])
def test_main_pages_raise_no_csp_violation(page, login, world, username):
    console = csp_watch(page)
    login(page, username)
    pages = list(PAGES)
    for listing, prefix in (("/census/persons/", "/census/persons/"), ("/organizations/", "/organizations/"),
                            ("/tasks/", "/tasks/")):
        detail = first_link(page, listing, prefix)
        if detail:
            pages.append(detail)
    if username == "admin":
        pages += ADMIN_PAGES
    violations: list[str] = []
    for path in pages:
        violations += visit(page, path, console)
    assert violations == [], "\n".join(violations)
    assert any(p.startswith("/census/persons/") and p[-2].isdigit() for p in pages)  # a person's page was seen


def test_the_login_page_and_a_blocked_injection(page, live_server):
    """The policy is in force: a script injected inline into a served page does not run and is reported."""
    console = csp_watch(page)
    assert visit(page, "/accounts/login/", console) == []
    page.evaluate("""() => { const s = document.createElement('div');
      s.innerHTML = '<img src=x onerror="window.__ran = 1">'; document.body.append(s); }""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__ran") is None
    assert page.evaluate("window.__csp.length") >= 1


def test_removal_asks_first_and_reveal_still_works(page, login, world):
    login(page, "yuxi_staff")
    detail = first_link(page, "/census/persons/", "/census/persons/")
    assert detail
    page.goto(detail)
    reveal = page.locator("form[data-reveal]")
    if reveal.count():
        reveal.locator("button").click()
        page.wait_for_function("document.querySelector('[data-revealed]').textContent.length > 0")
    asked: list[str] = []
    page.on("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.goto("/census/imports/")
    page.evaluate("""() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/census/imports/';
      f.dataset.confirm = '确定？'; document.body.append(f); f.requestSubmit(); }""")
    page.wait_for_timeout(300)
    assert asked == ["确定？"]
    assert page.url.endswith("/census/imports/")
