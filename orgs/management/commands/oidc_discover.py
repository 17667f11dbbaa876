"""python manage.py oidc_discover ISSUER: reads the OpenID Connect provider's discovery document
(ISSUER/.well-known/openid-configuration, OpenID Connect Discovery 1.0) and prints the OIDC_OP_* settings it gives, for
the deployment's environment (README "Configuration", docs/operations.md "Unified sign-on"). The endpoints are copied
once, not fetched at every start: the site then starts without the provider, and a changed document is a change the
operator sees. Checks what the sign-on relies on: the document's issuer is the one asked for, the authorization-code
flow, PKCE S256 (OIDC_USE_PKCE) and the id_token's signature algorithm (OIDC_RP_SIGN_ALGO)."""
from __future__ import annotations

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

# (setting, the discovery document's field, required)
FIELDS = (
    ("OIDC_OP_ISSUER", "issuer", True),
    ("OIDC_OP_AUTHORIZATION_ENDPOINT", "authorization_endpoint", True),
    ("OIDC_OP_TOKEN_ENDPOINT", "token_endpoint", True),
    ("OIDC_OP_JWKS_ENDPOINT", "jwks_uri", True),
    ("OIDC_OP_USER_ENDPOINT", "userinfo_endpoint", False),
    ("OIDC_OP_LOGOUT_ENDPOINT", "end_session_endpoint", False),
)


def _problems(document: dict, issuer: str) -> list[str]:
    problems = []
    if document.get("issuer") != issuer:
        problems.append(_("发现文档的 issuer 是 %(found)r，不是 %(asked)r：请核对地址") % {"found": document.get("issuer"), "asked": issuer})
    missing = [field for _setting, field, required in FIELDS if required and not document.get(field)]
    if missing:
        problems.append(_("发现文档缺少：%(fields)s") % {"fields": ", ".join(missing)})
    if "code" not in document.get("response_types_supported", ["code"]):
        problems.append(_("该平台不支持授权码模式（response_type=code）"))
    return problems


def _warnings(document: dict) -> list[str]:
    warnings = []
    methods = document.get("code_challenge_methods_supported")
    if settings.OIDC_USE_PKCE and methods is not None and "S256" not in methods:
        warnings.append(_("该平台未声明支持 PKCE S256：如登录失败，请设置 OIDC_USE_PKCE=false"))
    algorithms = document.get("id_token_signing_alg_values_supported")
    if algorithms and settings.OIDC_RP_SIGN_ALGO not in algorithms:
        warnings.append(_("该平台的 id_token 签名算法为 %(found)s，请相应设置 OIDC_RP_SIGN_ALGO") % {"found": ", ".join(algorithms)})
    return warnings


class Command(BaseCommand):
    help = "Print the OIDC_OP_* settings of an OpenID Connect provider, read from its discovery document."

    def add_arguments(self, parser):
        parser.add_argument("issuer", help="the provider's issuer URL, e.g. https://sso.example.gov.cn/realms/province")

    def handle(self, *args, issuer: str, **options):
        issuer = issuer.strip()
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            answer = requests.get(url, timeout=settings.SIGNON_TIMEOUT, verify=settings.OIDC_VERIFY_SSL)
            answer.raise_for_status()
            document = answer.json()
        except (requests.RequestException, ValueError) as error:
            raise CommandError(_("无法读取 %(url)s：%(error)s") % {"url": url, "error": error}) from error
        if not isinstance(document, dict):
            raise CommandError(_("%(url)s 不是发现文档") % {"url": url})
        problems = _problems(document, issuer)
        if problems:
            raise CommandError("\n".join(problems))
        for setting, field, _required in FIELDS:
            if document.get(field):
                self.stdout.write(f"{setting}={document[field]}")
        for warning in _warnings(document):
            self.stderr.write(warning)
