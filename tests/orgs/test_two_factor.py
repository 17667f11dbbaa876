"""Issue 18 §4: two-factor login (django-otp, TOTP). Administrators reach nothing but enrolment until enrolled and
verified; a wrong code is refused and audited; a recovery code works once; optional for everyone else; the
administrators' API tokens are refused. Logins here go through the real login page (password, django-axes), not
force_login."""
from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.twofactor.services import totp_enrolment_confirm, totp_enrolment_start

pytestmark = pytest.mark.django_db
PASSWORD = settings.DEMO_PASSWORD
ADDRESS = "10.18.4.2"


def login(username: str) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS)
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def code_of(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def steps(user) -> list[str]:
    return list(LogEntry.objects.filter(additional_data__event="two_factor", object_pk=str(user.pk))
                .order_by("pk").values_list("additional_data__step", flat=True))


def enrolled(user) -> list[str]:
    """An authenticator confirmed through the service (as the enrolment page does); returns the recovery codes."""
    device = totp_enrolment_start(user)
    return totp_enrolment_confirm(user=user, token=code_of(device))


def test_an_administrator_without_a_device_is_forced_to_enrol(admin_user):
    client = login("admin")
    page = client.get("/census/persons/")
    assert page.status_code == 302 and page.url.startswith("/accounts/2fa/verify/")
    assert client.get(page.url).url.startswith("/accounts/2fa/enrol/")  # no authenticator yet: enrolment
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/persons/").status_code == 403  # the session API too
    enrol = client.get("/accounts/2fa/enrol/")
    assert enrol.status_code == 200 and b"<svg" in enrol.content and re.search(rb"<script(?![^>]*\bsrc=)", enrol.content) is None
    assert "no-store" in enrol["Cache-Control"]
    assert b'data-testid="otp-required"' in enrol.content and b'data-testid="otp-cancel"' not in enrol.content
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    codes = client.post("/accounts/2fa/enrol/", {"token": code_of(device)})
    assert codes.status_code == 200 and len(codes.context["codes"]) == 10
    assert client.get("/census/persons/").status_code == 200
    assert steps(admin_user) == ["enrolled"]
    # replacing the authenticator later: no "nothing opens before enrolment", a way back instead of the logout
    again = client.get("/accounts/2fa/enrol/")
    assert b'data-testid="otp-required"' not in again.content and b'data-testid="otp-cancel"' in again.content


def test_a_wrong_code_is_refused_and_audited(admin_user):
    enrolled(admin_user)
    client = login("admin")
    refused = client.post("/accounts/2fa/verify/", {"token": "000000", "next": "/census/persons/"})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    assert client.get("/census/persons/").status_code == 302
    entry = LogEntry.objects.filter(additional_data__event="two_factor").latest("pk")
    assert entry.additional_data["step"] == "verify_failed" and entry.actor == admin_user and entry.remote_addr == ADDRESS
    device = TOTPDevice.objects.get(user=admin_user, confirmed=True)
    device.throttle_reset(commit=False)  # django-otp throttles after a failure (1 s, then doubling): lifted here
    device.last_t = -1  # and the code used at enrolment may be given once more in this test's same 30 seconds
    device.save()
    accepted = client.post("/accounts/2fa/verify/", {"token": code_of(device), "next": "/census/persons/"})
    assert accepted.status_code == 302 and accepted.url == "/census/persons/"
    assert client.get("/census/persons/").status_code == 200
    assert steps(admin_user)[-2:] == ["verify_failed", "verified"]


def test_a_recovery_code_works_once(admin_user):
    codes = enrolled(admin_user)
    client = login("admin")
    assert client.post("/accounts/2fa/verify/", {"token": codes[0]}).status_code == 302
    assert client.get("/census/persons/").status_code == 200
    again = login("admin")
    assert again.post("/accounts/2fa/verify/", {"token": codes[0]}).status_code == 200  # used
    assert again.get("/census/persons/").status_code == 302
    StaticDevice.objects.get(user=admin_user).throttle_reset()  # the failure's 1-second throttle, lifted
    assert again.post("/accounts/2fa/verify/", {"token": codes[1]}).status_code == 302
    assert steps(admin_user)[-3:] == ["recovery_code", "verify_failed", "recovery_code"]


def test_enrolling_again_is_no_way_around_the_second_factor(admin_user):
    """With an authenticator bound, the enrolment page needs a verified session: the password alone replaces nothing."""
    enrolled(admin_user)
    client = login("admin")
    assert client.get("/accounts/2fa/enrol/").url == "/accounts/2fa/verify/"
    assert client.post("/accounts/2fa/enrol/", {"token": "123456"}).url == "/accounts/2fa/verify/"
    assert TOTPDevice.objects.filter(user=admin_user).count() == 1


def test_optional_for_staff_who_may_enrol_on_their_page(tonghai_official):
    client = login("tonghai_official")
    assert client.get("/census/persons/").status_code == 200  # no second factor asked
    assert client.get("/accounts/2fa/").status_code == 200
    client.get("/accounts/2fa/enrol/")
    device = TOTPDevice.objects.get(user=tonghai_official, confirmed=False)
    assert client.post("/accounts/2fa/enrol/", {"token": code_of(device)}).status_code == 200
    # from now on their login asks for it too
    later = login("tonghai_official")
    assert later.get("/census/persons/").status_code == 302
    device.refresh_from_db()
    device.last_t = -1  # the code used at enrolment may be given once more in this test's same 30 seconds
    device.save()
    assert later.post("/accounts/2fa/verify/", {"token": code_of(device)}).status_code == 302
    assert later.get("/census/persons/").status_code == 200
    assert later.post("/accounts/2fa/remove/").status_code == 302
    assert not TOTPDevice.objects.filter(user=tonghai_official).exists()
    assert steps(tonghai_official) == ["enrolled", "verified", "removed"]


def test_an_administrator_may_not_remove_the_second_factor(client_for, admin_user):
    client = client_for(admin_user)
    assert client.post("/accounts/2fa/remove/").status_code == 403
    assert TOTPDevice.objects.filter(user=admin_user).exists()


def test_administrators_tokens_are_refused_others_work(admin_user, security_admin_user, tonghai_official):
    for user, status in ((admin_user, 401), (security_admin_user, 401), (tonghai_official, 200)):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        assert client.get("/api/regions/").status_code == status, user


def test_an_administrator_role_given_during_a_session_asks_for_the_factor_at_once(client_for, tonghai_official):
    client = client_for(tonghai_official)
    assert client.get("/census/persons/").status_code == 200
    tonghai_official.memberships.all().delete()
    Membership.objects.create(user=tonghai_official, role=Role.AUDIT_ADMIN, region=None)
    assert client.get("/audit/").url.startswith("/accounts/2fa/verify/")
