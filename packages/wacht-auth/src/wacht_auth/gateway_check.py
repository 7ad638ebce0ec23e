"""Wacht's gateway check for API keys and opaque OAuth access tokens: one bounded POST per judgement.

``POST {gateway}/v1/authz/check`` with ``{"principal": {"type", "value"}, "resource", "method",
"client_ip"?, "user_agent"?, "required_permissions"?}`` (Wacht's Node and Rust SDKs; the gateway in
wacht-platform/platform ``src/gateway/handlers.rs``). How it answers, and what we make of it:

==========================================================  ==========================================
gateway answer                                              here
==========================================================  ==========================================
200, ``allowed: true``, ``identity``                        a ``GatewayVerdict`` with the AuthContext
200, ``allowed: false``, ``reason: "rate_limited"``         ``RateLimited`` (429, ``Retry-After``)
200, ``allowed: false``, ``reason: "permission_denied"``    ``Forbidden`` (403)
401 (unknown, malformed, revoked, expired key or token)     ``Unauthenticated(CREDENTIAL_REJECTED)`` (401)
any other status, no identity, an unknown reason, not       ``GatewayUnavailable`` (5xx): an outage or
JSON, too big, unreachable, no whole answer in time         our bug, never a 401 and never an Allow
==========================================================  ==========================================

The whole exchange (connect, send, headers and a body that may drip in) is bounded by one deadline
(``deadline.run_within``), not each socket read. Standard library only (``http.client``), so the
authorizer's cold start pays for no HTTP library. The credential goes in the request body only,
never into a log line or an error message. Over HTTPS it shares the process's one TLS context with
the key-set fetches (``jwks_fetch.tls_context``) instead of loading the CA bundle for each request.

``retry_after``: the gateway's rate limiter writes the blocking window in milliseconds
(``rate_limit/window.rs``: ``retry_after = window_ms``); it becomes whole seconds, at least 1.
Permissions: the gateway answers one flat list (the key's own plus its owner's role permissions);
like the Node SDK, it counts as the organization's list when the key has an organization and as the
workspace's list when it has a workspace. An OAuth principal names neither, so only its scopes count.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from .context import AuthContext, PrincipalType, is_valid_id
from .deadline import run_within
from .errors import Forbidden, GatewayUnavailable, RateLimited, Reason, Unauthenticated

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "GatewayCheck", "GatewayVerdict", "USER_AGENT"]

USER_AGENT = "wacht-sam-authorizer/1.0 (+gateway-check)"
DEFAULT_TIMEOUT_SECONDS = 3.0
MAX_ANSWER_BYTES = 256 * 1024
"""Far above any real answer (identity, a permission list, rate-limit states); more is garbage."""
_READ_CHUNK_BYTES = 16 * 1024
UNKNOWN_EXPIRY_SECONDS = 3600
"""How long a context from the gateway is good for when Wacht names no expiry: API Gateway's longest
authorizer TTL. The function re-checks such a principal on every request anyway."""


@dataclass(frozen=True)
class GatewayVerdict:
    """An answer in which the gateway allowed the credential (``allowed``), or knew it but refused it for a reason."""

    auth: AuthContext
    """Who the credential is, from the gateway's ``identity``, ``permissions`` and ``metadata``."""
    request_id: str | None = None
    """The gateway's own request id, for support tickets."""


