"""Issue 18 §4: 三员分立. The security administrator opens accounts, gives roles and lifts lockouts; the audit
administrator reads the audit log and nothing else; the system administrator does neither; no account holds two of
the three (the service refuses, the database refuses)."""
from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.access.scoping import user_scope
from orgs.accounts.services import account_create, membership_grant
from orgs.regions.models import Region
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_no_account_holds_two_administrator_roles_in_the_database(admin_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=admin_user, role=Role.AUDIT_ADMIN, region=None)
    with pytest.raises(IntegrityError), transaction.atomic():  # nor an administrator's role in a region
        Membership.objects.create(user=UserFactory(), role=Role.SECURITY_ADMIN, region=Region.objects.get(code="530423"))


def test_the_service_keeps_administrators_to_one_role(security_admin_user, admin_user, tonghai_official):
    tonghai = Region.objects.get(code="530423")
    with pytest.raises(ValidationError):
        membership_grant(account=admin_user, editor=security_admin_user, role=Role.AUDIT_ADMIN, region=None)
    with pytest.raises(ValidationError):
        membership_grant(account=admin_user, editor=security_admin_user, role=Role.STAFF, region=tonghai)
    with pytest.raises(ValidationError):
        membership_grant(account=tonghai_official, editor=security_admin_user, role=Role.SECURITY_ADMIN, region=None)
    assert list(admin_user.memberships.values_list("role", flat=True)) == [Role.ADMIN]
    auditor, _password = account_create(creator=security_admin_user, username="auditor2", name="审计员", role=Role.AUDIT_ADMIN, region=None)
    assert (auditor.is_superuser, auditor.is_staff) == (False, False)
    assert user_scope(auditor).is_audit_admin and not user_scope(auditor).is_admin


def test_a_superuser_flag_makes_no_security_or_audit_administrator_a_system_administrator():
    user = UserFactory(is_superuser=True)
    MembershipFactory(user=user, role=Role.AUDIT_ADMIN, region=None)
    scope = user_scope(user)
    assert not scope.is_admin and scope.is_audit_admin and not scope.sees_region(Region.objects.get(code="530423"))


def test_the_system_administrator_neither_opens_accounts_nor_unlocks(client_for, admin_user, tonghai_official):
    client = client_for(admin_user)
    assert client.get("/accounts/new/").status_code == 403
    assert client.post(f"/accounts/{tonghai_official.pk}/unlock/").status_code == 403
    assert client.get("/accounts/lockouts/").status_code == 403
    assert client.get("/audit/").status_code == 403
    assert client.get("/accounts/").status_code == 200  # reads the accounts


def test_the_security_administrator_lifts_a_lockout_audited(client, client_for, security_admin_user, tonghai_official):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "tonghai_official", "password": "wrong-password"}, REMOTE_ADDR="10.7.7.7")
    attempt = AccessAttempt.objects.get(username="tonghai_official")
    page = client_for(security_admin_user).get("/accounts/lockouts/")
    assert page.status_code == 200 and "tonghai_official" in page.content.decode() and "10.7.7.7" in page.content.decode()
    released = client_for(security_admin_user).post("/accounts/lockouts/", {"attempt": attempt.pk})
    assert released.status_code == 302 and not AccessAttempt.objects.filter(pk=attempt.pk).exists()
    entry = LogEntry.objects.filter(additional_data__event="account", additional_data__lockout=True).get()
    assert entry.actor == security_admin_user and entry.object_pk == str(tonghai_official.pk)
    assert entry.additional_data["address"] == "10.7.7.7"


def test_the_lockout_list_offers_release_on_locked_rows_only(client, client_for, security_admin_user):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "tonghai_official", "password": "wrong-password"}, REMOTE_ADDR="10.7.7.7")
    client.post("/accounts/login/", {"username": "yuxi_staff", "password": "wrong-password"}, REMOTE_ADDR="10.7.7.8")
    text = client_for(security_admin_user).get("/accounts/lockouts/").content.decode()
    assert "共 2 条登录失败记录。" in text
    assert text.count('data-testid="lockout-row"') == 2 and text.count('data-testid="release"') == 1


