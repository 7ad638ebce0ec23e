"""A real HTTP server on 127.0.0.1 whose behaviour a test controls: how the JWKS misbehaves."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class LoopbackServer:
    """A ThreadingHTTPServer on 127.0.0.1 (a free port) serving ``handler`` from a daemon thread
    while its ``with`` block runs; with ``tls`` (a server context) it speaks HTTPS at ``origin``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], *, tls: ssl.SSLContext | None = None) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.origin = f"{'https' if tls else 'http'}://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class JsonHandler(BaseHTTPRequestHandler):
    """Answers with a JSON content type, quietly: a client that gave up (timeout tests) is no error."""

    def _start(self, status: int, length: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send(self, status: int, body: bytes) -> None:
        try:
            self._start(status, len(body))
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def log_message(self, *args) -> None:
        pass


class JwksServer(LoopbackServer):
    """Serves ``/.well-known/jwks.json`` from ``self.document``; ``self.mode`` makes it misbehave.

    Modes: "ok", "error" (HTTP 500), "slow" (sleeps ``delay`` before answering), "garbage"
    (not JSON), "huge" (a body over the size cap), "nested" (JSON nested past the recursion limit),
    "empty_keys". ``requests`` counts GETs. With ``tls`` (a server context) it speaks HTTPS.
    """

    def __init__(self, document: dict | None = None, *, tls: ssl.SSLContext | None = None) -> None:
        self.document = document or {"keys": []}
        self.mode = "ok"
        self.delay = 5.0
        self.requests = 0
        self.user_agents: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                with server._lock:
                    server.requests += 1
                    server.user_agents.append(self.headers.get("User-Agent", ""))
                mode = server.mode
                if mode == "slow":
                    time.sleep(server.delay)
                if mode == "error":
                    self._send(500, b'{"error":"boom"}')
                elif mode == "garbage":
                    self._send(200, b"<html>not json</html>")
                elif mode == "huge":
                    self._send(200, b'{"keys":[' + b'{"kty":"EC"},' * 20000 + b'{"kty":"EC"}]}')
                elif mode == "nested":
                    self._send(200, b"[" * 50_000 + b"]" * 50_000)
                elif mode == "empty_keys":
                    self._send(200, b'{"keys":[]}')
                else:
                    self._send(200, json.dumps(server.document).encode())

        super().__init__(Handler, tls=tls)
        self.jwks_url = f"{self.origin}/.well-known/jwks.json"


class FakeClock:
    """A clock a test moves by hand: ``clock()`` reads it, ``clock.advance(s)`` moves it."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
