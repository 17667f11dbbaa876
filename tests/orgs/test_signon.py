"""统一身份认证 (issue 21 §2): CAS and OpenID Connect sign-on against small platforms on loopback (tests/fakes/
signon.py), driven through Django's test client: the client follows our redirects, `requests` the platform's. A
mapped account lands in its own scope; an unknown identity, an inactive account, an administrator and an account
without a role are refused with a page saying whom to ask, nothing is created, and every sign-on and refusal is in
the audit trail. With the settings unset, nothing changes."""
from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_cas_ng.models import SessionTicket

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.accounts.middleware import SESSION_KEY as MUST_CHANGE_KEY
from orgs.accounts.services import account_create, account_deactivate
from orgs.regions.models import Region
from orgs.signon.models import ExternalIdentity
from orgs.signon.providers import CAS_BACKEND, OIDC_BACKEND
from tests.fakes.signon import FakeCasServer, FakeOidcProvider

pytestmark = pytest.mark.django_db
User = get_user_model()
CAS_LOGIN = "/accounts/signon/cas/login/"
OIDC_LOGIN = "/accounts/signon/oidc/login/"


def walk(client: Client, url: str, limit: int = 12):
    """GET `url` and follow every redirect: ours through the test client, the platform's over HTTP (loopback)."""
    response = client.get(url)
    hops: list[str] = []
    for _ in range(limit):
        if response.status_code not in (301, 302, 303):
            break
        location = response["Location"]
        hops.append(location)
        while urlsplit(location).netloc not in ("", "testserver"):
            answer = requests.get(location, allow_redirects=False, timeout=5)
            assert answer.status_code in (301, 302, 303), answer.text
            location = answer.headers["Location"]
            hops.append(location)
        parts = urlsplit(location)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    response.hops = hops
    return response


@pytest.fixture
def cas(settings):
    with FakeCasServer() as server:
        settings.CAS_SERVER_URL = server.base
        settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, CAS_BACKEND]
        yield server


@pytest.fixture
def oidc(settings):
    with FakeOidcProvider() as provider:
        for name, value in provider.settings().items():
            setattr(settings, name, value)
        settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, OIDC_BACKEND]
        yield provider


def _open(creator, username: str, code: str = "530423", **signon):
    """A county official's account opened by the level above (玉溪市 staff), with its 统一身份认证账号."""
    user, _password = account_create(creator=creator, username=username, name="统一认证测试", role=Role.COUNTY_OFFICIAL,
                                     region=Region.objects.get(code=code), **signon)
    return user


def _entries(event: str):
    return LogEntry.objects.filter(additional_data__event=event).order_by("pk")


def _counts():
    return User.objects.count(), Membership.objects.count(), ExternalIdentity.objects.count()


# ---- switched off ---------------------------------------------------------------------------------------------


def test_nothing_changes_while_off(client, settings):
    assert not any("signon" in backend for backend in settings.AUTHENTICATION_BACKENDS)
    page = client.get(reverse("login")).content.decode()
    assert "统一身份认证登录" not in page and 'data-testid="signon' not in page
    for url in (CAS_LOGIN, OIDC_LOGIN, reverse("signon:oidc-callback") + "?code=x&state=y", CAS_LOGIN + "?ticket=ST-1"):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("signon:refused")).status_code == 302  # no refusal to show: to the login page


# ---- CAS ----------------------------------------------------------------------------------------------------------


def test_cas_sign_on_lands_in_the_accounts_scope(cas, yuxi_staff):
    account = _open(yuxi_staff, "th_cas", signon_cas="zs001")
    client = Client()
    login_page = client.get(reverse("login")).content.decode()
    assert 'data-testid="signon-cas"' in login_page and "统一身份认证登录" in login_page
    cas.next_user = "zs001"
    response = walk(client, CAS_LOGIN + "?next=/")
    assert response.status_code == 200, response.hops
    assert response.wsgi_request.user == account
    assert response.hops[0].startswith(cas.base + "login?service=")
    assert cas.validations[-1]["path"] == "/cas/p3/serviceValidate"  # CAS_VERSION 3 by default
    # its scope, as after a local login: its county, not the neighbour's; no local password to set first
    assert "通海县" in response.content.decode()
    assert client.get("/dashboard/530423/").status_code == 200
    assert client.get("/dashboard/530424/").status_code == 404
    assert client.session[MUST_CHANGE_KEY] is False
    entry = _entries("signon").last()
    assert entry.actor == account and entry.additional_data["provider"] == "cas"
    assert entry.additional_data["subject"] == "zs001" and entry.additional_data["matched_by"] == "identity"
    assert _entries("login").filter(actor=account).exists()
    assert ExternalIdentity.objects.get(user=account).last_signon_at is not None
    assert SessionTicket.objects.filter(session_key=client.session.session_key).exists()


