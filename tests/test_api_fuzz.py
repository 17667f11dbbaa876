"""The API fuzzed against its own OpenAPI schema (schemathesis), once per role.

In-process: schemathesis calls the WSGI application, which runs in the test's transaction on the test
database (SQLite or PostgreSQL, whichever the suite runs on). Each generated call runs in a savepoint, so
one call's database error cannot poison the calls after it. Asserted: 0 server errors and 0 responses
that do not conform to the schema (status code documented, content type, body). Bounded: a few examples
per operation, derandomized (the same calls on every run); `FUZZ_EXAMPLES=20 FUZZ_SEED=random` for a
longer, random run. Marked `fuzz`: `-m "not fuzz"` deselects it.
"""
from __future__ import annotations

import os
import sys
import traceback
from contextlib import contextmanager

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.signals import got_request_exception, request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.twofactor.services import second_factor_required
from tests.conftest import second_factor_verified

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

# Who plays each role: the demo logins. A role added to Role without a demo login is played by a user
# created for the test with one membership of that role and no region (the lead extends this table).
FUZZ_USERS: dict[str, str] = {
    Role.ADMIN: "admin",
    Role.STAFF: "yuxi_staff",
    Role.COUNTY_OFFICIAL: "tonghai_official",
    Role.LEADERSHIP: "yuxi_leader",
    Role.SECURITY_ADMIN: "security_admin",
    Role.AUDIT_ADMIN: "audit_admin",
}
FUZZ_ROLES = [role.value for role in Role]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
DERANDOMIZE = os.environ.get("FUZZ_SEED", "fixed") != "random"
CHECK_NAMES = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")


def _checks():
    by_name = {check.__name__: check for check in CHECKS.get_all()}
    return [by_name[name] for name in CHECK_NAMES]


@contextmanager
def _connection_kept():
    """The WSGI handler closes the database connection after each request (close_old_connections), which would
    end the test's transaction on PostgreSQL; Django's test client keeps it the same way (and reconnects the
    handler after each of its own requests, so this is done around every call)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def api_schema(django_db_setup, django_db_blocker):
    # Loading the schema is a request like the others: the WSGI handler's signals touch the connection.
    with django_db_blocker.unblock(), _connection_kept():
        return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


def _player(role: str):
    User = get_user_model()
    username = FUZZ_USERS.get(role)
    if username:
        return User.objects.get(username=username)
    user = User.objects.create_user(username=f"fuzz_{role}", password=None)
    Membership.objects.create(user=user, role=role, region=None)
    return user


def _credentials(user) -> dict[str, str]:
    """How the role calls the API: a token, or for the administrators, whose tokens are refused (orgs.twofactor.api),
    their session verified by the second factor, with the CSRF cookie and header a browser's script sends."""
    if not second_factor_required(user):
        token, _ = Token.objects.get_or_create(user=user)
        return {"Authorization": f"Token {token.key}"}
    client = Client()
    client.force_login(user)
    second_factor_verified(client, user)
    csrf = get_random_string(32)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return {"Cookie": f"{django_settings.SESSION_COOKIE_NAME}={session}; {django_settings.CSRF_COOKIE_NAME}={csrf}",
            "X-CSRFToken": csrf}


def _existing_key(client, operation, headers: dict[str, str], cache: dict[str, object]) -> dict[str, object] | None:
    """For `/api/things/{id}/…`: the key of a row the role sees (the first of `/api/things/`), so that the calls
    reach real rows and not only 404s; None when the list is empty or the path has no parameter."""
    path = operation.path
    if "{" not in path:
        return None
    collection, rest = path.split("{", 1)
    name = rest.split("}", 1)[0]
    if collection not in cache:
        response = client.get(collection, headers=headers)
        payload = response.json() if response.status_code == 200 and response["Content-Type"].startswith("application/json") else None
        rows = payload.get("results", []) if isinstance(payload, dict) else payload or []
        first = rows[0] if rows and isinstance(rows[0], dict) else {}
        cache[collection] = first.get("id", first.get("code"))
    key = cache[collection]
    return None if key is None else {name: key}


def _fuzz_operation(operation, headers: dict[str, str], checks, failures: list[str], existing: dict[str, object] | None) -> None:
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)
    if existing:
        strategy = (strategy | operation.as_strategy(GenerationMode.POSITIVE, path_parameters=existing)
                    | operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=existing))

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False)
    def run(case):
        errors: list[str] = []

        def record(sender, request, **kwargs):
            errors.append("".join(traceback.format_exception(*sys.exc_info())[-3:]))

        got_request_exception.connect(record)
        try:
            with _connection_kept(), transaction.atomic():
                sid = transaction.savepoint()
                response = case.call(headers=headers)
                transaction.savepoint_rollback(sid)
        finally:
            got_request_exception.disconnect(record)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                detail = errors[0] if errors else failure.message[:400]
                failures.append(f"{operation.label} [{response.status_code}] {case.formatted_path} {case.query or ''} "
                                f"{'' if isinstance(case.body, NotSet) else str(case.body)[:200]}: {failure.title}\n    {detail}")

    run()


@pytest.mark.parametrize("role", FUZZ_ROLES)
def test_api_conforms_to_its_schema(api_schema, role):
    user = _player(role)
    headers = _credentials(user)
    checks = _checks()
    failures: list[str] = []
    client, keys = Client(), {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        existing = _existing_key(client, operation, headers, keys)
        _fuzz_operation(operation, headers, checks, failures, existing)
    unique = sorted(set(failures))
    assert not unique, f"{len(unique)} non-conforming responses for {role}:\n" + "\n".join(unique[:300])
