"""AuthContext to and from the flat context an authorizer hands API Gateway.

API Gateway accepts only string, number and boolean context values (an array or object is a
500) and passes them to the function stringified under ``requestContext.authorizer``. So the
permission lists travel as JSON arrays encoded in strings, and ids that are absent are omitted.

Expiry: API Gateway serves a cached Allow for the authorizer's TTL per Authorization value, so a
context can reach a function up to that long after its token's ``exp``. Reading it refuses it once
``tokenExpiresAt`` plus the clock skew has passed, by the verifier's own rule.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from .config import clock_skew_from_environ
from .context import AuthContext, PrincipalType, is_valid_id
from .errors import Reason, Unauthenticated

__all__ = ["from_gateway_context", "to_gateway_context"]


def to_gateway_context(auth: AuthContext) -> dict[str, str | int | bool]:
    """The authorizer's ``context``: exactly the keys of the README's contract, no secrets.

    ``principalType`` always; ``userId`` and ``sessionId`` when the principal has them (a session
    always does); ``clientId`` and ``scopes`` for OAuth; ``keyId`` for an API key; ``checkedByGateway``
    for a principal Wacht's gateway judged (the function re-checks it per request).
    """
    context: dict[str, str | int | bool] = {"principalType": auth.principal_type.value}
    if auth.user_id is not None:
        context["userId"] = auth.user_id
    if auth.session_id is not None:
        context["sessionId"] = auth.session_id
    if auth.client_id is not None:
        context["clientId"] = auth.client_id
    if auth.principal_type is PrincipalType.OAUTH_ACCESS_TOKEN:
        context["scopes"] = json.dumps(list(auth.scopes), separators=(",", ":"))
    if auth.key_id is not None:
        context["keyId"] = auth.key_id
    if auth.checked_by_gateway:
        context["checkedByGateway"] = True
    if auth.organization_id is not None:
        context["organizationId"] = auth.organization_id
    if auth.workspace_id is not None:
        context["workspaceId"] = auth.workspace_id
    context["organizationPermissions"] = json.dumps(list(auth.organization_permissions), separators=(",", ":"))
    context["workspacePermissions"] = json.dumps(list(auth.workspace_permissions), separators=(",", ":"))
    context["tokenExpiresAt"] = auth.expires_at
    return context


def from_gateway_context(
    authorizer: Mapping[str, Any] | None,
    *,
    clock: Callable[[], float] = time.time,
    clock_skew_seconds: int | None = None,
) -> AuthContext:
    """The AuthContext a function received from the authorizer (``requestContext.authorizer``).

    This is the only way a function learns who is calling. Raises Unauthenticated when the
    context is missing or malformed (INVALID_CLAIM for one without ``tokenExpiresAt``: a function
    invoked without our authorizer refuses), and Unauthenticated(EXPIRED) once ``clock()`` has
    reached ``tokenExpiresAt + clock_skew_seconds`` (API Gateway's cached Allow outlived the token).
    ``clock_skew_seconds`` defaults to ``WACHT_CLOCK_SKEW_SECONDS`` (5 s when unset), the verifier's
    own setting; a malformed value raises ConfigurationError.
    """
    if not isinstance(authorizer, Mapping):
        raise Unauthenticated(Reason.MISSING_TOKEN, "no authorizer context")
    principal_type = _principal_type(authorizer.get("principalType"))
    user_id = _optional_id(authorizer.get("userId"))
    session_id = _optional_id(authorizer.get("sessionId"))
    client_id = _optional_id(authorizer.get("clientId"))
    key_id = _optional_id(authorizer.get("keyId"))
    # What identifies each kind must be there (a session: its user and session; an OAuth token: its
    # client; an API key: its key id), or the context did not come from our authorizer.
    if principal_type is PrincipalType.SESSION_TOKEN and (user_id is None or session_id is None):
        raise Unauthenticated(Reason.INVALID_CLAIM, "authorizer context lacks userId/sessionId")
    if principal_type is PrincipalType.OAUTH_ACCESS_TOKEN and client_id is None:
        raise Unauthenticated(Reason.INVALID_CLAIM, "authorizer context lacks clientId")
    if principal_type is PrincipalType.API_KEY and key_id is None:
        raise Unauthenticated(Reason.INVALID_CLAIM, "authorizer context lacks keyId")
    organization_id = _optional_id(authorizer.get("organizationId"))
    workspace_id = _optional_id(authorizer.get("workspaceId"))
    expires_at = _epoch_seconds(authorizer.get("tokenExpiresAt"))
    skew = clock_skew_from_environ() if clock_skew_seconds is None else clock_skew_seconds
    if clock() >= expires_at + skew:
        raise Unauthenticated(Reason.EXPIRED, "tokenExpiresAt has passed: a cached Allow outlived the token")
    return AuthContext(
        user_id=user_id,
        session_id=session_id,
        organization_id=organization_id,
        workspace_id=workspace_id,
        organization_permissions=_permissions(authorizer.get("organizationPermissions")) if organization_id else (),
        workspace_permissions=_permissions(authorizer.get("workspacePermissions")) if workspace_id else (),
        expires_at=expires_at,
        principal_type=principal_type,
        client_id=client_id if principal_type is PrincipalType.OAUTH_ACCESS_TOKEN else None,
        scopes=_permissions(authorizer.get("scopes")) if principal_type is PrincipalType.OAUTH_ACCESS_TOKEN else (),
        key_id=key_id if principal_type is PrincipalType.API_KEY else None,
        # An API key is only ever judged by the gateway; fail closed on any spelling of true.
        checked_by_gateway=principal_type is PrincipalType.API_KEY or str(authorizer.get("checkedByGateway")).lower() == "true",
    )


def _principal_type(value: Any) -> PrincipalType:
    # Absent: a context written before principal types existed, which only sessions had.
    if value is None or value == "":
        return PrincipalType.SESSION_TOKEN
    try:
        return PrincipalType(value)
    except ValueError:
        raise Unauthenticated(Reason.INVALID_CLAIM, "authorizer context principalType") from None


def _epoch_seconds(value: Any) -> int:
    # Required: without it a function could not refuse a token that a cached Allow outlived.
    # API Gateway hands it over as a string of digits; the authorizer wrote an int.
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise Unauthenticated(Reason.INVALID_CLAIM, "tokenExpiresAt")
    return int(text)


def _optional_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not is_valid_id(value):
        raise Unauthenticated(Reason.INVALID_CLAIM, "authorizer context id")
    return value


def _permissions(raw: Any) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    try:
        values = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise Unauthenticated(Reason.INVALID_CLAIM, "authorizer context permissions") from None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise Unauthenticated(Reason.INVALID_CLAIM, "authorizer context permissions")
    return tuple(values)