def test_cas_unknown_identity_is_refused_and_creates_nothing(cas, yuxi_staff):
    _open(yuxi_staff, "th_cas", signon_cas="zs001")
    before = _counts()
    cas.next_user = "stranger01"
    client = Client()
    response = walk(client, CAS_LOGIN)
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-reason="unknown"' in page and "stranger01" in page
    assert "尚未关联本系统的账号" in page and "请联系为您开通账号的侨联" in page
    assert not response.wsgi_request.user.is_authenticated
    assert _counts() == before
    refusal = _entries("signon_refused").last()
    assert refusal.additional_data | {"detail": ""} == {
        "event": "signon_refused", "provider": "cas", "subject": "stranger01", "reason": "unknown", "detail": "", "username": ""}
    assert refusal.actor is None and refusal.remote_addr == "127.0.0.1"
    assert not _entries("signon").exists()


def test_cas_refuses_inactive_accounts_and_names_who_opened_them(cas, yuxi_staff):
    account = _open(yuxi_staff, "th_cas", signon_cas="zs001")
    account_deactivate(account=account, editor=yuxi_staff)
    cas.next_user = "zs001"
    response = walk(Client(), CAS_LOGIN)
    page = response.content.decode()
    assert response.status_code == 403 and 'data-reason="inactive"' in page
    assert "yuxi_staff" in page and "玉溪市" in page  # whom to ask: the staff who opened it
    assert _entries("signon_refused").last().additional_data["reason"] == "inactive"


def test_cas_refuses_administrators_and_username_matching_is_off_by_default(cas, settings, admin_user, security_admin_user):
    cas.next_user = "admin"
    response = walk(Client(), CAS_LOGIN)
    assert 'data-reason="unknown"' in response.content.decode()  # no mapping, and user names are not matched
    settings.SIGNON_MATCH_USERNAME = True
    for username in ("admin", "security_admin"):
        cas.next_user = username
        response = walk(Client(), CAS_LOGIN)
        page = response.content.decode()
        assert response.status_code == 403 and 'data-reason="administrator"' in page, username
        assert "两步验证" in page
    assert list(_entries("signon_refused").values_list("additional_data__reason", flat=True)) == [
        "unknown", "administrator", "administrator"]
    assert not _entries("signon").exists()


def test_cas_username_matching_when_allowed(cas, settings, yuxi_staff):
    account = _open(yuxi_staff, "zs_by_name")
    settings.SIGNON_MATCH_USERNAME = True
    cas.next_user = "zs_by_name"
    client = Client()
    response = walk(client, CAS_LOGIN)
    assert response.status_code == 200 and response.wsgi_request.user == account
    assert _entries("signon").last().additional_data["matched_by"] == "username"


def test_cas_refuses_an_account_without_a_role(cas, yuxi_staff):
    account = _open(yuxi_staff, "th_cas", signon_cas="zs001")
    Membership.objects.filter(user=account).delete()
    cas.next_user = "zs001"
    response = walk(Client(), CAS_LOGIN)
    assert 'data-reason="no_role"' in response.content.decode()


def test_cas_ticket_not_confirmed(cas, yuxi_staff):
    _open(yuxi_staff, "th_cas", signon_cas="zs001")
    client = Client()
    to_cas = urlsplit(client.get(CAS_LOGIN)["Location"])  # the login begun here: the service URL carries its state
    service = urlsplit(parse_qs(to_cas.query)["service"][0])
    response = walk(client, f"{service.path}?{service.query}&ticket=ST-forged")
    assert response.status_code == 403 and 'data-reason="invalid"' in response.content.decode()
    assert cas.validations[-1]["ticket"] == "ST-forged"
    assert _entries("signon_refused").last().additional_data["reason"] == "invalid"
    assert client.get(reverse("signon:refused")).status_code == 403  # the page stays for this session


def test_cas_version_2_validates_at_service_validate(cas, settings, yuxi_staff):
    settings.CAS_VERSION = "2"
    account = _open(yuxi_staff, "th_cas", signon_cas="zs001")
    cas.next_user = "zs001"
    response = walk(Client(), CAS_LOGIN)
    assert response.wsgi_request.user == account
    assert cas.validations[-1]["path"] == "/cas/serviceValidate"


def test_cas_version_1_validates_at_validate(cas, settings, yuxi_staff):
    settings.CAS_VERSION = 1
    account = _open(yuxi_staff, "th_cas", signon_cas="zs001")
    cas.next_user = "zs001"
    assert walk(Client(), CAS_LOGIN).wsgi_request.user == account
    assert cas.validations[-1]["path"] == "/cas/validate"


