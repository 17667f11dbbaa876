"""The region API: scoped lists, filters, the object shape, actions, authentication, and the OpenAPI
schema that every response is checked against."""
from __future__ import annotations

import json
import re

import jsonschema
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orgs.regions.models import Region

pytestmark = pytest.mark.django_db

@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    """The served schema (JSON), parsed once."""
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content[:300]
    return json.loads(response.content)


def _to_json_schema(node):
    """OpenAPI 3.0 schema objects -> JSON Schema: `nullable: true` becomes a "null" alternative."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _to_json_schema(value) for key, value in node.items() if key not in ("nullable", "example")}
    if node.get("nullable"):
        if isinstance(converted.get("type"), str):
            converted["type"] = [converted["type"], "null"]
        else:
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def response_schema(openapi, path: str) -> dict:
    operation = openapi["paths"][path]["get"]
    return operation["responses"]["200"]["content"]["application/json"]["schema"]


def assert_matches_schema(openapi, path: str, payload):
    """Validates a response body against the schema's declared response for `path` (GET 200)."""
    schema = {**_to_json_schema(response_schema(openapi, path)), "components": _to_json_schema(openapi["components"])}
    jsonschema.Draft202012Validator(schema).validate(payload)


def codes(payload) -> list[str]:
    items = payload["results"] if isinstance(payload, dict) else payload
    return [item["code"] for item in items]


def subtree_codes(code: str) -> set[str]:
    return set(Region.objects.get(code=code).get_descendants(include_self=True).values_list("code", flat=True))


# ---- scope ------------------------------------------------------------------------------------------------


def test_list_is_the_callers_scope_only(tonghai_api, openapi):
    response = tonghai_api.get("/api/regions/")
    assert response.status_code == 200
    payload = response.json()
    assert set(codes(payload)) == subtree_codes("530423")
    assert payload["count"] == 5
    assert codes(payload)[0] == "530423"  # tree order: the county, then what lies in it
    assert_matches_schema(openapi, "/api/regions/", payload)


def test_leadership_lists_its_city(leader_api):
    payload = leader_api.get("/api/regions/").json()
    assert set(codes(payload)) == subtree_codes("530400") and payload["count"] == 27


def test_admin_lists_everything_paged(admin_user, api_client_for, openapi):
    payload = api_client_for(admin_user).get("/api/regions/").json()
    assert payload["count"] == Region.objects.count()
    assert len(payload["results"]) == 50 and payload["next"]
    assert payload["results"][0]["parent"] is None  # 北京市: a province, no parent
    assert_matches_schema(openapi, "/api/regions/", payload)


def test_detail_outside_scope_is_404(tonghai_api):
    assert tonghai_api.get("/api/regions/530424/").status_code == 404
    assert tonghai_api.get("/api/regions/530400/").status_code == 404
    assert tonghai_api.get("/api/regions/999999/").status_code == 404
    assert tonghai_api.get("/api/regions/530423/").status_code == 200


# ---- the object -----------------------------------------------------------------------------------------------


def test_region_fields(tonghai_api, openapi):
    payload = tonghai_api.get("/api/regions/530423/").json()
    assert {key: payload[key] for key in ("code", "name", "level", "kind", "parent", "is_key_area", "path")} == {
        "code": "530423",
        "name": "通海县",
        "level": "county",
        "kind": "county",
        "parent": "530400",
        "is_key_area": False,
        "path": "云南省玉溪市通海县",
    }
    assert payload["level_display"] == "县级" and payload["kind_display"] == "县"
    assert re.fullmatch(r"\d{3}\.\d{6}", payload["longitude"])
    assert_matches_schema(openapi, "/api/regions/{code}/", payload)
    hexi = tonghai_api.get(f"/api/regions/{Region.objects.get(name='河西镇').code}/").json()
    assert hexi["is_key_area"] is True and hexi["parent"] == "530423" and hexi["longitude"] is None
    assert_matches_schema(openapi, "/api/regions/{code}/", hexi)


# ---- filters ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"level": "county"}, {"530423"}),
        ({"level": "township"}, {"河西镇", "纳古镇"}),
        ({"level": "village"}, {"大回村村委会", "小回村村委会"}),
        ({"parent": "530423"}, {"河西镇", "纳古镇", "大回村村委会", "小回村村委会"}),
        ({"parent": "530424"}, set()),
        ({"code": "530423"}, {"530423"}),
        ({"code": "530424"}, set()),
        ({"q": "回村"}, {"大回村村委会", "小回村村委会"}),
        ({"q": "5304231"}, {"河西镇", "纳古镇"}),
        ({"q": "华宁"}, set()),
        ({"is_key_area": "true"}, {"河西镇", "纳古镇", "大回村村委会", "小回村村委会"}),
        ({"is_key_area": "false"}, {"530423"}),
    ],
)
def test_filters(tonghai_api, query, expected):
    response = tonghai_api.get("/api/regions/", query)
    assert response.status_code == 200
    found = {item["code"] if item["code"] == "530423" else item["name"] for item in response.json()["results"]}
    assert found == expected


