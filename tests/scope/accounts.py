"""Scope-matrix cases of the accounts API (issue 15): an account belongs to the region of its role; a county
official sees, opens and manages the county officials of their county only."""
from __future__ import annotations

from django.contrib.auth import get_user_model

from orgs.access.models import Membership
from orgs.accounts.models import AccountProfile
from orgs.regions.models import Region
from tests.scope.registry import API, WEB, Placed, Probe, RouteCase, Write, register

User = get_user_model()
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def _account(region):
    """A county official of the region, also holding the same role in its first township (so that one role can be
    taken from it: the last one never is)."""
    user = User.objects.create_user(username=f"acct_{region.code}", first_name=f"{region.name[:2]}矩阵账号", password="x-unused-passw0rd")
    Membership.objects.create(user=user, role="county_official", region=region)
    township = region.get_children().first() or Region.objects.create(
        code=f"{region.code}901", name="矩阵镇", level="township", parent=region)
    user.township_membership = Membership.objects.create(user=user, role="county_official", region=township)
    AccountProfile.objects.create(user=user, must_change_password=False)
    return user


ACCOUNT = Placed(
    "account",
    make=_account,
    markers=lambda u: (u.username,),
    rows=lambda: [
        *User.objects.order_by("pk").values_list("pk", "username", "password", "is_active", "first_name", "email"),
        *Membership.objects.order_by("pk").values_list("pk", "user_id", "role", "region_id"),
    ],
)


def account_body(world, obj, region):
    return {"username": f"new_{region.code}", "name": "新账号", "role": "county_official", "region": region.code}


register(
    RouteCase(
        "api:account-list", API, ACCOUNT, methods=READ_METHODS,
        reads=(Probe(),),
        writes=(Write("POST", account_body, action="create", moves=True, json=True),),
    ),
    RouteCase(
        "api:account-detail", API, ACCOUNT, kwargs=lambda u: {"pk": u.pk}, methods=READ_METHODS,
        writes=(
            Write("PATCH", lambda world, obj, region: {"name": "改名账号", "phone": "13800000000"}, json=True),
            Write("PUT", lambda world, obj, region: {"name": "改名账号", "email": "x@example.org"}, json=True),
        ),
    ),
    RouteCase(
        "api:account-unlock", API, ACCOUNT, kwargs=lambda u: {"pk": u.pk}, methods=("POST",), reads=(),
        writes=(Write("POST", json=True, control=False),),  # nothing locked: the positive control would change nothing
    ),
    RouteCase(
        "api:account-reset-password", API, ACCOUNT, kwargs=lambda u: {"pk": u.pk}, methods=("POST",), reads=(),
        writes=(Write("POST", json=True),),
    ),
    RouteCase(
        "api:account-deactivate", API, ACCOUNT, kwargs=lambda u: {"pk": u.pk}, methods=("POST",), reads=(),
        writes=(Write("POST", json=True),),
    ),
)


def account_form(world, obj, region):
    return {"username": f"web_{region.code}", "name": "网页开通", "role": "county_official", "region": region.code,
            "email": "", "phone": ""}


def role_body(world, obj, region):
    """A role in another township of the region, or the region itself when it has none (the account already holds
    its own county and that county's first township)."""
    township = region.get_children().exclude(pk=obj.township_membership.region_id).last()
    return {"role": "county_official", "region": (township or region).code}


register(
    RouteCase(
        "api:account-roles", API, ACCOUNT, kwargs=lambda u: {"pk": u.pk}, methods=("POST",), reads=(),
        writes=(Write("POST", role_body, moves=True, json=True),),
    ),
    RouteCase(
        "api:account-role-delete", API, ACCOUNT, kwargs=lambda u: {"pk": u.pk, "membership_pk": u.township_membership.pk},
        methods=("DELETE",), reads=(), writes=(Write("DELETE", json=True),),
    ),
    RouteCase(
        "api:account-activate", API, ACCOUNT, kwargs=lambda u: {"pk": u.pk}, methods=("POST",), reads=(),
        writes=(Write("POST", json=True, control=False),),  # already active: the positive control would change nothing
    ),
    RouteCase("accounts:list", WEB, ACCOUNT),
    RouteCase(
        "accounts:create", WEB, ACCOUNT, methods=("GET", "HEAD", "OPTIONS", "POST"), reads=(Probe(shows_own=False),),
        leader_reads=False, writes=(Write("POST", account_form, action="create", moves=True),),
    ),
    RouteCase("accounts:detail", WEB, ACCOUNT, kwargs=lambda u: {"pk": u.pk}),
    RouteCase(
        "accounts:edit", WEB, ACCOUNT, kwargs=lambda u: {"pk": u.pk}, methods=("GET", "HEAD", "OPTIONS", "POST"),
        leader_reads=False, writes=(Write("POST", lambda world, obj, region: {"name": "网页改名", "email": "", "phone": ""}),),
    ),
    RouteCase(
        "accounts:reset-password", WEB, ACCOUNT, kwargs=lambda u: {"pk": u.pk}, methods=("POST",), reads=(),
        writes=(Write("POST"),),
    ),
    RouteCase(
        "accounts:set-active", WEB, ACCOUNT, kwargs=lambda u: {"pk": u.pk}, methods=("POST",), reads=(),
        writes=(Write("POST", lambda world, obj, region: {"active": "0"}),),
    ),
    RouteCase(
        "accounts:unlock", WEB, ACCOUNT, kwargs=lambda u: {"pk": u.pk}, methods=("POST",), reads=(),
        writes=(Write("POST", control=False),),  # nothing locked: the positive control would change nothing
    ),
    RouteCase(
        "accounts:membership-add", WEB, ACCOUNT, kwargs=lambda u: {"pk": u.pk}, methods=("POST",), reads=(),
        writes=(Write("POST", role_body, moves=True),),
    ),
    RouteCase(
        "accounts:membership-remove", WEB, ACCOUNT, kwargs=lambda u: {"pk": u.pk, "membership_pk": u.township_membership.pk},
        methods=("POST",), reads=(), writes=(Write("POST"),),
    ),
)