def test_cas_subject_from_an_attribute(cas, settings, yuxi_staff):
    settings.CAS_USERNAME_ATTRIBUTE = "employeeNumber"
    account = _open(yuxi_staff, "th_cas", signon_cas="E-1024")
    cas.next_user, cas.attributes = "zhangsan", {"employeeNumber": "E-1024"}
    assert walk(Client(), CAS_LOGIN).wsgi_request.user == account


def test_cas_logout_ends_the_platforms_session_too(cas, yuxi_staff):
    _open(yuxi_staff, "th_cas", signon_cas="zs001")
    cas.next_user = "zs001"
    client = Client()
    walk(client, CAS_LOGIN)
    session_key = client.session.session_key
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == cas.base + "logout?" + "service=http%3A%2F%2Ftestserver%2Faccounts%2Flogin%2F"
    assert not SessionTicket.objects.filter(session_key=session_key).exists()
    assert client.get("/").status_code == 302  # signed out here
    assert _entries("logout").exists()


def test_cas_single_logout_from_the_platform(cas, yuxi_staff):
    account = _open(yuxi_staff, "th_cas", signon_cas="zs001")
    cas.next_user = "zs001"
    client = Client()
    walk(client, CAS_LOGIN)
    ticket = SessionTicket.objects.get(session_key=client.session.session_key).ticket
    request = ('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="1" Version="2.0">'
               f"<samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>")
    # from the CAS server, server to server: no CSRF cookie or token (the client enforces CSRF as a browser's would)
    assert Client(enforce_csrf_checks=True).post(CAS_LOGIN, {"logoutRequest": request}).status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated
    assert account.is_active


def test_local_login_still_works_beside_sign_on(cas, oidc, yuxi_staff):
    account = _open(yuxi_staff, "th_local", signon_cas="zs001")
    account.set_password("Local-Passw0rd-2026")
    account.save()
    client = Client()
    page = client.get(reverse("login")).content.decode()
    assert 'data-testid="signon-cas"' in page and 'data-testid="signon-oidc"' in page
    response = client.post(reverse("login"), {"username": "th_local", "password": "Local-Passw0rd-2026"})
    assert response.status_code == 302
    # a local login keeps the initial-password rule (the account was opened with a one-time password)
    assert client.session[MUST_CHANGE_KEY] is True
    assert client.get("/")["Location"] == reverse("password_change")


# ---- OpenID Connect -------------------------------------------------------------------------------------------


def test_oidc_sign_on_lands_in_the_accounts_scope(oidc, yuxi_staff):
    account = _open(yuxi_staff, "th_oidc", signon_oidc="oidc-subject-42")
    oidc.next_subject = "oidc-subject-42"
    client = Client()
    response = walk(client, OIDC_LOGIN + "?next=/dashboard/530423/")
    assert response.status_code == 200, response.hops
    assert response.wsgi_request.user == account and response.wsgi_request.path == "/dashboard/530423/"
    authorize = parse_qs(urlsplit(response.hops[0]).query)
    assert authorize["code_challenge_method"] == ["S256"] and authorize["nonce"]
    assert oidc.token_requests[-1]["code_verifier"]  # PKCE
    assert client.get("/dashboard/530424/").status_code == 404
    entry = _entries("signon").last()
    assert (entry.additional_data["provider"], entry.additional_data["subject"]) == ("oidc", "oidc-subject-42")
    assert client.session[MUST_CHANGE_KEY] is False
    assert client.post(reverse("logout"))["Location"] == reverse("login")  # local logout only


def test_oidc_unknown_subject_is_refused_and_creates_nothing(oidc, yuxi_staff):
    _open(yuxi_staff, "th_oidc", signon_oidc="oidc-subject-42")
    before = _counts()
    oidc.next_subject = "someone-else"
    response = walk(Client(), OIDC_LOGIN)
    assert response.status_code == 403 and 'data-reason="unknown"' in response.content.decode()
    assert _counts() == before
    refusal = _entries("signon_refused").last().additional_data
    assert (refusal["provider"], refusal["subject"], refusal["reason"]) == ("oidc", "someone-else", "unknown")


@pytest.mark.parametrize("forgery", ["stranger_key", "audience"])
def test_oidc_refuses_a_token_it_cannot_trust(oidc, yuxi_staff, forgery):
    _open(yuxi_staff, "th_oidc", signon_oidc="oidc-subject-42")
    oidc.next_subject = "oidc-subject-42"
    if forgery == "stranger_key":
        oidc.sign_with_stranger_key = True
    else:
        oidc.audience = "another-client"
    client = Client()
    response = walk(client, OIDC_LOGIN)
    assert response.status_code == 403 and 'data-reason="invalid"' in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert _entries("signon_refused").last().additional_data["reason"] == "invalid"