class GatewayCheck:
    """A client for ``POST {gateway_url}/v1/authz/check``. One per process; thread-safe (no shared connection).

    ``clock`` reads wall time for the contexts' ``expires_at``.
    """

    def __init__(
        self,
        gateway_url: str,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parts = urlsplit(gateway_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("gateway_url must be an absolute http(s) URL")
        self.gateway_url = gateway_url.rstrip("/")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._path = (parts.path.rstrip("/") or "") + "/v1/authz/check"
        self.timeout_seconds = timeout_seconds
        self._clock = clock

    def check(
        self,
        principal_type: PrincipalType,
        value: str,
        *,
        method: str,
        resource: str,
        required_permissions: Iterable[str] = (),
        client_ip: str | None = None,
        user_agent: str | None = None,
        timeout_seconds: float | None = None,
    ) -> GatewayVerdict:
        """Ask the gateway about ``value`` (an API key or opaque OAuth token) for ``method`` ``resource``.

        Returns the verdict when allowed. Raises Unauthenticated(CREDENTIAL_REJECTED) when the gateway
        does not know the credential (or it is revoked or expired), Forbidden when it lacks a
        ``required_permissions`` entry, RateLimited when over its limit, and GatewayUnavailable for any
        answer that is not one of these within ``timeout_seconds`` (default: the client's).
        """
        if principal_type not in (PrincipalType.API_KEY, PrincipalType.OAUTH_ACCESS_TOKEN):
            raise ValueError("only API keys and OAuth access tokens are judged by the gateway")
        seconds = self.timeout_seconds if timeout_seconds is None else min(timeout_seconds, self.timeout_seconds)
        if seconds <= 0:
            raise GatewayUnavailable("no time left to ask Wacht's gateway")
        required = [p for p in required_permissions]
        body: dict[str, Any] = {
            "principal": {"type": principal_type.value, "value": value},
            "resource": resource,
            "method": method,
        }
        if client_ip:
            body["client_ip"] = client_ip
        if user_agent:
            body["user_agent"] = user_agent
        if required:
            body["required_permissions"] = required
        payload = json.dumps(body, separators=(",", ":")).encode()
        deadline = time.monotonic() + seconds
        status, answer = run_within(
            seconds,
            lambda: self._exchange(payload, deadline),
            lambda: GatewayUnavailable("Wacht's gateway gave no whole answer in time"),
            thread_name="wacht-gateway-check",
        )
        return self._verdict(principal_type, status, answer, required)

    def check_request(
        self,
        principal_type: PrincipalType,
        value: str,
        event: Mapping[str, Any],
        *,
        required_permissions: Iterable[str] = (),
        timeout_seconds: float | None = None,
    ) -> GatewayVerdict:
        """``check`` for the request an API Gateway event describes (a REQUEST authorizer's or a proxy
        integration's: both carry ``httpMethod``, ``path`` and ``requestContext.identity``).

        ``resource`` is the concrete ``path`` the client asked for (base path included), never the
        route template: Wacht's own callers send the request path, and rate-limit rules match it.
        """
        request_context = event.get("requestContext") if isinstance(event.get("requestContext"), Mapping) else {}
        identity = request_context.get("identity") if isinstance(request_context.get("identity"), Mapping) else {}
        return self.check(
            principal_type,
            value,
            method=str(event.get("httpMethod") or ""),
            resource=str(event.get("path") or "/"),
            required_permissions=required_permissions,
            client_ip=identity.get("sourceIp"),
            user_agent=identity.get("userAgent"),
            timeout_seconds=timeout_seconds,
        )

    def _exchange(self, payload: bytes, deadline: float) -> tuple[int, bytes] | GatewayUnavailable:
        """One POST, run in the worker: (status, body) or the failure as a value, never raised."""
        import http.client

        timeout = max(deadline - time.monotonic(), 0.001)
        if self._scheme == "https":
            from .jwks_fetch import tls_context  # the process's one context: building one loads the CA bundle

            connection = http.client.HTTPSConnection(self._host, self._port, timeout=timeout, context=tls_context())
        else:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        try:
            connection.request(
                "POST",
                self._path,
                body=payload,
                headers={"Content-Type": "application/json", "Accept": "application/json", "User-Agent": USER_AGENT},
            )
            response = connection.getresponse()
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() >= deadline:
                    return GatewayUnavailable("Wacht's gateway answer still arriving at the deadline")
                chunk = response.read1(_READ_CHUNK_BYTES)
                if not chunk:
                    return response.status, b"".join(chunks)
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    return GatewayUnavailable(f"Wacht's gateway answer larger than {MAX_ANSWER_BYTES} bytes")
                chunks.append(chunk)
        except (OSError, http.client.HTTPException, ValueError) as error:
            return GatewayUnavailable(f"Wacht's gateway unreachable or answer broken: {type(error).__name__}")
        finally:
            connection.close()

    def _verdict(self, principal_type: PrincipalType, status: int, body: bytes, required: list[str]) -> GatewayVerdict:
        if status == 401:
            raise Unauthenticated(Reason.CREDENTIAL_REJECTED, "Wacht's gateway does not accept this credential")
        if status != 200:
            raise GatewayUnavailable(f"Wacht's gateway answered HTTP {status}")
        try:
            answer = json.loads(body)
        except (ValueError, RecursionError):
            raise GatewayUnavailable("Wacht's gateway answered a body that is not JSON") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("allowed"), bool):
            raise GatewayUnavailable("Wacht's gateway answered JSON without a boolean 'allowed'")
        if not answer["allowed"]:
            reason = answer.get("reason")
            if reason == "rate_limited":
                try:
                    auth = self._auth(principal_type, answer)
                except GatewayUnavailable:
                    auth = None
                raise RateLimited(_retry_after_seconds(answer.get("retry_after")), auth)
            if reason == "permission_denied":
                missing = required[0] if len(required) == 1 else ", ".join(required)
                raise Forbidden(f"Missing required permission: {missing}")
            raise GatewayUnavailable("Wacht's gateway refused without a reason we know")
        request_id = answer.get("request_id") if isinstance(answer.get("request_id"), str) else None
        return GatewayVerdict(self._auth(principal_type, answer), request_id)

    def _auth(self, principal_type: PrincipalType, answer: Mapping[str, Any]) -> AuthContext:
        identity = answer.get("identity")
        if not isinstance(identity, dict):
            raise GatewayUnavailable("Wacht's gateway allowed a credential without naming it (no identity)")
        permissions = answer.get("permissions", [])
        if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
            raise GatewayUnavailable("Wacht's gateway answered permissions that are not a list of strings")
        metadata = answer.get("metadata") if isinstance(answer.get("metadata"), dict) else {}
        user_id = _optional_id(identity.get("owner_user_id"), "owner_user_id")
        now = self._clock()
        if principal_type is PrincipalType.API_KEY:
            key_id = _optional_id(identity.get("key_id"), "key_id")
            if key_id is None:
                raise GatewayUnavailable("Wacht's gateway named an API key without its key_id")
            organization_id = _optional_id(identity.get("organization_id"), "organization_id")
            workspace_id = _optional_id(identity.get("workspace_id"), "workspace_id")
            granted = tuple(dict.fromkeys(permissions))
            return AuthContext(
                user_id=user_id,
                session_id=None,
                organization_id=organization_id,
                workspace_id=workspace_id,
                organization_permissions=granted if organization_id else (),
                workspace_permissions=granted if workspace_id else (),
                expires_at=int(now) + UNKNOWN_EXPIRY_SECONDS,
                principal_type=PrincipalType.API_KEY,
                key_id=key_id,
                checked_by_gateway=True,
            )
        headers = answer.get("headers") if isinstance(answer.get("headers"), dict) else {}
        client_id = _optional_id(headers.get("x-wacht-oauth-client-id") or identity.get("key_name"), "client_id")
        if client_id is None:
            raise GatewayUnavailable("Wacht's gateway named an OAuth token without its client")
        scopes = metadata.get("scopes", [])
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise GatewayUnavailable("Wacht's gateway answered scopes that are not a list of strings")
        return AuthContext(
            user_id=user_id,
            session_id=None,
            expires_at=_expiry(metadata.get("expires_at"), now),
            claims=MappingProxyType({}),
            principal_type=PrincipalType.OAUTH_ACCESS_TOKEN,
            client_id=client_id,
            scopes=tuple(dict.fromkeys(scopes)),
            checked_by_gateway=True,
        )


def _optional_id(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not is_valid_id(value):
        raise GatewayUnavailable(f"Wacht's gateway answered an {name} that is not an id")
    return value


def _retry_after_seconds(value: Any) -> int:
    """The gateway's ``retry_after`` (milliseconds) as whole seconds for ``Retry-After``: at least 1."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        return 1
    return max(1, math.ceil(value / 1000))


def _expiry(value: Any, now: float) -> int:
    """``metadata.expires_at`` (RFC 3339) as epoch seconds; now + UNKNOWN_EXPIRY_SECONDS when absent or unreadable."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return int(moment.timestamp())
    return int(now) + UNKNOWN_EXPIRY_SECONDS
