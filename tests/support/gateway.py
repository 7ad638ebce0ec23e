"""A stand-in for Wacht's gateway check on 127.0.0.1 (``POST /v1/authz/check``), answering as the real
one does (wacht-platform/platform ``src/gateway/handlers.rs``): 401 for an unknown, revoked or expired
credential, 200 ``allowed: false`` with ``permission_denied`` / ``rate_limited`` (``retry_after`` in
milliseconds), 200 ``allowed: true`` with the identity. It judges with the local stack's own
``CredentialBook`` (local_stack.wacht.gateway); ``mode`` makes it misbehave in ways the stack's does not.
"""

from __future__ import annotations

import json
import ssl
import threading
import time

from local_stack.wacht.gateway import Credential, CredentialBook
from tests.support.servers import JsonHandler, LoopbackServer

__all__ = ["Credential", "StandInGateway"]


class StandInGateway(LoopbackServer):
    """Modes: "ok", "down" (HTTP 503), "bad_request" (HTTP 400), "slow" (sleeps ``delay``), "drip"
    (sends a byte every 0.2 s), "garbage" (200, not JSON), "no_identity" (200 allowed without an
    identity), "odd_reason" (200 allowed:false with a reason we do not know), "huge" (a body over the cap).
    ``requests`` holds every request body received. With ``tls`` (a server context) it speaks HTTPS."""

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self.book = CredentialBook()
        self.credentials = self.book.credentials
        self.mode = "ok"
        self.delay = 5.0
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        gateway = self

        class Handler(JsonHandler):
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

            def _drip(self) -> None:
                body = b'{"allowed":true}' + b" " * 200
                try:
                    self._start(200, len(body))
                    for byte in body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.2)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        super().__init__(Handler, tls=tls)
        self.url = self.origin

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
