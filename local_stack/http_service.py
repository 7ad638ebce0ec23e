"""The small HTTP plumbing every local server shares: requests and responses as values.

Each server is a function ``HttpRequest -> HttpResponse`` run by a threaded stdlib server on
127.0.0.1 (HTTP/1.1 with keep-alive, so the load run measures the gateway, not TCP setup).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["HttpRequest", "HttpResponse", "HttpService", "MAX_BODY_BYTES", "json_response"]

MAX_BODY_BYTES = 10 * 1024 * 1024
"""API Gateway's payload limit."""

_log = logging.getLogger("local_stack.http")


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    """The raw (still percent-encoded) path, without the query string."""
    query: str
    headers: tuple[tuple[str, str], ...]
    """As received: names keep their case, repeated headers repeat."""
    body: bytes
    client_ip: str

    def header(self, name: str) -> str | None:
        """The last value of header ``name`` (names compare case-insensitively), or None."""
        values = self.header_values(name)
        return values[-1] if values else None

    def header_values(self, name: str) -> tuple[str, ...]:
        """Every value of header ``name`` in the order sent, whatever the case of each name."""
        wanted = name.lower()
        return tuple(value for key, value in self.headers if key.lower() == wanted)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


def json_response(status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> HttpResponse:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return HttpResponse(status, (("Content-Type", "application/json"), *headers), body)


class HttpService:
    """``handle`` served on 127.0.0.1:``port`` (0: a free port) in a background thread."""

    def __init__(self, name: str, handle: Callable[[HttpRequest], HttpResponse], port: int = 0, host: str = "127.0.0.1"):
        self.name = name
        self._httpd = _Server((host, port), _handler_class(name, handle))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.origin = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name=f"http-{name}", daemon=True)

    def start(self) -> HttpService:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()


class _Server(ThreadingHTTPServer):
    request_queue_size = 128
    """The listen backlog (socketserver's default is 5): dozens of load clients connect at once."""


def _handler_class(name: str, handle: Callable[[HttpRequest], HttpResponse]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = f"local-stack-{name}"
        sys_version = ""

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes: without this, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every keep-alive response.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _serve(self) -> None:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                self._send(HttpResponse(411, (("Content-Type", "application/json"),), b'{"message":"Length Required"}'))
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY_BYTES:
                self.close_connection = True
                self._send(json_response(413, {"message": "Request Too Long"}))
                return
            body = self.rfile.read(length) if length else b""
            # The request target is origin-form (path?query): urlsplit would read "//me" as a host.
            path, _, query = self.path.partition("#")[0].partition("?")
            request = HttpRequest(
                method=self.command,
                path=path or "/",
                query=query,
                headers=tuple(self.headers.items()),
                body=body,
                client_ip=self.client_address[0],
            )
            try:
                response = handle(request)
            except Exception:  # a bug in the local stack itself: say so, keep serving
                _log.exception("%s: unhandled error serving %s %s", name, self.command, path)
                response = json_response(500, {"message": "local stack error (see its log)"})
            self._send(response)

        def _send(self, response: HttpResponse) -> None:
            try:
                self.send_response(response.status)
                for key, value in response.headers:
                    if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(key, value)
                body = b"" if self.command == "HEAD" else response.body
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
            pass  # the gateway writes its own access log

    return Handler