def test_oidc_callback_without_its_state_is_refused(oidc):
    response = walk(Client(), reverse("signon:oidc-callback") + "?code=abc&state=never-issued")
    assert response.status_code == 403
    assert _entries("signon_refused").last().additional_data["detail"] == "unknown state"


def test_oidc_denied_by_the_provider(oidc):
    oidc.next_subject = None  # the provider answers error=access_denied
    response = walk(Client(), OIDC_LOGIN)
    assert response.status_code == 403
    assert _entries("signon_refused").last().additional_data["detail"] == "access_denied"


# ---- the mapping: written by the level above on the account pages and /api/accounts/ ------------------------------


def test_account_form_offers_the_field_only_while_a_platform_is_on(client_for, yuxi_staff, settings):
    account = _open(yuxi_staff, "th_map")
    client = client_for(yuxi_staff)
    edit = reverse("accounts:edit", args=[account.pk])
    assert "signon_cas" not in client.get(edit).content.decode()
    assert "signon_cas" not in client.get(reverse("accounts:create")).content.decode()
    settings.CAS_SERVER_URL = "https://cas.example.gov.cn/cas/"
    page = client.get(edit).content.decode()
    assert 'name="signon_cas"' in page and 'name="signon_oidc"' not in page
    response = client.post(edit, {"name": "统一认证测试", "email": "", "phone": "", "signon_cas": " zs002 "})
    assert response.status_code == 302
    assert ExternalIdentity.objects.get(user=account).subject == "zs002"
    detail = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert 'data-testid="signon-identities"' in detail and "zs002" in detail
    assert "统一身份认证账号（CAS）" in detail  # the history's change line, before → after


def test_account_form_opens_an_account_with_its_identity(client_for, yuxi_staff, settings):
    settings.CAS_SERVER_URL = "https://cas.example.gov.cn/cas/"
    response = client_for(yuxi_staff).post(reverse("accounts:create"), {
        "username": "th_new", "name": "新开通", "role": Role.COUNTY_OFFICIAL, "region": "530423", "email": "", "phone": "",
        "signon_cas": "zs-new"})
    assert response.status_code == 200 and "th_new" in response.content.decode()
    identity = ExternalIdentity.objects.get(subject="zs-new")
    assert identity.user.username == "th_new" and identity.provider == "cas"
    opened = _entries("account").filter(object_pk=str(identity.user_id)).last()
    assert opened.additional_data["signon"] == {"signon_cas": "zs-new"}


def test_api_reads_and_writes_the_identities(api_client_for, yuxi_staff, tonghai_official):
    api = api_client_for(yuxi_staff)
    response = api.post("/api/accounts/", {"username": "th_api", "name": "接口开通", "role": Role.COUNTY_OFFICIAL,
                                           "region": "530423", "signon_oidc": "sub-api-1"}, format="json")
    assert response.status_code == 201, response.content
    assert (response.data["signon_oidc"], response.data["signon_cas"]) == ("sub-api-1", "")
    pk = response.data["id"]
    response = api.patch(f"/api/accounts/{pk}/", {"signon_cas": "zs-api", "signon_oidc": ""}, format="json")
    assert response.status_code == 200, response.content
    assert (response.data["signon_cas"], response.data["signon_oidc"]) == ("zs-api", "")
    assert list(ExternalIdentity.objects.filter(user_id=pk).values_list("provider", "subject")) == [("cas", "zs-api")]
    changes = _entries("account").filter(object_pk=str(pk)).last().additional_data["changes"]
    assert changes == {"signon_cas": ["", "zs-api"], "signon_oidc": ["sub-api-1", ""]}
    listed = {row["username"]: row for row in api.get("/api/accounts/", {"page_size": 500}).data["results"]}
    assert listed["th_api"]["signon_cas"] == "zs-api"


def test_a_subject_maps_to_one_account_and_never_to_an_administrator(api_client_for, yuxi_staff, security_admin_user, admin_user):
    first, second = _open(yuxi_staff, "th_one", signon_cas="zs001"), _open(yuxi_staff, "th_two")
    api = api_client_for(yuxi_staff)
    response = api.patch(f"/api/accounts/{second.pk}/", {"signon_cas": "zs001", "name": "改名"}, format="json")
    assert response.status_code == 400 and "signon_cas" in response.data
    assert "已关联其他账号" in str(response.data["signon_cas"])
    second.refresh_from_db()
    assert second.first_name == "统一认证测试"  # nothing half-written
    assert ExternalIdentity.objects.get(subject="zs001").user == first
    response = api_client_for(security_admin_user).patch(f"/api/accounts/{admin_user.pk}/", {"signon_cas": "admin01"}, format="json")
    assert response.status_code == 400 and "管理员账号只能本地登录" in str(response.data["signon_cas"])
    assert not ExternalIdentity.objects.filter(user=admin_user).exists()


