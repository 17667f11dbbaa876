"""Shared fixtures.

The national region tree (3,235 rows with the Yuxi key areas) and the demo users are loaded ONCE per test
database, outside any test transaction; each test then runs in a transaction that is rolled back, so the
loaded data is the same at the start of every test. Tests must not use `transactional_db` (its flush at the
end would empty the tables for the tests after it).
"""
from __future__ import annotations

import tempfile

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from orgs.access.roles import Role
from orgs.regions.models import Region
from orgs.twofactor.services import second_factor_required
from qiaolian.demo.organizations import demo_regions_load, demo_users_create
from tests.factories import MembershipFactory, UserFactory
from tests.fakes.fixtures import fake_dingtalk, fake_sms, fake_wecom  # noqa: F401 (fixtures: tests/fakes/__init__.py)

# The demo password hashed by PBKDF2 costs ~0.3 s per user; tests only need hashing to work.
# Uploads made by tests (census imports, error reports) go to a temporary folder, not var/media.
TEST_SETTINGS = override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    MEDIA_ROOT=tempfile.mkdtemp(prefix="qiaolian-test-media-"),
)

DEMO_USERNAMES = ("admin", "security_admin", "audit_admin", "yunnan_staff", "yuxi_staff", "tonghai_official", "huaning_official", "yuxi_leader")
ORGS_PERMISSIONS = [
    f"{app}.{action}_{model}"
    for app, model in (("orgs", "region"), ("orgs", "membership"), ("orgs", "unit"), ("orgs", "organization"),
                       ("census", "person"), ("census", "campaign"), ("census", "personevent"), ("census", "headcount"),
                       ("census", "censusimport"), ("census", "policy"), ("census", "requirement"),
                       ("census", "coveragerollup"))
    for action in ("view", "add", "change", "delete")
]


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    TEST_SETTINGS.enable()
    yield
    TEST_SETTINGS.disable()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: figures cached by an earlier test (whose rows were rolled back)
    or by an earlier run against the same Redis never leak into it."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test ends in the default language: a request made with `Accept-Language: en` leaves English active in
    the thread (LocaleMiddleware activates, never deactivates), which would render a later test's PDF in English."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def eager_celery():
    """Jobs run in-process for this test, also when REDIS_URL points Celery at a real broker (no worker runs
    beside the tests; tests/tasks/test_worker.py covers a real worker)."""
    from qiaolian.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(scope="session")
def django_db_setup(_test_settings, django_db_setup, django_db_blocker):
    """Creates the test database as usual, then loads the national tree and the demo users into it once."""
    with django_db_blocker.unblock():
        demo_regions_load()
        demo_users_create()


def _user(username: str):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def admin_user(db):
    """The demo system administrator (superuser, admin role, no region)."""
    return _user("admin")


@pytest.fixture
def security_admin_user(db):
    """The demo security administrator (三员分立: accounts, roles, lockouts; no region, not a superuser)."""
    return _user("security_admin")


@pytest.fixture
def audit_admin_user(db):
    """The demo audit administrator (三员分立: reads the audit log, nothing else)."""
    return _user("audit_admin")


@pytest.fixture
def yunnan_staff(db):
    return _user("yunnan_staff")


@pytest.fixture
def yuxi_staff(db):
    return _user("yuxi_staff")


@pytest.fixture
def tonghai_official(db):
    """County official of 通海县 (530423): the scope every leak test looks from."""
    return _user("tonghai_official")


@pytest.fixture
def huaning_official(db):
    """County official of 华宁县 (530424), the neighbouring county: foreign to tonghai_official."""
    return _user("huaning_official")


@pytest.fixture
def yuxi_leader(db):
    """Leadership (read-only) of 玉溪市 (530400); not a staff user, so the admin is closed to them."""
    return _user("yuxi_leader")


@pytest.fixture
def tonghai_staff(db):
    """A Django-admin user scoped to 通海县: is_staff, every orgs model permission, county official of 530423."""
    user = UserFactory(username="tonghai_staff", is_staff=True, permissions=ORGS_PERMISSIONS)
    MembershipFactory(user=user, role=Role.COUNTY_OFFICIAL, region=Region.objects.get(code="530423"))
    return user


@pytest.fixture
def leader_staff(db):
    """A Django-admin user with every orgs model permission but only a leadership (read-only) role in 玉溪市."""
    user = UserFactory(username="leader_staff", is_staff=True, permissions=ORGS_PERMISSIONS)
    MembershipFactory(user=user, role=Role.LEADERSHIP, region=Region.objects.get(code="530400"))
    return user


def second_factor_verified(client, user):
    """Tests only, called explicitly: the force_login session of a user who needs the second factor (administrators)
    counts as verified by an authenticator made for them here, as if they had typed its code. Production has no such
    path: a session is verified by `orgs.twofactor.services` only (tests/orgs/test_two_factor.py)."""
    # asked of a copy: the scope it computes would stay cached on the test's own user object, stale once the test
    # adds regions to the tree
    if second_factor_required(type(user).objects.get(pk=user.pk)):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def client_for(db):
    """client_for(user): a django test Client logged in as `user` (force_login: no axes, no password; an
    administrator's session counts as verified by the second factor: `second_factor_verified`)."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return second_factor_verified(client, user)

    return make


@pytest.fixture
def api_client_for(db):
    """api_client_for(user): a DRF APIClient logged in as `user` (session authentication; administrators verified
    as by client_for)."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return second_factor_verified(client, user)

    return make


@pytest.fixture
def admin_client(client_for, admin_user):
    return client_for(admin_user)


@pytest.fixture
def tonghai_client(client_for, tonghai_official):
    return client_for(tonghai_official)


@pytest.fixture
def leader_client(client_for, yuxi_leader):
    return client_for(yuxi_leader)


@pytest.fixture
def tonghai_api(api_client_for, tonghai_official):
    return api_client_for(tonghai_official)


@pytest.fixture
def leader_api(api_client_for, yuxi_leader):
    return api_client_for(yuxi_leader)
