"""A stand-in for Wacht's gateway check on 127.0.0.1 (``POST /v1/authz/check``), answering as the real
one does (wacht-platform/platform ``src/gateway/handlers.rs``): 401 for an unknown, revoked or expired
credential, 200 ``allowed: false`` with ``permission_denied`` / ``rate_limited`` (``retry_after`` in
milliseconds), 200 ``allowed: true`` with the identity. It judges with the local stack's own
``CredentialBook`` (local_stack.wacht.gateway); ``mode`` makes it misbehave in ways the stack's does not.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from local_stack.wacht.gateway import Credential, CredentialBook

__all__ = ["Credential", "StandInGateway"]


class StandInGateway:
    """Modes: "ok", "down" (HTTP 503), "bad_request" (HTTP 400), "slow" (sleeps ``delay``), "drip"
    (sends a byte every 0.2 s), "garbage" (200, not JSON), "no_identity" (200 allowed without an
    identity), "odd_reason" (200 allowed:false with a reason we do not know), "huge" (a body over the cap).
    ``requests`` holds every request body received."""

    def __init__(self) -> None:
        self.book = CredentialBook()
        self.credentials = self.book.credentials
        self.mode = "ok"
        self.delay = 5.0
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with gateway._lock:
                    gateway.requests.append(body)
                mode = gateway.mode
                if self.path != "/v1/authz/check":
                    return self._send(404, b"{}")
                if mode == "down":
                    return self._send(503, b"upstream unavailable")
                if mode == "bad_request":
                    return self._send(400, b'{"allowed":false}')
                if mode == "slow":
                    time.sleep(gateway.delay)
                if mode == "drip":
                    return self._drip()
                if mode == "garbage":
                    return self._send(200, b"<html>gateway</html>")
                if mode == "huge":
                    return self._send(200, b'{"allowed":true,"pad":"' + b"x" * 400_000 + b'"}')
                status, answer = gateway.judge(body)
                if mode == "no_identity" and status == 200:
                    answer = {**answer, "allowed": True, "identity": None}
                if mode == "odd_reason" and status == 200:
                    answer = {**answer, "allowed": False, "reason": "quota_exceeded"}
                self._send(status, json.dumps(answer).encode())

            def _send(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _drip(self) -> None:
                body = b'{"allowed":true}' + b" " * 200
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    for byte in body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.2)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def add_key(self, value: str, *, key_id: str, organization: str | None = None, workspace: str | None = None,
                owner: str | None = "72170182881052673", permissions: list[str] | None = None, limit: int | None = None) -> None:
        identity = {"key_id": key_id, "deployment_id": "1", "app_slug": "aa_1", "key_name": f"key {key_id}",
                    "owner_user_id": owner, "organization_id": organization, "workspace_id": workspace}
        self.credentials[value] = Credential("api_key", identity, list(permissions or []), limit=limit)

    def add_opaque_token(self, value: str, *, client_id: str, user: str = "72170182881052673",
                         scopes: list[str] | None = None) -> None:
        identity = {"key_id": "55", "deployment_id": "1", "app_slug": "oa_1", "key_name": client_id,
                    "owner_user_id": user, "organization_id": None, "workspace_id": None}
        self.credentials[value] = Credential("oauth_access_token", identity, list(scopes or []), list(scopes or []), client_id)

    def judge(self, body: dict) -> tuple[int, dict]:
        """As the local stack's gateway judges (local_stack.wacht.gateway.CredentialBook)."""
        return self.book.judge(body)

    def __enter__(self) -> StandInGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
