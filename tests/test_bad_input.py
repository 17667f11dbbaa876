"""Bad input is a clear 400 or 404, never a server error (issue 18 §5): control characters (NUL …) anywhere in a
request, a missing field the service needs, a key of the wrong type. Runs on SQLite and PostgreSQL (which
refuses NUL in a string: the 500 came from there)."""
from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from orgs.organizations.models import Organization, OrganizationKind
from orgs.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(yuxi_staff):
    client = Client(raise_request_exception=False)
    client.force_login(yuxi_staff)
    return client


@pytest.fixture
def organization(db):
    return Organization.objects.create(name="通海县侨联", kind=OrganizationKind.COUNTY, region=Region.objects.get(code="530423"))


@pytest.fixture
def api(yuxi_staff):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(yuxi_staff)
    return client


PAGES_WITH_REGION = [
    "/",
    "/census/coverage/gaps/",
    "/census/coverage/what-if/",
    "/census/coverage/compare/",
    "/organizations/",
    "/reports/",
    "/regions/",
]
API_WITH_REGION = ["/api/headcounts/", "/api/coverage/", "/api/dashboard/", "/api/organizations/", "/api/persons/"]


@pytest.mark.parametrize("path", PAGES_WITH_REGION)
@pytest.mark.parametrize("name", ["region", "q", "county"])
def test_a_nul_byte_in_a_page_query_is_a_400_naming_the_parameter(staff_client, path, name):
    response = staff_client.get(f"{path}?{name}=%00")
    assert response.status_code == 400, path
    assert f"参数“{name}”含有不允许的控制字符" in response.content.decode()


@pytest.mark.parametrize("path", API_WITH_REGION)
def test_a_control_character_in_an_api_query_is_a_json_400(api, path):
    for value in ("%00", "530423%01", "%1f"):
        response = api.get(f"{path}?region={value}")
        assert response.status_code == 400, (path, value, response.content[:200])
        assert response.json() == {"detail": "参数“region”含有不允许的控制字符"}


def test_a_control_character_in_the_path_is_a_400(staff_client, api):
    for path in ("/dashboard/%00/", "/regions/%00/", "/regions/5304%0b23/export.csv"):
        response = staff_client.get(path)
        assert response.status_code == 400, path
        assert "网址路径" in response.content.decode()
    assert api.get("/api/regions/%00/").status_code == 400


def test_the_parameter_name_itself_may_hold_the_character(api):
    response = api.get("/api/organizations/?re%00gion=1")
    assert response.status_code == 400
    assert response.json()["detail"] == "参数“re\\x00gion”含有不允许的控制字符"


def test_tab_newline_and_carriage_return_pass(api):
    assert api.get("/api/organizations/?q=a%09b%0Ac%0D").status_code == 200


def test_the_answer_is_translated(api):
    response = api.get("/api/coverage/?region=%00", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"detail": "The parameter “region” holds a control character that is not allowed"}


def test_a_control_character_in_a_posted_form_is_a_400(staff_client):
    before = Organization.objects.count()
    response = staff_client.post("/organizations/new/", {"name": "河西镇侨联\x00", "kind": "township"})
    assert response.status_code == 400
    assert "参数“name”含有不允许的控制字符" in response.content.decode()
    assert Organization.objects.count() == before


def test_a_control_character_in_a_json_body_is_a_400_naming_the_field(api):
    region = Region.objects.get(code="530423")
    body = {"name": "通海县侨联\x00", "kind": "county", "region": region.code, "members": [{"name": "ok"}, {"name": "x\x07"}]}
    response = api.post("/api/organizations/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "参数“name”含有不允许的控制字符"}
    body = {"name": "ok", "members": [{"name": "ok"}, {"name": "x\x07"}]}
    response = api.post("/api/organizations/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "参数“members[1].name”含有不允许的控制字符"}


def test_a_control_character_in_an_api_form_body_of_any_method_is_a_400(api, organization):
    response = api.patch(f"/api/organizations/{organization.pk}/", "name=a%00b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json() == {"detail": "参数“name”含有不允许的控制字符"}
    organization.refresh_from_db()
    assert "\x00" not in organization.name


def test_a_leader_without_employment_or_returned_flag_is_a_400_naming_the_field(api, organization):
    response = api.post(f"/api/organizations/{organization.pk}/leaders/",
                        {"name": "张三", "position": "chair", "term_start": "2024-01-01"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"employment", "is_returned_or_relative"}


def test_a_non_numeric_key_in_a_custom_action_is_a_404(api):
    response = api.post("/api/persons/abc/reveal/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert api.get("/api/persons/abc/history/").status_code == 404


def test_an_unknown_api_path_answers_json(api):
    response = api.get("/api/regions/not-a-code/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


def test_a_training_year_past_the_calendar_is_a_400(api):
    assert api.get("/api/trainings/?year=15852330127379088").status_code == 400


def test_an_account_created_without_region_is_not_a_server_error(db):
    # 三员分立: the security administrator opens accounts, the audit administrator's without a region
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(get_user_model().objects.get(username="security_admin"))
    response = client.post("/api/accounts/", {"username": "new_auditor", "name": "新审计员", "role": "audit_admin"}, format="json")
    assert response.status_code == 201, response.content[:300]


@pytest.mark.parametrize("query", ["plan=-1.0978528251887442e%2B213", "milestone=99999999999999999999", "responsible=0"])
def test_a_key_past_the_databases_integers_is_a_400_not_a_server_error(api, query):
    # found by the API fuzz: the number reached the database (SQLite OverflowError, PostgreSQL "out of range")
    assert api.get(f"/api/tasks/?{query}").status_code == 400


def test_a_page_ignores_a_key_past_the_databases_integers(db, client_for, tonghai_official):
    assert client_for(tonghai_official).get("/census/persons/?unit=99999999999999999999&campaign_year=123456").status_code == 200