def test_the_security_administrator_opens_accounts_in_every_region_and_sees_no_data(client_for, security_admin_user):
    client = client_for(security_admin_user)
    created = client.post("/accounts/new/", {"username": "kunming_official", "name": "昆明干部", "role": "county_official",
                                             "region": "530102", "email": "", "phone": ""})
    assert created.status_code == 200 and "一次性初始密码" in created.content.decode()
    assert Membership.objects.filter(user__username="kunming_official", region__code="530102").exists()
    assert client.get("/").url == "/accounts/"
    assert client.get("/census/persons/").status_code == 403
    assert client.get("/api/persons/").status_code == 403
    assert client.get("/audit/").status_code == 403


def test_the_audit_administrator_sees_only_the_audit_pages(client_for, audit_admin_user, tonghai_official):
    client = client_for(audit_admin_user)
    assert client.get("/").url == "/audit/"
    assert client.get("/audit/").status_code == 200
    for path in ("/accounts/", "/accounts/lockouts/", "/census/persons/", "/api/regions/", "/admin/", f"/accounts/{tonghai_official.pk}/"):
        assert client.get(path).status_code == 403, path
    assert client.get("/accounts/2fa/").status_code == 200  # their own second factor


@pytest.mark.parametrize(("fixture", "path", "role"), [("audit_admin_user", "/audit/", "审计管理员"),
                                                       ("security_admin_user", "/accounts/lockouts/", "安全管理员")])
def test_the_administrators_header_names_their_role_and_links_no_refused_page(request, client_for, fixture, path, role):
    text = client_for(request.getfixturevalue(fixture)).get(path).content.decode()
    assert f'<span class="chip chip--role">{role}</span>' in text
    assert 'data-testid="inbox-link"' not in text  # the inbox is not theirs: a 403
    assert "未分配辖区" not in text  # they hold no region, by design


def test_a_refused_page_says_why_in_the_users_language(client_for, audit_admin_user):
    refused = client_for(audit_admin_user).get("/tasks/inbox/")
    assert refused.status_code == 403
    text = refused.content.decode()
    assert "您无权访问此页面" in text and 'data-testid="forbidden"' in text and "403 Forbidden" not in text


def test_the_security_administrator_resets_a_lost_second_factor(client_for, security_admin_user, admin_user, yuxi_staff):
    client_for(admin_user)  # the administrator's authenticator (made by the test helper)
    assert TOTPDevice.objects.filter(user=admin_user).exists()
    assert client_for(yuxi_staff).post(f"/accounts/{admin_user.pk}/two-factor-reset/").status_code in (403, 404)
    assert client_for(security_admin_user).post(f"/accounts/{admin_user.pk}/two-factor-reset/").status_code == 302
    assert not TOTPDevice.objects.filter(user=admin_user).exists()
    entry = LogEntry.objects.filter(additional_data__event="two_factor", additional_data__step="reset").get()
    assert entry.actor == security_admin_user and entry.object_pk == str(admin_user.pk)


def test_the_first_security_administrator_is_opened_from_the_command_line():
    out = io.StringIO()
    call_command("create_administrator", "--role", "security_admin", "--username", "anquan", stdout=out)
    password = out.getvalue().split("one-time password ")[1].split()[0]
    user = User.objects.get(username="anquan")
    assert user.check_password(password) and user.account.must_change_password and not user.is_superuser
    assert user_scope(user).is_security_admin
    assert LogEntry.objects.filter(additional_data__event="account", object_pk=str(user.pk), actor=None).exists()
    with pytest.raises(CommandError):
        call_command("create_administrator", "--role", "security_admin", "--username", "anquan", stdout=out)


def test_the_security_administrator_opens_accounts_anywhere_through_the_api(api_client_for, security_admin_user):
    api = api_client_for(security_admin_user)
    body = {"username": "lijiang_official", "name": "丽江干部", "role": "county_official", "region": "530702"}
    created = api.post("/api/accounts/", body, format="json")
    assert created.status_code == 201, created.content
    account = User.objects.get(username="lijiang_official")
    assert api.post(f"/api/accounts/{account.pk}/roles/", {"role": "audit_admin", "region": None}, format="json").status_code == 400
    assert list(account.memberships.values_list("role", flat=True)) == ["county_official"]
