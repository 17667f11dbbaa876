"""The OpenAPI schema says what the API answers (issue 18 §5): objects where objects come back, the real media
types of downloads, the error answers of every operation; and a region outside the caller's scope is a 404 on
the pages and lists that filter by region, not a page of zeros."""
from __future__ import annotations

import json

import jsonschema
import pytest
from django.test import Client
from rest_framework.test import APIClient

from census.coverage.services import evaluate_coverage
from orgs.regions.models import Region
from tasks.reports.services import MIME_TYPES
from tests.test_api import _to_json_schema

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    return json.loads(response.content)


def _validate(openapi, schema, payload):
    schema = {**_to_json_schema(schema), "components": _to_json_schema(openapi["components"])}
    jsonschema.Draft202012Validator(schema).validate(payload)


def test_coverage_is_documented_as_the_object_it_is(openapi, tonghai_official):
    evaluate_coverage(Region.objects.get(code="530423"))
    client = APIClient()
    client.force_authenticate(tonghai_official)
    response = client.get("/api/coverage/", {"region": "530423"})
    assert response.status_code == 200
    assert isinstance(response.json(), dict)
    schema = openapi["paths"]["/api/coverage/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    _validate(openapi, schema, response.json())


def test_the_establishment_is_documented_as_one_object(openapi):
    schema = openapi["paths"]["/api/organizations/{organization_pk}/establishment/"]["get"]["responses"]["200"]
    assert schema["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Establishment"}


def test_downloads_document_their_real_media_types(openapi):
    report = openapi["paths"]["/api/reports/{id}/download/"]["get"]["responses"]["200"]["content"]
    assert set(report) == set(MIME_TYPES.values()) == {
        "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    attachment = openapi["paths"]["/api/organizations/{id}/activities/{part_id}/attachments/{attachment_id}/download/"]
    assert {"application/pdf", "image/png", "image/jpeg"} <= set(attachment["get"]["responses"]["200"]["content"])


def test_every_operation_documents_its_error_answers(openapi):
    missing = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for code in ("400", "401", "403", "404"):
                response = operation["responses"].get(code)
                if response is None or "application/json" not in response.get("content", {}):
                    missing.append(f"{method.upper()} {path} {code}")
    assert not missing, missing[:20]


def test_a_404_under_the_api_is_json_that_matches_the_schema(openapi, tonghai_official):
    client = APIClient()
    client.force_authenticate(tonghai_official)
    for path in ("/api/regions/not-a-code/", "/api/persons/999999999/", "/api/coverage/?region=530424"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json", path
        _validate(openapi, {"$ref": "#/components/schemas/Error"}, response.json())


@pytest.mark.parametrize("params", [{"region": "530424"}, {"region": "999999"}, {"county": "530424"}])
def test_the_gap_list_of_a_region_outside_the_scope_is_a_404_not_zeros(tonghai_official, params):
    client = Client()
    client.force_login(tonghai_official)
    assert client.get("/census/coverage/gaps/", {"region": "530423"}).status_code == 200
    assert client.get("/census/coverage/gaps/", params).status_code == 404