def test_a_county_official_cannot_map_another_countys_account(api_client_for, yuxi_staff, tonghai_official):
    foreign = _open(yuxi_staff, "hn_acct", code="530424")
    response = api_client_for(tonghai_official).patch(f"/api/accounts/{foreign.pk}/", {"signon_cas": "hijack"}, format="json")
    assert response.status_code == 404
    assert not ExternalIdentity.objects.exists()


def test_the_audit_page_shows_sign_ons_and_refusals(cas, client_for, yuxi_staff, audit_admin_user):
    _open(yuxi_staff, "th_cas", signon_cas="zs001")
    for user in ("zs001", "nobody99"):
        cas.next_user = user
        walk(Client(), CAS_LOGIN)
    page = client_for(audit_admin_user).get(reverse("audit:search"), {"event": "signon_refused"}).content.decode()
    assert "nobody99" in page and "统一身份认证被拒绝" in page and "zs001" not in page
    page = client_for(audit_admin_user).get(reverse("audit:search"), {"event": "signon"}).content.decode()
    assert "th_cas" in page and "zs001" in page


def test_username_matching_never_overrides_a_mapping(cas, settings, yuxi_staff):
    _open(yuxi_staff, "th_mapped", signon_cas="zs-real")
    settings.SIGNON_MATCH_USERNAME = True
    cas.next_user = "th_mapped"  # another platform identity that happens to be spelled like the user name
    response = walk(Client(), CAS_LOGIN)
    assert response.status_code == 403 and 'data-reason="unknown"' in response.content.decode()


# ---- OpenID Connect: the provider's logout and its discovery document ----------------------------------------------


def test_oidc_logout_ends_the_providers_session_too(oidc, settings, yuxi_staff):
    settings.OIDC_OP_LOGOUT_ENDPOINT = oidc.url + "/logout"
    _open(yuxi_staff, "th_oidc", signon_oidc="oidc-subject-42")
    oidc.next_subject = "oidc-subject-42"
    client = Client()
    walk(client, OIDC_LOGIN)
    response = client.post(reverse("logout"))
    location = urlsplit(response["Location"])
    assert response.status_code == 302 and f"{location.scheme}://{location.netloc}{location.path}" == oidc.url + "/logout"
    params = parse_qs(location.query)
    assert params["client_id"] == [oidc.CLIENT_ID]
    assert params["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    # the id_token this session signed on with (the provider knows whose session to end)
    hint = jwt.decode(params["id_token_hint"][0], options={"verify_signature": False})
    assert (hint["sub"], hint["aud"]) == ("oidc-subject-42", oidc.CLIENT_ID)
    assert requests.get(response["Location"], allow_redirects=False, timeout=5).headers["Location"] == "http://testserver/accounts/login/"
    assert oidc.logouts[-1]["id_token_hint"] == params["id_token_hint"][0]
    assert not client.get("/").wsgi_request.user.is_authenticated
    assert _entries("logout").exists()


def test_oidc_logout_stays_local_for_local_sessions_and_keeps_no_token_of_a_refusal(oidc, settings, yuxi_staff):
    settings.OIDC_OP_LOGOUT_ENDPOINT = oidc.url + "/logout"
    account = _open(yuxi_staff, "th_local", signon_oidc="oidc-subject-42")
    account.set_password("Local-Passw0rd-2026")
    account.save()
    client = Client()
    oidc.next_subject = "someone-else"  # refused: no token of it stays in the session
    walk(client, OIDC_LOGIN)
    assert not any("token" in key for key in client.session.keys())
    client.post(reverse("login"), {"username": "th_local", "password": "Local-Passw0rd-2026"})
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert oidc.logouts == []


def test_oidc_discover_prints_the_providers_settings(oidc):
    out, err = StringIO(), StringIO()
    call_command("oidc_discover", oidc.issuer, stdout=out, stderr=err)
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    assert lines == {
        "OIDC_OP_ISSUER": oidc.issuer, "OIDC_OP_AUTHORIZATION_ENDPOINT": oidc.url + "/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": oidc.url + "/token", "OIDC_OP_JWKS_ENDPOINT": oidc.url + "/jwks",
        "OIDC_OP_USER_ENDPOINT": oidc.url + "/userinfo", "OIDC_OP_LOGOUT_ENDPOINT": oidc.url + "/logout",
    }
    assert err.getvalue() == ""
    # what the sign-on relies on, checked: PKCE and the signature algorithm are warnings, a wrong issuer refuses
    oidc.discovery = {"code_challenge_methods_supported": ["plain"], "id_token_signing_alg_values_supported": ["ES256"]}
    call_command("oidc_discover", oidc.issuer, stdout=StringIO(), stderr=err)
    assert "OIDC_USE_PKCE=false" in err.getvalue() and "ES256" in err.getvalue()
    oidc.discovery = {"issuer": "https://elsewhere.example"}
    with pytest.raises(CommandError, match="elsewhere"):
        call_command("oidc_discover", oidc.issuer, stdout=StringIO())
    with pytest.raises(CommandError, match="openid-configuration"):
        call_command("oidc_discover", oidc.url + "/nothing-here", stdout=StringIO())


def test_the_logout_redirects_to_the_platforms_are_allowed_by_the_content_security_policy():
    """Settings read from the environment at start-up: the logout form's redirect to the CAS server or the OIDC
    provider's end_session_endpoint is a form-action the browser must be allowed to follow."""
    env = {
        **os.environ, "CAS_SERVER_URL": "https://cas.example.gov.cn/cas", "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://sso.example.gov.cn/a",
        "OIDC_OP_TOKEN_ENDPOINT": "https://sso.example.gov.cn/t", "OIDC_OP_JWKS_ENDPOINT": "https://sso.example.gov.cn/k",
        "OIDC_RP_CLIENT_ID": "qiaolian", "OIDC_RP_CLIENT_SECRET": "s", "OIDC_OP_LOGOUT_ENDPOINT": "https://logout.example.gov.cn:8443/end",
    }
    env.pop("DATABASE_URL", None)
    printed = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"],
        env={**env, "DJANGO_SETTINGS_MODULE": "qiaolian.settings"}, capture_output=True, text=True, check=True,
    ).stdout
    assert "'https://cas.example.gov.cn'" in printed and "'https://logout.example.gov.cn:8443'" in printed


