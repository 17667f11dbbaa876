"""Issue 15, part 2: the account pages (账号管理). The level above opens, edits, resets, deactivates and unlocks the
accounts of the level below in pages, gives and takes roles (each change audited, before → after); the list shows
last logins and locks; nothing outside the user's scope or above their role is shown as manageable or changed."""
from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from orgs.access.models import Membership
from orgs.accounts.models import AccountProfile
from orgs.accounts.services import account_create
from orgs.regions.models import Region

pytestmark = pytest.mark.django_db
User = get_user_model()


def _open(creator, username="tonghai_new", region="530423", role="county_official"):
    return account_create(creator=creator, username=username, name="通海新干部", role=role,
                          region=Region.objects.get(code=region))


def test_opening_an_account_in_the_page_shows_its_one_time_password_once(client_for, yuxi_staff):
    client = client_for(yuxi_staff)
    form = client.get(reverse("accounts:create"))
    assert form.status_code == 200
    # the roles offered are those the creator may give: no administrator
    offered = set(form.context["form"].fields["role"].choices)
    assert {value for value, _label in offered} == {"staff", "county_official", "leadership"}
    assert form.context["form"]["region"].value() == "530400"  # the creator's own region, preselected
    response = client.post(reverse("accounts:create"), {
        "username": "tonghai_new", "name": "通海新干部", "role": "county_official", "region": "530423",
        "email": "", "phone": "13912345678",
    })
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = response.context["password"]
    user = User.objects.get(username="tonghai_new")
    assert user.check_password(password) and password in response.content.decode()
    assert user.memberships.get().region.code == "530423"
    detail = client.get(reverse("accounts:detail", args=[user.pk])).content.decode()
    assert password not in detail and "开通账号 tonghai_new" in detail


@pytest.mark.parametrize(("region", "role", "message"), [
    ("532500", "county_official", "不在您的管辖范围内"),  # 红河州
    ("530423", "admin", "选择一个有效的选项"),  # not offered
])
def test_the_page_refuses_a_region_outside_or_a_role_above_and_creates_nothing(client_for, yuxi_staff, region, role, message):
    before = User.objects.count()
    response = client_for(yuxi_staff).post(reverse("accounts:create"), {
        "username": "nobody_new", "name": "无", "role": role, "region": region})
    assert response.status_code == 200 and message in response.content.decode()
    assert User.objects.count() == before


def test_leadership_reads_the_list_but_opens_nothing(client_for, yuxi_leader):
    client = client_for(yuxi_leader)
    listed = client.get(reverse("accounts:list"))
    assert listed.status_code == 200 and not listed.context["can_create"]
    assert client.get(reverse("accounts:create")).status_code == 403


