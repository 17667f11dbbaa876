"""Issue 15, part 2 (first step): accounts given out by the level above, through /api/accounts/. A creator opens
accounts in their editable scope with a role no higher than their own; nothing is created otherwise; the one-time
initial password is shown once; every opening is audited."""
from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model

from orgs.access.models import Membership
from orgs.accounts.models import AccountProfile

pytestmark = pytest.mark.django_db
User = get_user_model()


def open_account(api, **fields):
    body = {"username": "new_official", "name": "新干部", "role": "county_official", "region": "530423",
            "email": "new@example.org", "phone": "139 1234 5678", **fields}
    return api.post("/api/accounts/", body, format="json")


def test_city_staff_open_a_county_official_account_with_a_one_time_password(api_client_for, yuxi_staff, client):
    response = open_account(api_client_for(yuxi_staff))
    assert response.status_code == 201, response.content
    body = response.json()
    password = body["initial_password"]
    assert len(password) == 12 and [{k: v for k, v in r.items() if k != "id"} for r in body["roles"]] == [
        {"role": "county_official", "role_display": "县级统战/侨联干部", "region": "530423"}]
    user = User.objects.get(username="new_official")
    assert user.check_password(password) and user.first_name == "新干部" and not user.is_staff
    profile = AccountProfile.objects.get(user=user)
    assert profile.must_change_password and profile.created_by == yuxi_staff and profile.phone == "13912345678"
    entry = LogEntry.objects.filter(additional_data__event="account").get()
    assert entry.actor == yuxi_staff and "new_official" in entry.object_repr
    listed = api_client_for(yuxi_staff).get(f"/api/accounts/{user.pk}/").json()
    assert "initial_password" not in listed  # shown once, at creation


@pytest.mark.parametrize(
    ("creator", "fields", "status"),
    [
        ("yuxi_staff", {"region": "532500"}, 400),  # 红河州: outside 玉溪市
        ("yuxi_staff", {"role": "admin", "region": None}, 403),  # only administrators open administrators
        ("tonghai_official", {"role": "staff"}, 403),  # above a county official's own role
        ("tonghai_official", {"region": "530424"}, 400),  # 华宁县: another county
        ("yuxi_leader", {}, 403),  # read-only
    ],
)
def test_a_role_above_the_creator_or_a_region_outside_their_scope_creates_nothing(api_client_for, creator, fields, status):
    before = (User.objects.count(), Membership.objects.count(), AccountProfile.objects.count())
    response = open_account(api_client_for(User.objects.get(username=creator)), **fields)
    assert response.status_code == status, response.content
    assert (User.objects.count(), Membership.objects.count(), AccountProfile.objects.count()) == before


def test_a_county_official_opens_a_colleague_of_their_county_and_the_security_administrator_anyone(
    api_client_for, tonghai_official, admin_user, security_admin_user,
):
    assert open_account(api_client_for(tonghai_official), username="colleague").status_code == 201
    # 三员分立: the system administrator opens no account; the security administrator opens administrators too
    assert open_account(api_client_for(admin_user), username="refused_admin", role="admin", region=None).status_code == 403
    assert open_account(api_client_for(security_admin_user), username="second_admin", role="admin", region=None).status_code == 201
    assert User.objects.get(username="second_admin").is_superuser
    assert open_account(api_client_for(security_admin_user), username="auditor", role="audit_admin", region=None).status_code == 201
    auditor = User.objects.get(username="auditor")
    assert not auditor.is_superuser and not auditor.is_staff


def test_the_list_holds_the_accounts_of_the_scope_only(api_client_for, yuxi_staff, tonghai_official):
    names = {a["username"] for a in api_client_for(yuxi_staff).get("/api/accounts/").json()["results"]}
    assert {"tonghai_official", "huaning_official", "yuxi_leader"} <= names and "yunnan_staff" not in names and "admin" not in names
    names = {a["username"] for a in api_client_for(tonghai_official).get("/api/accounts/").json()["results"]}
    assert names == {"tonghai_official"}


def test_a_password_reset_is_shown_once_and_an_account_deactivated(api_client_for, yuxi_staff, tonghai_official):
    api = api_client_for(yuxi_staff)
    reset = api.post(f"/api/accounts/{tonghai_official.pk}/reset-password/")
    assert reset.status_code == 200 and len(reset.json()["initial_password"]) == 12
    tonghai_official.refresh_from_db()
    assert tonghai_official.check_password(reset.json()["initial_password"]) and tonghai_official.account.must_change_password
    assert api.post(f"/api/accounts/{tonghai_official.pk}/deactivate/").status_code == 204
    tonghai_official.refresh_from_db()
    assert not tonghai_official.is_active
    # a staff member cannot touch an account above their own role
    staff = User.objects.get(username="yunnan_staff")
    huaning = User.objects.get(username="huaning_official")
    assert api_client_for(huaning).post(f"/api/accounts/{staff.pk}/reset-password/").status_code == 404


