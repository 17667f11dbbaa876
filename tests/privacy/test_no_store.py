"""Issue 18 §5: every response that carries personal data to a signed-in user says `Cache-Control: no-store`;
static files keep their caching."""
from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.census.factories import register_person

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_person_pages_and_the_export_are_not_stored(tonghai_client, tonghai_official):
    person = register_person(tonghai_official, seed=1811)
    for url in ("/census/persons/", f"/census/persons/{person.pk}/", f"/census/persons/{person.pk}/edit/",
                "/census/persons/export.csv", "/"):
        response = tonghai_client.get(url)
        assert response.status_code == 200, url
        assert no_store(response), (url, response.get("Cache-Control"))


def test_the_person_api_is_not_stored_with_a_session_or_a_token(tonghai_api, tonghai_official):
    person = register_person(tonghai_official, seed=1812)
    response = tonghai_api.get(f"/api/persons/{person.pk}/")
    assert response.status_code == 200 and no_store(response)
    token = Token.objects.create(user=tonghai_official)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get("/api/persons/")
    assert response.status_code == 200 and no_store(response), response.get("Cache-Control")


def test_static_files_keep_their_caching(tonghai_client):
    response = tonghai_client.get("/static/css/app.css")
    assert response.status_code == 200
    assert not no_store(response), response.get("Cache-Control")

