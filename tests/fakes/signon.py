"""Small sign-on platforms on loopback for the tests of 统一身份认证 (orgs/signon): a CAS server (CAS 2.0 / 3.0
protocol: /login, /serviceValidate, /p3/serviceValidate, /logout) and an OpenID Connect provider (authorization
code flow with PKCE: /authorize, /token with an RS256-signed id_token, /jwks, /userinfo). Each runs in a thread on
127.0.0.1, port 0; a test says which identity the next login asserts (`next_user` / `next_subject`) and reads what
the platform was asked (`validations`, `token_requests`, `logouts`)."""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class _Server:
    """A threaded HTTP server on loopback whose handler calls `self.handle(method, path, query, body, headers)`,
    which returns (status, headers, body)."""

    def __init__(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                status, headers, content = owner.handle(method, parts.path, parse_qs(parts.query), body, self.headers)
                data = content.encode() if isinstance(content, str) else content
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, method, path, query, body, headers):
        raise NotImplementedError


def _one(query: dict, name: str) -> str:
    return (query.get(name) or [""])[0]


def _redirect(url: str, **params) -> tuple[int, dict, str]:
    return 302, {"Location": url + ("&" if "?" in url else "?") + urlencode(params)}, ""


class FakeCasServer(_Server):
    """A CAS server under /cas/. `/login` asserts `next_user` at once (as a platform whose user is already signed in)
    and sends the browser back to the service with a one-time service ticket; the validation answers the CAS XML of
    success (with attributes) or failure, checking that the ticket is known, unused and issued for that service (CAS
    1.0's `/validate`: "yes" and the user, or "no"). `answer`, when set, is the body every validation answers instead
    (the ticket is still used up): an odd server's empty, truncated or non-XML answer; `/samlValidate` answers only
    that."""

    def __init__(self):
        super().__init__()
        self.base = self.url + "/cas/"
        self.next_user: str | None = None
        self.attributes: dict[str, str] = {}
        self.tickets: dict[str, tuple[str, str]] = {}
        self.validations: list[dict] = []
        self.logouts: list[dict] = []
        self.answer: str | None = None

    def handle(self, method, path, query, body, headers):
        if path == "/cas/login":
            service = _one(query, "service")
            if self.next_user is None:
                return 200, {"Content-Type": "text/html; charset=utf-8"}, "<p>CAS login</p>"
            ticket = f"ST-{secrets.token_hex(8)}"
            self.tickets[ticket] = (self.next_user, service)
            return _redirect(service, ticket=ticket)
        if path in ("/cas/serviceValidate", "/cas/p3/serviceValidate"):
            return 200, {"Content-Type": "text/xml; charset=utf-8"}, self._validate(path, query)
        if path == "/cas/validate":  # CAS 1.0
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, self._validate(path, query)
        if path == "/cas/samlValidate" and method == "POST" and self.answer is not None:
            self.validations.append({"path": path, "ticket": "", "service": _one(query, "TARGET")})
            return 200, {"Content-Type": "text/xml; charset=utf-8"}, self.answer
        if path == "/cas/logout":
            self.logouts.append({key: _one(query, key) for key in query})
            target = _one(query, "service") or _one(query, "url")
            if target:
                return 302, {"Location": target}, ""
            return 200, {"Content-Type": "text/html; charset=utf-8"}, "<p>logged out</p>"
        return 404, {}, "not found"

    def _validate(self, path, query) -> str:
        ticket, service = _one(query, "ticket"), _one(query, "service")
        self.validations.append({"path": path, "ticket": ticket, "service": service})
        issued = self.tickets.pop(ticket, None)
        if self.answer is not None:
            return self.answer
        if path == "/cas/validate":
            return f"yes\n{issued[0]}\n" if issued is not None and issued[1] == service else "no\n\n"
        if issued is None:
            return self._failure("INVALID_TICKET", f"Ticket {ticket} not recognized")
        user, issued_for = issued
        if issued_for != service:
            return self._failure("INVALID_SERVICE", f"Ticket {ticket} was not issued for {service}")
        attributes = "".join(f"<cas:{name}>{escape(value)}</cas:{name}>" for name, value in self.attributes.items())
        return ('<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>'
                f"<cas:user>{escape(user)}</cas:user><cas:attributes>{attributes}</cas:attributes>"
                "</cas:authenticationSuccess></cas:serviceResponse>")

    @staticmethod
    def _failure(code: str, text: str) -> str:
        return ('<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
                f'<cas:authenticationFailure code="{code}">{escape(text)}</cas:authenticationFailure></cas:serviceResponse>')