def test_a_subject_is_one_identity_whatever_its_case_width_or_spaces(cas, api_client_for, yuxi_staff):
    """A directory behind the platform often gives the user name as typed: "Zhang", "ZHANG", "ｚｈａｎｇ" and "zhang　"
    are one identity, mapped to one account only, and each signs on as it."""
    first, second = _open(yuxi_staff, "th_case", signon_cas="zhang"), _open(yuxi_staff, "th_other")
    api = api_client_for(yuxi_staff)
    for variant in ("Zhang", "ｚｈａｎｇ", " ZHANG\u3000"):
        response = api.patch(f"/api/accounts/{second.pk}/", {"signon_cas": variant}, format="json")
        assert response.status_code == 400 and "已关联其他账号" in str(response.data["signon_cas"]), variant
    assert api.patch(f"/api/accounts/{second.pk}/", {"signon_cas": "ｌｉ　"}, format="json").status_code == 200
    assert ExternalIdentity.objects.get(user=second).subject == "li"  # kept in its plain form
    for variant in ("ZHANG", "ｚｈａｎｇ", "zhang\u3000"):
        cas.next_user = variant
        response = walk(Client(), CAS_LOGIN)
        assert response.wsgi_request.user == first, variant


def test_a_cas_ticket_from_another_browser_signs_no_one_in(cas, yuxi_staff):
    """Login CSRF: the attacker signs in at the CAS server and sends the link with their ticket to someone; it comes back
    to a session that began no such login (its state is not that session's) and is refused before validation."""
    _open(yuxi_staff, "th_attacker", signon_cas="attacker")
    cas.next_user = "attacker"
    attacker = Client()
    to_cas = attacker.get(CAS_LOGIN)["Location"]
    back = urlsplit(requests.get(to_cas, allow_redirects=False, timeout=5).headers["Location"])  # with the ticket
    validations = len(cas.validations)
    victim = Client()
    response = victim.get(f"{back.path}?{back.query}", follow=True)
    assert response.status_code == 403 and not response.wsgi_request.user.is_authenticated
    assert len(cas.validations) == validations  # the ticket was never even validated
    assert _entries("signon_refused").last().additional_data["detail"] == "unknown state"
    response = attacker.get(f"{back.path}?{back.query}", follow=True)  # where it was begun, it signs in
    assert response.wsgi_request.user.username == "th_attacker"



def test_risky_oidc_settings_are_warned_about(oidc, settings):
    from django.core.checks import run_checks

    ids = lambda: {message.id for message in run_checks() if message.id.startswith("orgs.W21")}  # noqa: E731
    assert ids() == set()  # the fake's settings: issuer set, subject "sub"
    settings.OIDC_OP_ISSUER, settings.OIDC_SUBJECT_CLAIM = "", "preferred_username"
    assert ids() == {"orgs.W211", "orgs.W212"}


