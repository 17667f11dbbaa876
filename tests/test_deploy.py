"""Issue 18 §4: `manage.py check --deploy --fail-level WARNING` passes with production settings, and the pages
send the security headers (CSP, HSTS behind TLS, Referrer-Policy, X-Content-Type-Options, X-Frame-Options)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k7Qw-3vZ!pR8sT2xY5nB9mL0cJ4hF6dG1aE_uI-oP;qW*eR&tY+zX",
    "ALLOWED_HOSTS": "qiaolian.example.gov.cn",
    "SECURE_COOKIES": "true",
    "RESIDENT_ID_KEY": Fernet.generate_key().decode(),
}


def run_check(extra: dict[str, str]) -> subprocess.CompletedProcess:
    # A clean environment: only what production sets (the test run's own variables, such as the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE, must not leak into it).
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")} | PRODUCTION_ENV | extra
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180,
    )


def test_check_deploy_passes_with_production_settings():
    result = run_check({})
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_behind_a_tls_proxy_passes():
    result = run_check({"BEHIND_TLS_PROXY": "true"})
    assert result.returncode == 0, result.stderr + result.stdout


def test_check_deploy_fails_without_tls():
    """The check does find something: without secure cookies there is no HSTS, no redirect, no secure cookie."""
    result = run_check({"SECURE_COOKIES": "false"})
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012"):
        assert check in result.stderr


def policy(response) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip())


@pytest.mark.django_db
def test_pages_send_the_security_headers(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    directives = policy(response)
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline': an injected <script> does not run
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_hsts_and_redirect_when_served_over_tls(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert client.get("/healthz").status_code != 301  # loopback probes stay on plain HTTP
    secure = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_template_holds_inline_script_or_handlers():
    """What the policy would refuse in a browser: inline <script> bodies, on*= attributes and style="" attributes
    (the PDF template is rendered by WeasyPrint, not a browser)."""
    offenders = []
    for path in (BASE_DIR / "templates").rglob("*.html"):
        if path.name == "report_pdf.html":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+\s*=", text) or re.search(r"\sstyle\s*=", text):
            offenders.append(str(path.relative_to(BASE_DIR)))
    assert offenders == []


@pytest.mark.django_db
def test_only_the_api_pages_allow_inline_styles(client):
    api = policy(client.get("/api/schema/"))
    assert api["style-src"] == "'self' 'unsafe-inline'" and api["script-src"] == "'self'"
    assert "unsafe-inline" not in client.get("/accounts/login/")["Content-Security-Policy"]
