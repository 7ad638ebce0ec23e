"""Real servers on 127.0.0.1 for the dependencies the functions call: Wacht's Backend API (which
can also drip its answer), a DynamoDB endpoint that does nothing but throttle, one that answers
every call with a 5xx whose body is not DynamoDB's, an AWS endpoint that drips plausible answers
(DynamoDB, Secrets Manager, SSM), and a socket that accepts connections and never answers (a hung
DynamoDB, Secrets Manager or SSM endpoint)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_USER_DETAILS = re.compile(r"^/users/([^/]+)/details$")


class _Server:
    """A ThreadingHTTPServer on a free loopback port; subclasses answer in ``respond``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.closed = threading.Event()
        self.drip_limit_seconds = 12.0
        """A dripping answer stops (the connection closes) after this long: a test of a client that waits
        for every byte fails in bounded time."""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with owner._lock:
                    owner.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body})
                status, headers, payload = owner.respond(self.command, self.path, dict(self.headers), body)
                drip = owner.drip_interval_seconds(self.path)
                started = time.monotonic()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if drip is None:
                        self.wfile.write(payload)
                        return
                    for index in range(len(payload)):  # one byte per interval: each read is quick, the whole is not
                        self.wfile.write(payload[index : index + 1])
                        self.wfile.flush()
                        if owner.closed.wait(drip) or time.monotonic() - started > owner.drip_limit_seconds:
                            return
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            do_GET = do_POST = _handle  # noqa: N815 - http.server's naming

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

    def drip_interval_seconds(self, path: str) -> float | None:
        """Seconds between the body's bytes; None sends the body at once."""
        return None

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.closed.set()
        self._httpd.shutdown()
        self._httpd.server_close()


