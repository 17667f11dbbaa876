"""Issue 18 §5: every API write is audited with its actor and address, whether made with a token or a session."""
from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from census.registry.models import Person
from tests.census.factories import register_person

pytestmark = pytest.mark.django_db


def person_entries(person: Person):
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Person), object_pk=str(person.pk))


def test_a_token_change_is_audited_with_its_user_and_address(tonghai_official):
    person = register_person(tonghai_official, seed=1801)
    token = Token.objects.create(user=tonghai_official)
    client = APIClient(REMOTE_ADDR="10.1.2.3")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    before = person_entries(person).count()

    response = client.patch(f"/api/persons/{person.pk}/", {"country": "马来西亚"}, format="json")

    assert response.status_code == 200, response.content[:500]
    written = list(person_entries(person).order_by("pk")[before:])
    assert written, "the change wrote no audit entry"
    assert all(entry.actor == tonghai_official for entry in written), [(e.action, e.actor) for e in written]
    assert all(entry.remote_addr == "10.1.2.3" for entry in written)


def test_a_token_creation_is_audited_with_its_user(tonghai_official):
    token = Token.objects.create(user=tonghai_official)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(
        "/api/units/", {"name": "令牌单位", "kind": "enterprise", "region": "530423"}, format="json"
    )
    assert response.status_code == 201, response.content[:500]
    entry = LogEntry.objects.filter(action=LogEntry.Action.CREATE, object_repr__contains="令牌单位").get()
    assert entry.actor == tonghai_official


def test_a_session_change_is_audited_with_its_user(tonghai_api, tonghai_official):
    person = register_person(tonghai_official, seed=1802)
    before = person_entries(person).count()
    response = tonghai_api.patch(f"/api/persons/{person.pk}/", {"country": "泰国"}, format="json")
    assert response.status_code == 200
    assert {entry.actor for entry in person_entries(person).order_by("pk")[before:]} == {tonghai_official}


@pytest.mark.parametrize(("proxies", "forwarded", "recorded"), [
    (0, "6.6.6.6", "10.1.2.3"),                 # no proxy: a client's own X-Forwarded-For is never believed
    (1, "6.6.6.6, 192.0.2.7", "192.0.2.7"),     # one proxy: the address it saw, not what the client wrote before it
    (2, "6.6.6.6, 192.0.2.7, 10.0.0.2", "192.0.2.7"),
])
def test_the_audited_address_is_the_one_the_proxies_vouch_for(tonghai_official, settings, proxies, forwarded, recorded):
    settings.PROXY_COUNT = proxies
    person = register_person(tonghai_official, seed=1803)
    token = Token.objects.create(user=tonghai_official)
    client = APIClient(REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR=forwarded, HTTP_X_FORWARDED_PORT="1")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    before = person_entries(person).count()
    assert client.patch(f"/api/persons/{person.pk}/", {"country": "越南"}, format="json").status_code == 200
    written = list(person_entries(person).order_by("pk")[before:])
    assert written and {(entry.remote_addr, entry.remote_port) for entry in written} == {(recorded, None)}
    # The audit's own events (the read of the full record here) take the same address.
    assert client.get(f"/api/persons/{person.pk}/").status_code == 200
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).latest("pk").remote_addr == recorded