def test_filters_for_leadership_span_counties(leader_api):
    payload = leader_api.get("/api/regions/", {"parent": "530400", "level": "county"}).json()
    assert payload["count"] == 9
    assert leader_api.get("/api/regions/", {"parent": "530424"}).json()["count"] == 0


def test_bad_filter_value_is_400(tonghai_api):
    response = tonghai_api.get("/api/regions/", {"level": "town"})
    assert response.status_code == 400
    assert "level" in response.json()


# ---- actions ---------------------------------------------------------------------------------------------------


def test_children(api_client_for, yuxi_staff, openapi):
    client = api_client_for(yuxi_staff)
    payload = client.get("/api/regions/530400/children/").json()
    assert payload["count"] == 9 and all(item["parent"] == "530400" for item in payload["results"])
    assert_matches_schema(openapi, "/api/regions/{code}/children/", payload)
    # the documented filters narrow the children (and do not hide the region asked about)
    assert codes(client.get("/api/regions/530400/children/", {"q": "通海"}).json()) == ["530423"]
    assert client.get("/api/regions/530400/children/", {"level": "county"}).json()["count"] == 9
    assert client.get("/api/regions/530400/children/", {"level": "township"}).json()["count"] == 0


def test_children_outside_scope_is_404(tonghai_api):
    assert tonghai_api.get("/api/regions/530400/children/").status_code == 404
    assert tonghai_api.get("/api/regions/530423/children/").json()["count"] == 4


def test_ancestors_are_the_visible_ones_top_down(api_client_for, yuxi_staff, admin_user, tonghai_api, openapi):
    payload = api_client_for(admin_user).get("/api/regions/530423/ancestors/").json()
    assert codes(payload) == ["530000", "530400"]
    assert_matches_schema(openapi, "/api/regions/{code}/ancestors/", payload)
    assert codes(api_client_for(yuxi_staff).get("/api/regions/530423/ancestors/").json()) == ["530400"]
    assert tonghai_api.get("/api/regions/530423/ancestors/").json() == []
    assert tonghai_api.get("/api/regions/530424/ancestors/").status_code == 404


def test_format_suffix_routes(tonghai_api):
    assert tonghai_api.get("/api/regions.json").status_code == 200
    assert tonghai_api.get("/api/regions/530423.json").json()["code"] == "530423"
    assert tonghai_api.get("/api/regions/530423/children.json").json()["count"] == 4
    assert tonghai_api.get("/api/regions/530423/ancestors.json").json() == []
    assert tonghai_api.get("/api/regions/530424.json").status_code == 404


# ---- writes ----------------------------------------------------------------------------------------------------


def test_regions_are_read_only_over_the_api(api_client_for, admin_user):
    client = api_client_for(admin_user)
    assert client.post("/api/regions/", {"code": "530423901"}, format="json").status_code == 405
    assert client.patch("/api/regions/530423/", {"name": "x"}, format="json").status_code == 405
    assert client.delete("/api/regions/530423/").status_code == 405
    assert Region.objects.get(code="530423").name == "通海县"


# ---- authentication ------------------------------------------------------------------------------------------


def test_token_authentication(tonghai_official):
    token = Token.objects.create(user=tonghai_official)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    payload = client.get("/api/regions/").json()
    assert set(codes(payload)) == subtree_codes("530423")
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/regions/").status_code in (401, 403)


def test_token_of_an_inactive_user_is_refused(tonghai_official):
    token = Token.objects.create(user=tonghai_official)
    tonghai_official.is_active = False
    tonghai_official.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/regions/").status_code in (401, 403)


@pytest.mark.parametrize("path", ["/api/", "/api/regions/", "/api/regions/530423/", "/api/regions/530423/children/"])
def test_unauthenticated_is_refused(path):
    response = APIClient().get(path)
    assert response.status_code in (401, 403)
    assert "530423" not in response.content.decode()


def test_user_without_membership_sees_an_empty_list(api_client_for):
    from tests.factories import UserFactory

    assert api_client_for(UserFactory()).get("/api/regions/").json()["count"] == 0


# ---- schema and docs -------------------------------------------------------------------------------------------


def test_schema_is_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    assert {"/api/regions/", "/api/regions/{code}/", "/api/regions/{code}/children/", "/api/regions/{code}/ancestors/"} <= set(
        openapi["paths"]
    )
    assert {"cookieAuth", "tokenAuth"} <= set(openapi["components"]["securitySchemes"])
    region = openapi["components"]["schemas"]["Region"]["properties"]
    assert {"code", "name", "level", "kind", "parent", "is_key_area", "path"} <= set(region)
    jsonschema.Draft202012Validator.check_schema(_to_json_schema(openapi["components"]["schemas"]["Region"]))


def test_schema_yaml_default():
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


@pytest.mark.parametrize("path", ["/api/docs/"])
def test_docs_use_only_local_static(path):
    response = APIClient().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html.lower()
    foreign = {
        url for url in re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", html) if not re.match(r"(?:https?:)?//testserver\b", url)
    }
    assert not foreign, f"{path} loads from outside: {foreign}"
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any(a.startswith("/static/drf_spectacular_sidecar/") for a in assets), assets
    for asset in assets:
        if asset.startswith("/static/"):
            assert APIClient().get(asset).status_code == 200, asset