# ---- where a sign-on lands ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["cas", "oidc"])
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "https:/evil.example"])
def test_a_sign_on_never_leads_off_the_site(request, yuxi_staff, provider, target):
    """A link to the sign-on with another site as `next` (a phishing page after a real sign-on) lands on our own
    pages: the platform's hops aside, every place the browser is sent is this site's."""
    request.getfixturevalue(provider)
    if provider == "cas":
        account = _open(yuxi_staff, "th_cas", signon_cas="zs001")
        request.getfixturevalue("cas").next_user = "zs001"
        login = CAS_LOGIN
    else:
        account = _open(yuxi_staff, "th_oidc", signon_oidc="oidc-subject-42")
        request.getfixturevalue("oidc").next_subject = "oidc-subject-42"
        login = OIDC_LOGIN
    client = Client()
    response = walk(client, f"{login}?next={target}")
    assert response.status_code == 200, response.hops
    assert response.wsgi_request.user == account
    ours = [hop for hop in response.hops if not hop.startswith(("http://127.0.0.1", "http://localhost"))]
    assert all("evil.example" not in urlsplit(hop).netloc and not hop.startswith(("//", "/\\")) for hop in ours), ours


# ---- odd answers of a platform: a refusal, audited, never a server error -------------------------------------------

CAS_NS = 'xmlns:cas="http://www.yale.edu/tp/cas"'
SAML_STATUS_WITHOUT_VALUE = (
    '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>'
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol"><samlp:Status><samlp:StatusCode/>'
    "</samlp:Status></samlp:Response></SOAP-ENV:Body></SOAP-ENV:Envelope>")


@pytest.mark.parametrize(("version", "answer", "error"), [
    ("3", "", "ParseError"),
    ("3", "Service Unavailable", "ParseError"),
    ("3", f"<cas:serviceResponse {CAS_NS}/>", "IndexError"),  # no children
    ("3", f"<cas:serviceResponse {CAS_NS}><cas:authenticationSuccess><cas:attributes/></cas:authenticationSuccess>"
          "</cas:serviceResponse>", "AttributeError"),  # a success without cas:user
    ("2", f"<cas:serviceResponse {CAS_NS}><cas:authenticationSuccess/></cas:serviceResponse>", "AttributeError"),
    ("3", "<serviceResponse><authenticationSuccess><user>zs001</user></authenticationSuccess></serviceResponse>",
     "ValueError"),  # no namespace
    (1, "", "StopIteration"),  # CAS 1.0, an empty body (django-cas-ng knows version 1 only as an int)
    (1, "yes\n", "StopIteration"),  # CAS 1.0, "yes" without the user
    ("CAS_2_SAML_1_0", SAML_STATUS_WITHOUT_VALUE, "KeyError"),
])
def test_cas_odd_validation_answers_are_refused(cas, settings, yuxi_staff, version, answer, error):
    """python-cas reads the CAS server's answer without checking its shape: whatever it raises on an odd answer, the
    sign-on is refused (reason invalid) with the refusal page and one audit entry naming the error, never a 500."""
    settings.CAS_VERSION = version
    _open(yuxi_staff, "th_cas", signon_cas="zs001")
    before = _counts()
    cas.next_user, cas.answer = "zs001", answer
    client = Client()
    response = walk(client, CAS_LOGIN)
    assert response.status_code == 403 and 'data-reason="invalid"' in response.content.decode()
    assert cas.validations  # the ticket was validated: the refusal is the answer's
    assert not response.wsgi_request.user.is_authenticated and "_auth_user_id" not in client.session
    assert _counts() == before and not SessionTicket.objects.exists()
    refusals = list(_entries("signon_refused"))
    assert len(refusals) == 1
    data = refusals[0].additional_data
    assert (data["provider"], data["subject"], data["reason"]) == ("cas", "", "invalid")
    assert data["detail"].startswith(f"{error}:") and len(data["detail"]) < 300
    assert not _entries("signon").exists()


