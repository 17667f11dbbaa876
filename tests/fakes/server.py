"""A threaded HTTP server on 127.0.0.1 (port 0: a free port) that hands each request to a fake platform's
`handle(request) -> (status, json object)`. HTTP/1.1 with keep-alive, so a client's pooled connections are reused
as with the real platforms."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


class Fake(Protocol):
    def handle(self, request: Request) -> tuple[int, dict[str, Any]]: ...


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once, not 40 ms apart (delayed ACK)
    fake: Fake

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        form = dict(parse_qsl(body.decode(errors="replace"))) if "form-urlencoded" in headers.get("content-type", "") else {}
        request = Request(self.command, parts.path, dict(parse_qsl(parts.query)), headers, body, form)
        status, answer = self.server.fake.handle(request)  # type: ignore[attr-defined]
        payload = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", getattr(self.server.fake, "content_type", "application/json; charset=utf-8"))  # type: ignore[attr-defined]
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class FakeServer:
    """Serves `fake` on 127.0.0.1:<free port> in a thread: `url` is "http://127.0.0.1:<port>"."""

    def __init__(self, fake: Fake):
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.fake = fake  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> FakeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
