"""HTTP for the platforms: one pooled `requests.Session` per process and thread (keep-alive connections reused by
every message: no TLS handshake per message), with timeouts (connect 3 s, read 10 s). Network trouble, an HTTP
error status and a body that is not JSON all become `NetworkError`. It says whether the request may have reached
the platform (`maybe_delivered`): a refused or timed-out connection did not, so the message is tried again later; an
answer lost after the request went out (read timeout, connection reset, 5xx) may mean it was sent, so the outbox
does not send it again (status "unknown", as after an interrupted send).

The error's text is stored as the message's last_error (消息发送, the sender's 通知发送情况): what happened in Chinese
first (through gettext), then the technical detail (the exception's class, the URL)."""
from __future__ import annotations

import os
import threading
from typing import Any

import requests
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
POOL_SIZE = 8  # connections kept per host

_local = threading.local()


class NetworkError(Exception):
    """The platform could not be reached or answered something that is not its JSON; `maybe_delivered` when the
    request went out (the platform may have acted on it)."""

    def __init__(self, message: str, *, maybe_delivered: bool):
        super().__init__(message)
        self.maybe_delivered = maybe_delivered


def _went_out(error: requests.RequestException) -> bool:
    """Whether the request may have reached the server before `error`: not when the connection was never made."""
    if isinstance(error, (requests.ConnectTimeout, requests.exceptions.SSLError, requests.exceptions.ProxyError)):
        return False  # no connection, or its TLS handshake failed: nothing was sent
    if isinstance(error, requests.ConnectionError):
        reason = getattr(error.args[0], "reason", error.args[0]) if error.args else None
        return not isinstance(reason, (NewConnectionError, ConnectTimeoutError))
    return not isinstance(error, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema))


class PlatformError(Exception):
    """The platform refused a call that is not the message itself (e.g. gettoken: wrong secret, 60020)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def session() -> requests.Session:
    """This process's (and thread's) session; a forked worker builds its own instead of sharing the parent's
    sockets."""
    current = getattr(_local, "session", None)
    if current is None or getattr(_local, "pid", None) != os.getpid():
        current = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
        current.mount("http://", adapter)
        current.mount("https://", adapter)
        current.trust_env = False  # no proxy or netrc from the environment: the platform is named by the settings
        _local.session, _local.pid = current, os.getpid()
    return current


def sessions_reset() -> None:
    """Forgets this thread's session (tests: "another process" keeps nothing but the shared cache; with
    tokens.local_forget())."""
    current = getattr(_local, "session", None)
    if current is not None:
        current.close()
    _local.session = None


def call_json(method: str, url: str, *, params: dict[str, Any] | None = None, json: Any = None) -> dict[str, Any]:
    """One call answered with a JSON object, or NetworkError (the URL in the error never holds the token)."""
    try:
        response = session().request(method, url, params=params, json=json, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    except requests.RequestException as error:
        went_out = _went_out(error)
        detail = {"detail": f"{type(error).__name__} {url}"}
        if went_out:
            message = _("网络错误（请求已发出，未收到应答）：%(detail)s") % detail
        else:
            message = _("连接失败（网络错误）：%(detail)s") % detail
        raise NetworkError(message, maybe_delivered=went_out) from error
    if response.status_code >= 400:  # 5xx: the server may have acted before failing; 4xx: refused as a request
        raise NetworkError(_("平台返回 HTTP %(status)s：%(url)s") % {"status": response.status_code, "url": url},
                           maybe_delivered=response.status_code >= 500)
    try:
        answer = response.json()
    except ValueError as error:
        raise NetworkError(_("平台的应答不是 JSON（HTTP %(status)s）：%(url)s") % {"status": response.status_code, "url": url},
                           maybe_delivered=True) from error
    if not isinstance(answer, dict):
        raise NetworkError(_("平台的应答不是 JSON 对象：%(url)s") % {"url": url}, maybe_delivered=True)
    return answer
