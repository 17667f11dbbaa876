"""Scope-matrix cases of the admin pages of models outside the region scoping: users, groups, API tokens,
login attempts (axes), the audit log. Only administrators open them: a staff user scoped to a county, even
with every orgs permission, gets 403 on each (and on the user autocomplete that lists every user)."""
from __future__ import annotations

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from rest_framework.authtoken.models import Token

from orgs.regions.models import Region
from tests.factories import UserFactory
from tests.scope.registry import (
    ADMIN,
    Placed,
    Probe,
    RouteCase,
    Write,
    admin_only_cases,
    register,
)

User = get_user_model()


def _rows(model, *fields):
    return lambda: list(model.objects.order_by("pk").values_list("pk", *fields))


USER = Placed(
    "user",
    make=lambda region: UserFactory(username=f"matrixuser_{region.code}"),
    markers=lambda u: (u.username,),
    rows=_rows(User, "username", "is_staff", "is_superuser", "is_active", "first_name", "password"),
)
GROUP = Placed(
    "group",
    make=lambda region: Group.objects.create(name=f"matrix_group_{region.code}"),
    markers=lambda g: (g.name,),
    rows=_rows(Group, "name"),
)
TOKEN = Placed(
    "token",
    make=lambda region: Token.objects.create(user=UserFactory(username=f"matrixtoken_{region.code}")),
    markers=lambda t: (t.user.username,),
    rows=lambda: list(Token.objects.order_by("key").values_list("key", "user_id")),
)


def _access(model, **extra):
    return lambda region: model.objects.create(
        username=f"matrix_{model._meta.model_name}_{region.code}", ip_address="10.9.8.7", user_agent="matrix",
        http_accept="*/*", path_info="/accounts/login/", **extra,
    )


ACCESS_ATTEMPT = Placed(
    "accessattempt",
    make=_access(AccessAttempt, get_data="", post_data="", failures_since_start=1),
    markers=lambda a: (a.username,),
    rows=_rows(AccessAttempt, "username", "failures_since_start"),
)
ACCESS_LOG = Placed("accesslog", _access(AccessLog), lambda a: (a.username,), _rows(AccessLog, "username"))
ACCESS_FAILURE_LOG = Placed(
    "accessfailurelog", _access(AccessFailureLog), lambda a: (a.username,), _rows(AccessFailureLog, "username")
)
AUDIT_ENTRY = Placed(
    "logentry",
    make=lambda region: LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Region), object_pk=str(region.pk),
        object_repr=f"matrix_audit_{region.code}", action=LogEntry.Action.ACCESS,
    ),
    markers=lambda e: (e.object_repr,),
    rows=_rows(LogEntry, "object_repr", "action"),
)


register(
    *admin_only_cases(USER, "auth.user"),
    RouteCase(
        "admin:auth_user_password_change", ADMIN, USER, kwargs=lambda u: {"id": u.pk}, methods=("GET", "POST"),
        # 三员分立: passwords are reset by the security administrator on the account pages; here nobody may (403)
        writes=(Write("POST", lambda world, obj, region: {"password1": "Zz9!matrix-pw", "password2": "Zz9!matrix-pw"}, control=False),),
        admin_only=True,
    ),
    *admin_only_cases(GROUP, "auth.group"),
    *admin_only_cases(TOKEN, "authtoken.tokenproxy", pk=lambda t: t.user_id),
    *admin_only_cases(ACCESS_ATTEMPT, "axes.accessattempt"),
    *admin_only_cases(ACCESS_LOG, "axes.accesslog"),
    *admin_only_cases(ACCESS_FAILURE_LOG, "axes.accessfailurelog"),
    *admin_only_cases(AUDIT_ENTRY, "auditlog.logentry"),
    RouteCase(
        "admin:autocomplete",
        ADMIN,
        USER,
        reads=(
            Probe(
                data=lambda world, obj: {"app_label": "orgs", "model_name": "membership", "field_name": "user", "term": "matrix"},
                shows_own=False,
            ),
        ),
        admin_only=True,
    ),
)