class FakeOidcProvider(_Server):
    """An OpenID Connect provider: the authorization endpoint asserts `next_subject` at once and redirects with a
    one-time code; the token endpoint checks the client's secret, the redirect URI and the PKCE verifier and answers
    an RS256 id_token (iss, sub, aud, exp, iat, nonce) signed with the key published at /jwks; /userinfo answers the
    subject's claims for the access token; /.well-known/openid-configuration is its discovery document and /logout its
end_session_endpoint (recorded in `logouts`). `sign_with_stranger_key` and `audience` let a test forge a bad token;
`answers` ({"/token": (200, "application/json", "[]")}) makes an endpoint answer that instead (an odd provider's
answer; the code is still used up)."""

    CLIENT_ID = "qiaolian-test"
    CLIENT_SECRET = "test-secret-不外传"

    def __init__(self):
        super().__init__()
        self.issuer = self.url
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-key-1"
        self.next_subject: str | None = None
        self.claims: dict[str, str] = {}
        self.sign_with_stranger_key = False
        self.audience: str | None = None
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, str] = {}
        self.token_requests: list[dict] = []
        self.logouts: list[dict] = []  # the end_session requests' parameters
        self.discovery: dict = {}  # changes to the discovery document (a test's forgery)
        self.answers: dict[str, tuple[int, str, str]] = {}  # path: (status, content type, body) answered instead

    def settings(self) -> dict:
        """The qiaolian settings that switch OIDC on against this provider."""
        return {
            "OIDC_OP_ISSUER": self.issuer,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.url + "/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": self.url + "/token",
            "OIDC_OP_USER_ENDPOINT": self.url + "/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": self.url + "/jwks",
            "OIDC_RP_CLIENT_ID": self.CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": self.CLIENT_SECRET,
        }

    def discovery_document(self) -> dict:
        """/.well-known/openid-configuration, as OpenID Connect Discovery 1.0 defines it."""
        return {
            "issuer": self.issuer, "authorization_endpoint": self.url + "/authorize", "token_endpoint": self.url + "/token",
            "userinfo_endpoint": self.url + "/userinfo", "jwks_uri": self.url + "/jwks",
            "end_session_endpoint": self.url + "/logout", "response_types_supported": ["code"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"], **self.discovery,
        }

    def handle(self, method, path, query, body, headers):
        if path == "/.well-known/openid-configuration":
            return 200, {"Content-Type": "application/json"}, json.dumps(self.discovery_document())
        if path == "/logout":  # RP-initiated logout: the session ends, back to the client's post_logout_redirect_uri
            self.logouts.append({key: _one(query, key) for key in query})
            return 302, {"Location": _one(query, "post_logout_redirect_uri") or self.url}, ""
        if path == "/authorize":
            return self._authorize(query)
        if path == "/token" and method == "POST":
            answer = self._token(parse_qs(body), headers)
            return self._odd(path) or answer
        if path in self.answers:
            return self._odd(path)
        if path == "/jwks":
            jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
            return 200, {"Content-Type": "application/json"}, json.dumps({"keys": [jwk]})
        if path == "/userinfo":
            token = (headers.get("Authorization") or "").removeprefix("Bearer ")
            subject = self.access_tokens.get(token)
            if subject is None:
                return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, ""
            return 200, {"Content-Type": "application/json"}, json.dumps({"sub": subject, **self.claims})
        return 404, {}, "not found"

    def _odd(self, path):
        if path not in self.answers:
            return None
        status, content_type, content = self.answers[path]
        return status, {"Content-Type": content_type}, content

    def _authorize(self, query):
        redirect_uri, state = _one(query, "redirect_uri"), _one(query, "state")
        if _one(query, "client_id") != self.CLIENT_ID or _one(query, "response_type") != "code":
            return _redirect(redirect_uri, error="unauthorized_client", state=state)
        if self.next_subject is None:
            return _redirect(redirect_uri, error="access_denied", state=state)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"sub": self.next_subject, "nonce": _one(query, "nonce"), "redirect_uri": redirect_uri,
                            "challenge": _one(query, "code_challenge"), "method": _one(query, "code_challenge_method")}
        return _redirect(redirect_uri, code=code, state=state)

    def _token(self, form: dict, headers):
        request = {key: _one(form, key) for key in form}
        self.token_requests.append(request)
        error = lambda text: (400, {"Content-Type": "application/json"}, json.dumps({"error": text}))  # noqa: E731
        if request.get("client_id") != self.CLIENT_ID or request.get("client_secret") != self.CLIENT_SECRET:
            return error("invalid_client")
        issued = self.codes.pop(request.get("code", ""), None)
        if issued is None or issued["redirect_uri"] != request.get("redirect_uri"):
            return error("invalid_grant")
        if issued["challenge"]:
            verifier = request.get("code_verifier", "").encode()
            computed = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
            if issued["method"] != "S256" or computed != issued["challenge"]:
                return error("invalid_grant")
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": issued["sub"], "aud": self.audience or self.CLIENT_ID, "iat": now,
                  "exp": now + 300, "nonce": issued["nonce"]}
        key = self.stranger_key if self.sign_with_stranger_key else self.key
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})
        access_token = secrets.token_urlsafe(16)
        self.access_tokens[access_token] = issued["sub"]
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token})