@pytest.mark.parametrize(("path", "answer", "detail"), [
    ("/token", (200, "application/json", "[]"), "AttributeError:"),
    ("/token", (200, "application/json", '"ok"'), "AttributeError:"),
    ("/token", (200, "text/html", "<html>系统维护</html>"), "JSONDecodeError:"),
    ("/token", (502, "text/html", "Bad Gateway"), "HTTPError:"),
    ("/token", (200, "application/json", '{"access_token": "a", "token_type": "Bearer", "id_token": "not-a-jwt"}'),
     "DecodeError:"),
    ("/jwks", (200, "application/json", "[]"), "TypeError:"),
    ("/jwks", (200, "application/json", '{"keys": ["x"]}'), "TypeError:"),
    ("/jwks", (200, "application/json", "{}"), "KeyError:"),
    ("/userinfo", (200, "application/json", "[]"), "userinfo is not a JSON object"),
    ("/userinfo", (200, "application/json", "null"), "userinfo is not a JSON object"),
    ("/userinfo", (200, "text/plain", ""), "JSONDecodeError:"),
    ("/userinfo", (200, "application/jwt", "garbage"), "DecodeError:"),
])
def test_oidc_odd_provider_answers_are_refused(oidc, yuxi_staff, path, answer, detail):
    """The token endpoint, the JWKS or the userinfo answering what mozilla-django-oidc does not expect (not JSON, not
    an object, not a JWT): refused (reason invalid) with the refusal page and one audit entry, never a 500."""
    _open(yuxi_staff, "th_oidc", signon_oidc="oidc-subject-42")
    before = _counts()
    oidc.next_subject = "oidc-subject-42"
    oidc.answers[path] = answer
    client = Client()
    response = walk(client, OIDC_LOGIN)
    assert response.status_code == 403 and 'data-reason="invalid"' in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated and "_auth_user_id" not in client.session
    assert not any("token" in key for key in client.session.keys())
    assert _counts() == before
    refusals = list(_entries("signon_refused"))
    assert len(refusals) == 1
    data = refusals[0].additional_data
    assert (data["provider"], data["reason"]) == ("oidc", "invalid") and data["detail"].startswith(detail)
    assert not _entries("signon").exists()


# ---- the case of a subject: OpenID Connect's `sub` is case-sensitive, a CAS user name is not -------------------------


def test_oidc_subjects_differing_only_in_case_are_two_identities(oidc, api_client_for, yuxi_staff):
    first, second = _open(yuxi_staff, "th_upper", signon_oidc="Oidc-Subject-42"), _open(yuxi_staff, "th_lower")
    oidc.next_subject = "oidc-subject-42"  # another person for the provider: not mapped
    response = walk(Client(), OIDC_LOGIN)
    assert response.status_code == 403 and 'data-reason="unknown"' in response.content.decode()
    refusal = _entries("signon_refused").last().additional_data
    assert (refusal["subject"], refusal["reason"]) == ("oidc-subject-42", "unknown")
    # so it may be mapped to an account of its own, and each signs on as its own account
    response = api_client_for(yuxi_staff).patch(f"/api/accounts/{second.pk}/", {"signon_oidc": "oidc-subject-42"}, format="json")
    assert response.status_code == 200, response.content
    for subject, account in (("oidc-subject-42", second), ("Oidc-Subject-42", first), ("Ｏｉｄｃ-Subject-42\u3000", first)):
        oidc.next_subject = subject
        assert walk(Client(), OIDC_LOGIN).wsgi_request.user == account, subject
    # the very same subject (after NFKC) stays one identity, mapped to one account only
    response = api_client_for(yuxi_staff).patch(f"/api/accounts/{second.pk}/", {"signon_oidc": "Ｏｉｄｃ-Subject-42"}, format="json")
    assert response.status_code == 400 and "已关联其他账号" in str(response.data["signon_oidc"])


def test_cas_subjects_stay_case_insensitive_beside_username_matching(cas, settings, yuxi_staff):
    mapped, by_name = _open(yuxi_staff, "th_mapped", signon_cas="Zs001"), _open(yuxi_staff, "th_by_name")
    settings.SIGNON_MATCH_USERNAME = True
    for user, account, matched_by in (("ZS001", mapped, "identity"), ("zs001", mapped, "identity"),
                                      ("th_by_name", by_name, "username")):
        cas.next_user = user
        assert walk(Client(), CAS_LOGIN).wsgi_request.user == account, user
        assert _entries("signon").last().additional_data["matched_by"] == matched_by


@pytest.mark.parametrize(("written", "read"), [("1", "1 int"), ("2", "2 int"), ("3", "3 int"), ("CAS_2_SAML_1_0", "CAS_2_SAML_1_0 str")])
def test_cas_version_from_the_environment_is_what_django_cas_ng_expects(written, read):
    """django-cas-ng speaks CAS 1 only for the number 1: CAS_VERSION=1 in the environment must arrive as one."""
    env = {**os.environ, "CAS_VERSION": written, "DJANGO_SETTINGS_MODULE": "qiaolian.settings"}
    env.pop("DATABASE_URL", None)
    printed = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.CAS_VERSION, type(settings.CAS_VERSION).__name__)"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert printed == read
