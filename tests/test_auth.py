"""Login security: django-axes lockout per (user name, address), session lifetimes, password rules."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from qiaolian.middleware import SESSION_STARTED_KEY

pytestmark = pytest.mark.django_db

PASSWORD = settings.DEMO_PASSWORD
OFFICE = "10.1.1.1"
ELSEWHERE = "10.2.2.2"


def attempt_login(username: str, password: str, ip: str = OFFICE, client: Client | None = None, **extra):
    client = client or Client()
    response = client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)
    return client, response


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def fail(username: str, times: int, ip: str = OFFICE):
    for _ in range(times):
        client, _response = attempt_login(username, "wrong-password", ip)
        assert not logged_in(client)


# ---- axes ----------------------------------------------------------------------------------------------------


def test_right_password_logs_in(tonghai_official):
    client, response = attempt_login("tonghai_official", PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_wrong_password_shows_the_form_again(tonghai_official):
    client, response = attempt_login("tonghai_official", "wrong-password")
    assert response.status_code == 200 and not logged_in(client)
    assert "用户名或密码不正确" in response.content.decode()


def test_sixth_attempt_is_locked_even_with_the_right_password(tonghai_official):
    fail("tonghai_official", 5)
    client, response = attempt_login("tonghai_official", PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    assert AccessAttempt.objects.get(username="tonghai_official", ip_address=OFFICE).failures_since_start >= 5


def test_four_failures_do_not_lock(tonghai_official):
    fail("tonghai_official", 4)
    client, _ = attempt_login("tonghai_official", PASSWORD)
    assert logged_in(client)


def test_lockout_answers_ajax_with_json(tonghai_official):
    fail("tonghai_official", 5)
    _, response = attempt_login("tonghai_official", PASSWORD, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 429
    assert response.json()["failure_limit"] == 5


def test_same_user_from_another_address_is_not_locked(tonghai_official):
    fail("tonghai_official", 5)
    client, _ = attempt_login("tonghai_official", PASSWORD, ip=ELSEWHERE)
    assert logged_in(client)


def test_another_user_from_the_same_address_is_not_locked(tonghai_official, huaning_official):
    fail("tonghai_official", 5)
    client, _ = attempt_login("huaning_official", PASSWORD)
    assert logged_in(client)


def test_lock_lifts_after_fifteen_minutes(tonghai_official):
    fail("tonghai_official", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    client, response = attempt_login("tonghai_official", PASSWORD)
    assert response.status_code == 429 and not logged_in(client)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    client, response = attempt_login("tonghai_official", PASSWORD)
    assert logged_in(client)


def test_success_resets_the_failure_count(tonghai_official):
    fail("tonghai_official", 4)
    client, _ = attempt_login("tonghai_official", PASSWORD)
    assert logged_in(client)
    fail("tonghai_official", 4)
    client, _ = attempt_login("tonghai_official", PASSWORD)
    assert logged_in(client)


def test_admin_login_page_is_locked_too(yuxi_staff):
    for _ in range(5):
        Client().post("/admin/login/", {"username": "yuxi_staff", "password": "wrong-password"}, REMOTE_ADDR=OFFICE)
    client = Client()
    response = client.post("/admin/login/", {"username": "yuxi_staff", "password": PASSWORD}, REMOTE_ADDR=OFFICE)
    assert response.status_code == 429 and not logged_in(client)


# ---- sessions ------------------------------------------------------------------------------------------------


def test_session_settings():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY is True


def _session(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_idle_timeout_is_thirty_minutes_renewed_by_each_request(client_for, tonghai_official):
    client = client_for(tonghai_official)
    assert client.get("/").status_code == 200  # the dashboard: still signed in
    expiry = _session(client).expire_date
    assert abs((expiry - timezone.now()) - timedelta(minutes=30)) < timedelta(seconds=30)
    Session.objects.filter(pk=client.session.session_key).update(expire_date=timezone.now() + timedelta(minutes=5))
    assert client.get("/").status_code == 200
    assert _session(client).expire_date - timezone.now() > timedelta(minutes=29)


def test_idle_session_expires(client_for, tonghai_official):
    client = client_for(tonghai_official)
    Session.objects.filter(pk=client.session.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/login/")


def _age_session(client: Client, seconds: int):
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - seconds
    session.save()


def test_absolute_limit_starts_at_the_first_request(client_for, tonghai_official):
    client = client_for(tonghai_official)
    client.get("/")
    assert abs(client.session[SESSION_STARTED_KEY] - time.time()) < 60


def test_session_within_twelve_hours_stays(client_for, tonghai_official):
    client = client_for(tonghai_official)
    client.get("/")
    _age_session(client, 11 * 3600)
    assert client.get("/").status_code == 200
    assert logged_in(client)


def test_absolute_limit_of_twelve_hours_logs_out(client_for, tonghai_official):
    client = client_for(tonghai_official)
    client.get("/")
    _age_session(client, 12 * 3600 + 5)
    response = client.get("/regions/")
    assert response.status_code == 302 and response.headers["Location"] == "/accounts/login/?next=/regions/"
    assert not logged_in(client)
    assert LogEntry.objects.filter(additional_data__event="logout", actor=tonghai_official).exists()
    # and a fresh login starts a fresh clock
    client, _ = attempt_login("tonghai_official", PASSWORD, client=client)
    client.get("/")
    assert client.get("/").status_code == 200


def test_absolute_limit_applies_to_the_api(api_client_for, tonghai_official):
    client = api_client_for(tonghai_official)
    assert client.get("/api/regions/").status_code == 200
    _age_session(client, 12 * 3600 + 5)
    assert client.get("/api/regions/").status_code in (401, 403)
    assert client.get("/api/regions/").status_code in (401, 403)


# ---- passwords ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["Short1!", "qwertyuiop", "password123", "12345678901234", "tonghai_official"],
)
def test_weak_passwords_are_refused(tonghai_official, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=tonghai_official)


def test_a_good_password_passes(tonghai_official):
    validate_password("Qiao-lian#2026x", user=tonghai_official)
    validate_password(PASSWORD, user=tonghai_official)


def test_password_change_refuses_a_short_password(client_for, tonghai_official):
    client = client_for(tonghai_official)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Ab1!", "new_password2": "Ab1!"},
    )
    assert response.status_code == 200
    tonghai_official.refresh_from_db()
    assert tonghai_official.check_password(PASSWORD)
