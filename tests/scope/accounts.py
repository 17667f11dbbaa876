"""Scope-matrix cases of the accounts API (issue 15): an account belongs to the region of its role; a county
official sees, opens and manages the county officials of their county only."""
from __future__ import annotations

from django.contrib.auth import get_user_model

from orgs.access.models import Membership
from orgs.accounts.models import AccountProfile
from tests.scope.registry import API, Placed, Probe, RouteCase, Write, register

User = get_user_model()
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def _account(region):
    user = User.objects.create_user(username=f"acct_{region.code}", first_name=f"{region.name[:2]}矩阵账号", password="x-unused-passw0rd")
    Membership.objects.create(user=user, role="county_official", region=region)
    AccountProfile.objects.create(user=user, must_change_password=False)
    return user


ACCOUNT = Placed(
    "account",
    make=_account,
    markers=lambda u: (u.username,),
    rows=lambda: list(User.objects.order_by("pk").values_list("pk", "username", "password", "is_active", "first_name", "email")),
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
