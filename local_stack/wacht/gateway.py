"""A stand-in for Wacht's gateway: the credentials it knows and how it judges them.

    POST   /v1/authz/check    judge ``{"principal": {"type", "value"}, "required_permissions"?, ...}``
    POST   /api-keys          issue a customer API key: ``{"name", "organization", "workspace"?,
                              "permissions": [...], "rate_limit_per_minute"?}`` -> ``{"key", "key_id"}``
    DELETE /api-keys/{key_id} revoke it (its next check is a 401)

It answers as the real one does (wacht-platform/platform ``src/gateway/handlers.rs``): 401 for an
unknown, revoked or expired credential; 200 ``allowed: false`` with ``permission_denied`` or
``rate_limited`` (``retry_after`` in milliseconds, what is left of the key's one-minute window);
200 ``allowed: true`` with the identity, the flat permission list and, for an opaque OAuth token,
``metadata`` with its scopes. The dev OAuth app (local_stack.wacht.oauth_app) puts its opaque
tokens in the same ``CredentialBook``. ``mode`` is the admin's fault switch: "down" answers 503,
"slow" answers after ``slow_seconds`` (past the 3 s every caller of the gateway allows).
``stats`` counts the checks by outcome (the admin's ``GET /stats``: what each caller cost in checks).
For development only; binds 127.0.0.1.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..http_service import HttpRequest, HttpResponse, HttpService, json_response
from .request_body import identifier, json_body, known_fields

__all__ = ["ApiKeyRequestError", "CHECK_OUTCOMES", "CheckStats", "Credential", "CredentialBook", "GATEWAY_MODES",
           "GatewayStandIn", "api_key_request", "sample_credentials"]

GATEWAY_MODES = ("up", "down", "slow")
CHECK_OUTCOMES = ("allowed", "permission_denied", "rate_limited", "rejected", "bad_request", "faulted")
"""How a ``/v1/authz/check`` ended: allowed; 200 ``allowed: false`` with either reason; 401 (unknown,
revoked or expired); 400 (not JSON); or the fault switch's doing ("down": 503; "slow": answered
after ``slow_seconds``, when every caller has given up)."""
RATE_LIMIT_WINDOW_SECONDS = 60.0
_API_KEY_FIELDS = {"name", "organization", "workspace", "permissions", "rate_limit_per_minute"}
_KEY_PATH = re.compile(r"^/api-keys/([^/]+)$")


@dataclass
class Credential:
    """One API key or opaque OAuth token the stand-in knows."""

    principal_type: str
    identity: dict
    permissions: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    client_id: str | None = None
    limit: int | None = None
    """Requests allowed per one-minute window; None: no limit."""
    expires_at: float | None = None
    """Unix time after which the gateway no longer accepts it; None: never."""
    revoked: bool = False
    used: int = 0
    window_started: float | None = None


class CredentialBook:
    """The credentials and the judging; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.credentials: dict[str, Credential] = {}
        self._clock = clock
        self._lock = threading.Lock()

    def add(self, value: str, credential: Credential) -> None:
        with self._lock:
            self.credentials[value] = credential

    def revoke(self, value: str) -> bool:
        """True when ``value`` was a credential still accepted."""
        with self._lock:
            credential = self.credentials.get(value)
            if credential is None or credential.revoked:
                return False
            credential.revoked = True
            return True

    def find_key(self, key_id: str) -> str | None:
        """The API key whose ``identity.key_id`` is ``key_id``."""
        with self._lock:
            return next((value for value, c in self.credentials.items()
                         if c.principal_type == "api_key" and c.identity.get("key_id") == key_id), None)

    def judge(self, body: Any) -> tuple[int, dict]:
        """(HTTP status, answer) for one ``/v1/authz/check`` body."""
        request_id = f"req_{secrets.token_hex(6)}"
        principal = body.get("principal") if isinstance(body, Mapping) else None
        principal = principal if isinstance(principal, Mapping) else {}
        now = self._clock()
        credential = self.credentials.get(principal.get("value")) if isinstance(principal.get("value"), str) else None
        if (credential is None or credential.revoked or credential.principal_type != principal.get("type")
                or (credential.expires_at is not None and now >= credential.expires_at)):
            return 401, {"request_id": request_id, "allowed": False, "reason": None, "identity": None,
                         "permissions": [], "rate_limits": [], "headers": {}}
        answer = {"request_id": request_id, "allowed": True, "reason": None, "identity": credential.identity,
                  "permissions": credential.permissions, "rate_limits": [], "retry_after": None, "headers": {}}
        if credential.principal_type == "oauth_access_token":
            expires = credential.expires_at if credential.expires_at is not None else 2051222400
            answer["metadata"] = {"principal_type": "oauth_access_token", "scopes": credential.scopes,
                                  "expires_at": datetime.fromtimestamp(expires, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
            answer["headers"] = {"x-wacht-oauth-client-id": credential.client_id}
        required = body.get("required_permissions") or []
        if [p for p in required if p not in credential.permissions]:
            return 200, {**answer, "allowed": False, "reason": "permission_denied", "blocked_rule": "permission_denied"}
        with self._lock:
            if credential.limit is not None:
                if credential.window_started is None:
                    credential.window_started = now
                elif now - credential.window_started >= RATE_LIMIT_WINDOW_SECONDS:
                    credential.window_started, credential.used = now, 0
                if credential.used >= credential.limit:
                    left = RATE_LIMIT_WINDOW_SECONDS - (now - credential.window_started)
                    return 200, {**answer, "allowed": False, "reason": "rate_limited",
                                 "retry_after": max(1, math.ceil(left * 1000))}
            credential.used += 1
        return 200, answer


def sample_credentials(document: Mapping[str, Any]) -> dict[str, Credential]:
    """The credentials a samples document lists (events/dev-keys/gateway-credentials.json, written by
    ``make events``), by value: what the sample events' API keys and opaque token need the stand-in to know.

    ``{"credentials": [{"value", "principal_type", "identity", "permissions"?, "scopes"?, "client_id"?,
    "expires_at"?}]}``; ValueError naming the entry that is not well formed.
    """
    entries = document.get("credentials") if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        raise ValueError('a samples document is {"credentials": [...]}')
    found: dict[str, Credential] = {}
    for index, entry in enumerate(entries):
        if (not isinstance(entry, Mapping) or not isinstance(entry.get("value"), str) or not entry["value"]
                or entry.get("principal_type") not in ("api_key", "oauth_access_token")
                or not isinstance(entry.get("identity"), Mapping)):
            raise ValueError(f"credentials[{index}] needs a value, a principal_type (api_key | oauth_access_token) and an identity")
        if any(not isinstance(entry.get(name, []), list) or not all(isinstance(item, str) for item in entry.get(name, []))
               for name in ("permissions", "scopes")):
            raise ValueError(f"credentials[{index}]: permissions and scopes are lists of strings")
        expires_at = entry.get("expires_at")
        if (expires_at is not None and (isinstance(expires_at, bool) or not isinstance(expires_at, (int, float)))) \
                or not isinstance(entry.get("client_id"), (str, type(None))):
            raise ValueError(f"credentials[{index}]: expires_at is a Unix time and client_id a string, when given")
        found[entry["value"]] = Credential(
            entry["principal_type"], dict(entry["identity"]), list(entry.get("permissions", [])),
            list(entry.get("scopes", [])), entry.get("client_id"), expires_at=entry.get("expires_at"),
        )
    return found


class CheckStats:
    """Checks counted by outcome (CHECK_OUTCOMES); thread-safe, every handler thread counts here."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(CHECK_OUTCOMES, 0)

    def count(self, outcome: str) -> None:
        with self._lock:
            self._counts[outcome] += 1

    @property
    def checks(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def to_json(self) -> dict:
        with self._lock:
            return {"checks": sum(self._counts.values()), **self._counts}


def _outcome(status: int, answer: Mapping) -> str:
    if status == 401:
        return "rejected"
    if status != 200:
        return "bad_request"
    return "allowed" if answer.get("allowed") else str(answer.get("reason"))


class ApiKeyRequestError(ValueError):
    """Raised for a ``POST /api-keys`` body that is not valid; the message says why."""


def api_key_request(body: Any) -> dict[str, Any]:
    """The validated fields of a ``POST /api-keys`` body, or ApiKeyRequestError naming the bad one."""
    body = known_fields(body, _API_KEY_FIELDS, ApiKeyRequestError)
    for name in ("name", "organization"):
        if name not in body:
            raise ApiKeyRequestError(f"{name} is required")
        identifier(body[name], name, ApiKeyRequestError)
    if body.get("workspace") is not None:
        identifier(body["workspace"], "workspace", ApiKeyRequestError)
    permissions = body.get("permissions")
    if not isinstance(permissions, list) or not all(isinstance(p, str) and p for p in permissions):
        raise ApiKeyRequestError("permissions must be a list of non-empty strings")
    limit = body.get("rate_limit_per_minute")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100_000):
        raise ApiKeyRequestError("rate_limit_per_minute must be an integer between 1 and 100000")
    return {"name": body["name"], "organization": body["organization"], "workspace": body.get("workspace"),
            "permissions": list(permissions), "limit": limit}


class GatewayStandIn:
    """The gateway as a request handler; ``serve(port)`` runs it on 127.0.0.1."""

    def __init__(self, key_prefix: str, book: CredentialBook | None = None, slow_seconds: float = 5.0) -> None:
        self.key_prefix = key_prefix
        self.book = book or CredentialBook()
        self.mode = "up"
        self.slow_seconds = slow_seconds
        self.stats = CheckStats()

    def serve(self, port: int = 0) -> HttpService:
        return HttpService("wacht-gateway", self.handle, port).start()

    def handle(self, request: HttpRequest) -> HttpResponse:
        if (request.method, request.path) == ("POST", "/v1/authz/check"):
            return self._check(request)
        if (request.method, request.path) == ("POST", "/api-keys"):
            return self._issue_key(request)
        match = _KEY_PATH.match(request.path)
        if match is not None and request.method == "DELETE":
            value = self.book.find_key(match.group(1))
            if value is None or not self.book.revoke(value):
                return json_response(404, {"error": "not_found", "message": f"no active API key {match.group(1)}"})
            return json_response(200, {"key_id": match.group(1), "revoked": True})
        return json_response(404, {"error": "not_found", "message": f"no {request.method} {request.path} here"})

    def _check(self, request: HttpRequest) -> HttpResponse:
        mode = self.mode
        if mode == "down":
            self.stats.count("faulted")
            return json_response(503, {"error": "unavailable", "message": "gateway down (fault injected)"})
        if mode == "slow":
            time.sleep(self.slow_seconds)
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            self.stats.count("faulted" if mode == "slow" else "bad_request")
            return json_response(400, {"error": "invalid_request", "message": "body must be JSON"})
        status, answer = self.book.judge(body)
        self.stats.count("faulted" if mode == "slow" else _outcome(status, answer))
        return json_response(status, answer)

    def _issue_key(self, request: HttpRequest) -> HttpResponse:
        try:
            fields = api_key_request(json_body(request, ApiKeyRequestError))
        except ApiKeyRequestError as error:
            return json_response(400, {"error": "invalid_request", "message": str(error)})
        key_id = str(72170300000000000 + secrets.randbelow(10**15))
        key = f"{self.key_prefix}{secrets.token_urlsafe(24)}"
        identity = {"key_id": key_id, "deployment_id": "1", "app_slug": "aa_1", "key_name": fields["name"],
                    "owner_user_id": None, "organization_id": fields["organization"], "workspace_id": fields["workspace"]}
        self.book.add(key, Credential("api_key", identity, fields["permissions"], limit=fields["limit"]))
        return json_response(201, {"key": key, "key_id": key_id})
