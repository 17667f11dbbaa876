"""统一身份认证 through CAS in a real browser (issue 21 §2): from the login page's button to the fake CAS server on
loopback and back with a ticket, into the county official's own dashboard; 退出 ends the CAS session too; an
unknown identity sees the refusal page. Also the Content-Security-Policy holds (no inline script or style)."""
from __future__ import annotations

import copy

import pytest
from django.contrib.auth import get_user_model

from orgs.access.roles import Role
from orgs.accounts.services import account_create
from orgs.regions.models import Region
from orgs.signon.providers import CAS_BACKEND
from tests.browser.conftest import text_of
from tests.fakes.signon import FakeCasServer

pytestmark = pytest.mark.browser


@pytest.fixture
def cas(settings):
    with FakeCasServer() as server:
        settings.CAS_SERVER_URL = server.base
        settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, CAS_BACKEND]
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["form-action"].append(server.url)
        settings.CONTENT_SECURITY_POLICY = policy
        yield server


def test_cas_sign_on_from_the_login_page(page, cas, screenshot):
    creator = get_user_model().objects.get(username="yuxi_staff")
    account, _password = account_create(creator=creator, username="th_browser", name="统一认证干部",
                                        role=Role.COUNTY_OFFICIAL, region=Region.objects.get(code="530423"),
                                        signon_cas="zs-browser")
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto("/accounts/login/")
    button = page.get_by_test_id("signon-cas")
    assert text_of(button) == "统一身份认证登录"
    screenshot(page, "signon_login_page")

    cas.next_user = "zs-browser"
    button.click()
    page.wait_for_load_state()
    assert "/accounts/" not in page.url  # landed, not sent to the password page
    header = text_of(page.locator(".site-header"))
    assert "统一认证干部" in header and "云南省玉溪市通海县" in header
    screenshot(page, "signon_landed")

    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    assert page.url.endswith("/accounts/login/")
    assert len(cas.logouts) == 1 and cas.logouts[0]["service"].endswith("/accounts/login/")

    cas.next_user = "nobody-here"
    page.get_by_test_id("signon-cas").click()
    page.wait_for_load_state()
    refusal = page.get_by_test_id("signon-refused")
    assert "nobody-here" in text_of(refusal) and "尚未关联" in text_of(refusal)
    assert "请联系为您开通账号的侨联" in text_of(page.get_by_test_id("signon-whom"))
    screenshot(page, "signon_refused")
    assert get_user_model().objects.filter(username="nobody-here").count() == 0
    assert account.pk
    assert violations == []