def _json(status: int, document: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(document).encode()


def _wacht_error(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    return _json(status, {"errors": [{"message": message, "code": status}]})


class WachtApiServer(_Server):
    """Speaks shared/wacht.md's Backend API: ``GET /users/{id}/details`` and its error shapes.

    ``secret`` is the only key it accepts (401 otherwise). ``mode`` makes it misbehave:
    "ok", "forbidden" (403), "rate_limited" (429), "error" (500), "garbage" (200, not JSON),
    "slow" (sleeps ``delay`` seconds before answering), "drip" (answers at once, then sends the
    body one byte per ``delay`` seconds), "nested" (200, JSON nested deeper than a parser's recursion).
    """

    def __init__(self, secret: str, users: dict[str, dict] | None = None) -> None:
        super().__init__()
        self.secret = secret
        self.users = dict(users or {})
        self.mode = "ok"
        self.delay = 2.0

    def drip_interval_seconds(self, path: str) -> float | None:
        return self.delay if self.mode == "drip" else None

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        mode = self.mode
        if mode == "nested":
            return 200, {"Content-Type": "application/json"}, b"[" * 100_000 + b"]" * 100_000
        if mode == "slow":
            time.sleep(self.delay)
        authorization = headers.get("Authorization", "")
        if authorization != f"Bearer {self.secret}":
            return _wacht_error(401, "Invalid API key")
        if mode == "forbidden":
            return _wacht_error(403, "API key lacks permission")
        if mode == "rate_limited":
            return _wacht_error(429, "Too many requests")
        if mode == "error":
            return _wacht_error(500, "Internal server error")
        if mode == "garbage":
            return 200, {"Content-Type": "text/html"}, b"<html>maintenance</html>"
        match = _USER_DETAILS.match(path)
        if method != "GET" or match is None:
            return _wacht_error(404, "Not found")
        user = self.users.get(match.group(1))
        if user is None:
            return _wacht_error(404, "User not found")
        return _json(200, user)


def wacht_user(user_id: str, first_name: str = "Ada", last_name: str = "Lovelace") -> dict[str, Any]:
    """A user object in the shape of ``GET /users/{id}/details`` (no ``data`` envelope)."""
    email = f"{first_name.lower()}@example.com"
    return {
        "id": user_id,
        "first_name": first_name,
        "last_name": last_name,
        "username": first_name.lower(),
        "profile_picture_url": "",
        "primary_email_address": {"id": "1", "email": email},
        "email_addresses": [{"id": "1", "email": email}],
        "public_metadata": {},
        "disabled": False,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        **BACKEND_ONLY_FIELDS,
    }


BACKEND_ONLY_FIELDS = {
    "private_metadata": {"stripe_customer": "cus_backend_only"},
    "unsafe_metadata": {"note": "backend-only"},
    "last_sign_in_ip": "198.51.100.23",
    "backup_codes": ["backend-only-code"],
}
"""Fields a Backend API user object may carry that must never reach a browser."""


class ThrottlingDynamoDB(_Server):
    """A DynamoDB endpoint that answers every call with ProvisionedThroughputExceededException, forever."""

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        error = {
            "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "message": "The level of configured provisioned throughput for the table was exceeded.",
        }
        return 400, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(error).encode()


class ForeignErrorDynamoDB(_Server):
    """A DynamoDB endpoint answering every call with a 5xx that is not one of DynamoDB's error
    codes: ``status`` with ``body`` (a proxy's HTML page by default; ``content_type`` to match)."""

    def __init__(self, status: int = 502, body: bytes = b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                 content_type: str = "text/html") -> None:
        super().__init__()
        self.status, self.body, self.content_type = status, body, content_type

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        return self.status, {"Content-Type": self.content_type}, self.body


_ITEM = {"pk": {"S": "WS#1"}, "sk": {"S": "DOC#0000000001"}, "title": {"S": "A document"}, "body": {"S": "Its text."}}
DRIPPED_ANSWERS: dict[str, Any] = {
    "DynamoDB_20120810.Query": {"Count": 1, "Items": [_ITEM], "ScannedCount": 1},
    "DynamoDB_20120810.GetItem": {"Item": _ITEM},
    "secretsmanager.GetSecretValue": {
        "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:wacht/backend-secret-AbCdEf",
        "Name": "wacht/backend-secret", "SecretString": "sk_test_dripped_secret",
        "VersionId": "EXAMPLE1-90ab-cdef-fedc-ba987SECRET1", "VersionStages": ["AWSCURRENT"], "CreatedDate": 1767225600.0,
    },
    "AmazonSSM.GetParameter": {"Parameter": {
        "Name": "/wacht/backend-secret", "Type": "SecureString", "Value": "sk_test_dripped_secret", "Version": 1,
        "ARN": "arn:aws:ssm:us-east-1:123456789012:parameter/wacht/backend-secret", "DataType": "text",
    }},
}
"""What each operation would answer, keyed by its X-Amz-Target: well-formed, so only time is wrong."""


class DrippingAws(_Server):
    """An AWS JSON endpoint (DynamoDB, Secrets Manager, SSM) that answers 200 at once, then sends a
    well-formed answer (DRIPPED_ANSWERS) one byte per ``interval`` seconds: each read is quick, the
    whole answer takes minutes."""

    def __init__(self, interval: float = 0.4) -> None:
        super().__init__()
        self.interval = interval

    def drip_interval_seconds(self, path: str) -> float | None:
        return self.interval

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        answer = DRIPPED_ANSWERS[headers.get("X-Amz-Target", "")]
        return 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(answer).encode()


class HangingServer:
    """A TCP endpoint on 127.0.0.1 that accepts every connection and never answers (nor closes it).

    What a stuck DynamoDB, Secrets Manager or SSM endpoint looks like to the SDK: the connect
    succeeds at once, and every read waits for its timeout. ``connections`` counts accepts.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.connections = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._held.append(connection)

    def __enter__(self) -> HangingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(2)
        for connection in self._held:
            connection.close()
        self._listener.close()