def test_a_new_account_must_change_its_initial_password_before_anything_else(api_client_for, yuxi_staff, client):
    password = open_account(api_client_for(yuxi_staff)).json()["initial_password"]
    assert client.post("/accounts/login/", {"username": "new_official", "password": password}).status_code == 302
    assert client.get("/census/persons/").url == "/accounts/password/"  # every page leads to the password page
    changed = client.post("/accounts/password/", {
        "old_password": password, "new_password1": "Tonghai-new-2026!", "new_password2": "Tonghai-new-2026!",
    })
    assert changed.status_code == 302
    assert client.get("/census/persons/").status_code == 200
    assert not AccountProfile.objects.get(user__username="new_official").must_change_password


def test_an_account_is_edited_audited_and_unlocked(api_client_for, yuxi_staff, tonghai_official, client):
    from axes.models import AccessAttempt

    api = api_client_for(yuxi_staff)
    changed = api.patch(f"/api/accounts/{tonghai_official.pk}/", {"name": "通海县新任干部", "phone": "+86 139-1234-5678"}, format="json")
    assert changed.status_code == 200, changed.content
    # read back masked only (the API never gives a full number); stored encrypted, read in clear by the code
    assert (changed.json()["name"], changed.json()["phone_masked"]) == ("通海县新任干部", "139****5678")
    assert "phone" not in changed.json()
    assert AccountProfile.objects.get(user=tonghai_official).phone == "13912345678"  # a mainland mobile: its 11 digits
    # the account's phone is where escalation SMS go: a mobile, mainland or with its country code
    for not_a_mobile in ("0877-1234567", "12345", "11111111111111111111", "23912345678"):
        refused = api.patch(f"/api/accounts/{tonghai_official.pk}/", {"phone": not_a_mobile}, format="json")
        assert refused.status_code == 400 and "不是手机号码" in refused.json()["phone"][0], not_a_mobile
    assert api.patch(f"/api/accounts/{tonghai_official.pk}/", {"phone": "+44 7911 123456"}, format="json").status_code == 200
    assert AccountProfile.objects.get(user=tonghai_official).phone == "+447911123456"
    entry = LogEntry.objects.filter(additional_data__event="account", additional_data__changes__name__isnull=False).latest("pk")
    assert entry.additional_data["changes"]["name"][1] == "通海县新任干部"
    assert api.patch(f"/api/accounts/{tonghai_official.pk}/", {"phone": "打电话"}, format="json").status_code == 400

    for _ in range(5):
        client.post("/accounts/login/", {"username": "tonghai_official", "password": "wrong-password"})
    assert AccessAttempt.objects.filter(username="tonghai_official").exists()
    listed = {a["username"]: a for a in api.get("/api/accounts/").json()["results"]}
    assert listed["tonghai_official"]["locked"] is True and listed["huaning_official"]["locked"] is False
    unlocked = api.post(f"/api/accounts/{tonghai_official.pk}/unlock/")
    assert unlocked.status_code == 200 and unlocked.json()["locked"] is False
    assert not AccessAttempt.objects.filter(username="tonghai_official").exists()
    # leadership reads, never changes
    leader = api_client_for(User.objects.get(username="yuxi_leader"))
    assert leader.post(f"/api/accounts/{tonghai_official.pk}/unlock/").status_code == 403


@pytest.mark.parametrize(("field", "value", "shown"), [
    ("wecom_user_id", "13912345678", "139****5678"),
    ("wecom_user_id", "+8613912345678", "139****5678"),
    ("dingtalk_user_id", "+447911123456", None),
    ("wecom_user_id", "11010519491231002X", None),
])
def test_a_platform_user_id_that_is_someones_number_is_refused_and_not_echoed(api_client_for, yuxi_staff, field, value, shown):
    """企业微信 / 钉钉 user ids are kept and shown in clear (account page, API, outbox): a mobile or resident ID there
    would be a number in clear. Refused, naming the field, the number masked in the message; nothing is opened."""
    response = open_account(api_client_for(yuxi_staff), **{field: value})
    assert response.status_code == 400 and field in response.json(), response.content
    message = str(response.json()[field])
    assert "不能用作通知账号" in message and value not in message and value[-8:] not in message
    if shown:
        assert shown in message
    assert not User.objects.filter(username="new_official").exists()


@pytest.mark.parametrize("value", ["zhangsan", "ZhangSan01", "0447654442691174", "manager4220", "1391234"])
def test_platform_user_ids_of_other_shapes_are_taken(api_client_for, yuxi_staff, value):
    response = open_account(api_client_for(yuxi_staff), wecom_user_id=value)
    assert response.status_code == 201, response.content
    assert AccountProfile.objects.get(user__username="new_official").wecom_user_id == value


def test_immediate_notices_are_opted_into_not_given(api_client_for, yuxi_staff):
    """The daily digest and escalations always go; immediate notices (a task assigned …) go outside the product only
    for whom chose them: an account opened without the choice has none, and the opener's form starts unticked."""
    from orgs.accounts.forms import AccountCreateForm

    assert open_account(api_client_for(yuxi_staff)).status_code == 201
    assert AccountProfile.objects.get(user__username="new_official").notify_immediate is False
    assert open_account(api_client_for(yuxi_staff), username="chose_it", notify_immediate=True).status_code == 201
    assert AccountProfile.objects.get(user__username="chose_it").notify_immediate is True
    assert AccountCreateForm(user=yuxi_staff)["notify_immediate"].initial is False