def test_the_list_shows_the_scope_last_login_and_lock_and_an_authorised_user_unlocks(client_for, yuxi_staff, tonghai_official):
    AccessAttempt.objects.create(username=tonghai_official.username, ip_address="10.0.0.9", user_agent="x",
                                 failures_since_start=settings.AXES_FAILURE_LIMIT)
    client = client_for(yuxi_staff)
    page = client.get(reverse("accounts:list"))
    usernames = {a.username for a in page.context["accounts"]}
    assert "tonghai_official" in usernames and "yuxi_staff" in usernames
    assert not any(name.startswith("honghe") for name in usernames)  # 红河州 is not 玉溪市's
    row = next(a for a in page.context["accounts"] if a.username == "tonghai_official")
    assert row.is_locked
    locked_only = client.get(reverse("accounts:list"), {"locked": "true"})
    assert [a.username for a in locked_only.context["accounts"]] == ["tonghai_official"]
    response = client.post(reverse("accounts:unlock", args=[tonghai_official.pk]), {"back": "list"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:list")
    assert not AccessAttempt.objects.filter(username="tonghai_official").exists()
    assert LogEntry.objects.filter(additional_data__event="account", object_repr__contains="解除锁定").exists()


def test_a_county_official_cannot_unlock_or_reset_a_staff_member(client_for, tonghai_official, yuxi_staff):
    staff_here = _open(yuxi_staff, username="tonghai_county_staff", role="staff")[0]
    client = client_for(tonghai_official)
    assert client.get(reverse("accounts:detail", args=[staff_here.pk])).status_code == 200  # in the county: seen
    assert client.post(reverse("accounts:reset-password", args=[staff_here.pk])).status_code == 403
    assert client.post(reverse("accounts:set-active", args=[staff_here.pk]), {"active": "0"}).status_code == 403
    assert User.objects.get(pk=staff_here.pk).is_active


def test_an_account_of_another_city_is_not_found(client_for, yuxi_staff):
    honghe = _open(User.objects.get(username="security_admin"), username="honghe_new", region="532500", role="staff")[0]
    client = client_for(yuxi_staff)
    for name in ("accounts:detail", "accounts:edit"):
        assert client.get(reverse(name, args=[honghe.pk])).status_code == 404
    assert client.post(reverse("accounts:reset-password", args=[honghe.pk])).status_code == 404


def test_edit_reset_deactivate_and_activate_are_audited_before_to_after(client_for, yuxi_staff):
    account, _password = _open(yuxi_staff)
    client = client_for(yuxi_staff)
    response = client.post(reverse("accounts:edit", args=[account.pk]), {"name": "改过的名字", "email": "a@example.org", "phone": ""})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.first_name == "改过的名字"
    reset = client.post(reverse("accounts:reset-password", args=[account.pk]))
    account.refresh_from_db()
    assert account.check_password(reset.context["password"])
    client.post(reverse("accounts:set-active", args=[account.pk]), {"active": "0"})
    account.refresh_from_db()
    assert not account.is_active
    client.post(reverse("accounts:set-active", args=[account.pk]), {"active": "1"})
    account.refresh_from_db()
    assert account.is_active
    history = client.get(reverse("accounts:detail", args=[account.pk])).context["history"]
    lines = [line for entry in history for line in entry.change_lines]
    assert ("姓名", "通海新干部", "改过的名字") in lines
    descriptions = [entry.object_repr for entry in history]
    assert any("重置密码" in d for d in descriptions) and any("停用账号" in d for d in descriptions)
    assert any("启用账号" in d for d in descriptions)


def test_roles_are_given_and_taken_within_the_scope_and_never_the_last(client_for, yuxi_staff):
    account, _password = _open(yuxi_staff)
    client = client_for(yuxi_staff)
    assert client.post(reverse("accounts:membership-add", args=[account.pk]), {"role": "county_official", "region": "530424"}).status_code == 302
    assert set(account.memberships.values_list("region__code", flat=True)) == {"530423", "530424"}
    refused = client.post(reverse("accounts:membership-add", args=[account.pk]), {"role": "county_official", "region": "532500"})
    assert refused.status_code == 400 and "不在您的管辖范围内" in refused.content.decode()
    refused = client.post(reverse("accounts:membership-add", args=[account.pk]), {"role": "admin", "region": ""})
    assert refused.status_code == 400
    first = account.memberships.get(region__code="530423")
    client.post(reverse("accounts:membership-remove", args=[account.pk, first.pk]))
    last = account.memberships.get()
    assert last.region.code == "530424"
    response = client.post(reverse("accounts:membership-remove", args=[account.pk, last.pk]), follow=True)
    assert "至少保留一个角色" in response.content.decode() and account.memberships.count() == 1
    entry = LogEntry.objects.filter(additional_data__event="account", object_repr__contains="撤销角色").get()
    before, after = entry.additional_data["changes"]["roles"]
    assert len(before) == 2 and len(after) == 1


def test_an_account_with_a_role_outside_the_scope_is_not_theirs_to_change(client_for, yuxi_staff, admin_user):
    account, _password = _open(yuxi_staff)
    Membership.objects.create(user=account, role="county_official", region=Region.objects.get(code="532501"))
    client = client_for(yuxi_staff)
    assert client.get(reverse("accounts:detail", args=[account.pk])).context["can_manage"] is False
    assert client.post(reverse("accounts:edit", args=[account.pk]), {"name": "x"}).status_code == 403


def test_the_initial_password_must_be_changed_before_anything_else(client, yuxi_staff):
    account, password = _open(yuxi_staff)
    assert client.post(reverse("login"), {"username": account.username, "password": password}).status_code == 302
    page = client.get(reverse("census:person-list"))
    assert page.status_code == 302 and page["Location"] == reverse("password_change")
    form = client.get(reverse("password_change"))
    assert b'data-testid="must-change-password"' in form.content
    changed = client.post(reverse("password_change"), {"old_password": password, "new_password1": "Tonghai-2026-qiao",
                                                       "new_password2": "Tonghai-2026-qiao"})
    assert changed.status_code == 302
    assert not AccountProfile.objects.get(user=account).must_change_password
    assert client.get(reverse("census:person-list")).status_code == 200


def test_the_list_costs_a_fixed_number_of_queries(client_for, yuxi_staff, django_assert_max_num_queries):
    creator = User.objects.get(username="security_admin")  # 三员分立: the security administrator opens accounts
    for i in range(30):
        _open(creator, username=f"many_{i}", region="530423" if i % 2 else "530424")
    client = client_for(yuxi_staff)
    client.get(reverse("accounts:list"))  # warm the session and scope caches
    with django_assert_max_num_queries(12):
        page = client.get(reverse("accounts:list"))
    assert len(page.context["accounts"]) >= 30


def test_the_list_offers_unlock_only_on_the_accounts_the_user_manages(client_for, yuxi_staff, tonghai_official):
    staff_here = _open(yuxi_staff, username="tonghai_county_staff2", role="staff")[0]
    colleague = _open(tonghai_official, username="tonghai_colleague")[0]
    for account in (staff_here, colleague):
        AccessAttempt.objects.create(username=account.username, ip_address="10.0.0.8", user_agent="x",
                                     failures_since_start=settings.AXES_FAILURE_LIMIT)
    page = client_for(tonghai_official).get(reverse("accounts:list"))
    rows = {a.username: a for a in page.context["accounts"]}
    assert rows["tonghai_colleague"].is_locked and rows["tonghai_colleague"].can_manage
    assert rows["tonghai_county_staff2"].is_locked and not rows["tonghai_county_staff2"].can_manage  # staff: above
    html = page.content.decode()
    assert reverse("accounts:unlock", args=[colleague.pk]) in html
    assert reverse("accounts:unlock", args=[staff_here.pk]) not in html


@pytest.mark.parametrize("who", ["tonghai_official", "yuxi_leader", "security_admin_user"])
def test_the_header_links_a_user_to_their_own_account_page(request, client_for, who):
    """The name in the header opens the user's own account: their 企业微信 / 钉钉 ids, mobile and channel as the
    level above set them, and a way to the inbox page where they change the channel."""
    user = request.getfixturevalue(who)
    client = client_for(user)
    own = reverse("accounts:detail", args=[user.pk])
    home = client.get(reverse("tasks:inbox") if who != "security_admin_user" else reverse("accounts:lockouts")).content.decode()
    assert f'href="{own}"' in home
    page = client.get(own)
    assert page.status_code == 200 and page.context["account"] == user and page.context["is_self"]
    assert ('data-testid="notify-change"' in page.content.decode()) == (who != "security_admin_user")  # no inbox for them


def test_the_audit_administrator_keeps_to_the_audit_pages(client_for, audit_admin_user):
    client = client_for(audit_admin_user)
    assert f'href="{reverse("accounts:detail", args=[audit_admin_user.pk])}"' not in client.get(reverse("audit:search")).content.decode()
    assert client.get(reverse("accounts:detail", args=[audit_admin_user.pk])).status_code == 403


def test_the_admin_link_is_the_system_administrators_alone(client_for, admin_user, yuxi_staff):
    assert yuxi_staff.is_staff  # the staff role carries the Django admin's flag, with no model of it by default
    assert "管理后台" not in client_for(yuxi_staff).get(reverse("accounts:list")).content.decode()
    assert "管理后台" in client_for(admin_user).get(reverse("accounts:list")).content.decode()
