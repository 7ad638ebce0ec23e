"""Who is calling: the verified principal as a value, and the permission checks on it.

Three kinds of principal reach a Wacht API (``PrincipalType``): a signed-in user's session token, an
OAuth client's access token, and a customer API key. All three become one AuthContext, read the
same way (user, organization, workspace, permissions); the principal type and what identifies it
(``client_id`` and ``scopes`` for OAuth, ``key_id`` for an API key) ride along.

Permissions are strictly scoped, as the Rust SDK's ``RequirePermission`` does: an organization
permission is only looked for in the organization list, a workspace permission only in the
workspace list (the Node SDK's ``has`` looks in either, which lets a workspace role grant an
organization right).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

from .errors import Forbidden, Reason, Unauthenticated

__all__ = ["AuthContext", "PrincipalType", "Scope", "is_valid_id"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def is_valid_id(value: Any) -> bool:
    """The one id rule (user, session, organization, workspace; path ids too): safe in a key.

    Wacht ids are decimal snowflakes; anything outside 1-128 letters, digits, '-' and '_' is
    refused where it enters (401 at the authorizer), not half-way down (a 400 from a function).
    """
    return isinstance(value, str) and _ID.fullmatch(value) is not None


class Scope(str, Enum):
    """Where a permission lives."""

    ORGANIZATION = "organization"
    WORKSPACE = "workspace"


class PrincipalType(str, Enum):
    """What kind of credential a caller presented (the names Wacht's gateway and SDKs use)."""

    SESSION_TOKEN = "session_token"
    """A signed-in user's session JWT from the deployment's frontend API."""
    OAUTH_ACCESS_TOKEN = "oauth_access_token"
    """An OAuth app's access token: a JWT verified locally, or an opaque token judged by Wacht's gateway."""
    API_KEY = "api_key"
    """A customer API key (Wacht API Auth), judged by Wacht's gateway."""

    @property
    def plural(self) -> str:
        """How a refusal names the kind: ``API keys may not call this route``."""
        return {"session_token": "session tokens", "oauth_access_token": "OAuth access tokens", "api_key": "API keys"}[
            self.value
        ]


@dataclass(frozen=True)
class AuthContext:
    """A verified caller. Tenant ids here come only from verified claims or Wacht's own answer.

    ``user_id`` is None only for an API key that has no owner user; ``session_id`` is None for an
    API key and for an OAuth token without ``sid``. A session always has both.
    """

    user_id: str | None
    session_id: str | None
    organization_id: str | None = None
    workspace_id: str | None = None
    organization_permissions: tuple[str, ...] = ()
    workspace_permissions: tuple[str, ...] = ()
    expires_at: int = 0
    claims: Mapping[str, Any] = field(default=_EMPTY, repr=False, compare=False)
    principal_type: PrincipalType = PrincipalType.SESSION_TOKEN
    client_id: str | None = None
    """The OAuth client an access token was issued to (OAuth principals only)."""
    scopes: tuple[str, ...] = ()
    """The OAuth scopes the token was granted (OAuth principals only); routes may require some."""
    key_id: str | None = None
    """Wacht's id of the API key (API keys only)."""
    checked_by_gateway: bool = False
    """True when Wacht's gateway judged the credential (API keys, opaque OAuth tokens): it can be
    revoked or rate limited at any moment, so a function re-checks it per request (``request_auth``)."""

    @property
    def principal_id(self) -> str:
        """Who to name in logs and as the authorizer's ``principalId``: the user, else the OAuth client or the API key."""
        if self.user_id is not None:
            return self.user_id
        if self.principal_type is PrincipalType.OAUTH_ACCESS_TOKEN:
            return f"oauth_client:{self.client_id}"
        return f"api_key:{self.key_id}"

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> AuthContext:
        """Map the current or the legacy claim shape (the package README, "Session tokens") to one value.

        Raises Unauthenticated(MISSING_CLAIM / INVALID_CLAIM) for a token that is signed but
        not a usable session: we refuse rather than guess.
        """
        if claims.get("sub") is None:
            raise Unauthenticated(Reason.MISSING_CLAIM, "sub")
        if not isinstance(claims["sub"], str):
            raise Unauthenticated(Reason.INVALID_CLAIM, "sub")
        user_id = _as_id(claims["sub"], "sub")
        session_id = claims.get("sid", claims.get("sess"))
        if session_id is None:
            raise Unauthenticated(Reason.MISSING_CLAIM, "sid")
        session_id = _as_id(session_id, "sid")
        permissions = claims.get("permissions")
        if permissions is not None:
            if not isinstance(permissions, Mapping):
                raise Unauthenticated(Reason.INVALID_CLAIM, "permissions")
            organization_permissions = _string_list(permissions.get("organization"), "permissions.organization")
            workspace_permissions = _string_list(permissions.get("workspace"), "permissions.workspace")
        else:  # legacy shape: two flat lists
            organization_permissions = _string_list(claims.get("organization_permissions"), "organization_permissions")
            workspace_permissions = _string_list(claims.get("workspace_permissions"), "workspace_permissions")
        organization_id = _optional_id(claims.get("organization"), "organization")
        workspace_id = _optional_id(claims.get("workspace"), "workspace")
        return cls(
            user_id=user_id,
            session_id=session_id,
            organization_id=organization_id,
            workspace_id=workspace_id,
            # Permissions of an organization or workspace that is not active grant nothing.
            organization_permissions=organization_permissions if organization_id else (),
            workspace_permissions=workspace_permissions if workspace_id else (),
            expires_at=int(claims["exp"]),
            claims=MappingProxyType(dict(claims)),
        )

    def has(self, permission: str, scope: Scope) -> bool:
        """True when ``permission`` is granted in ``scope`` (and that scope is active)."""
        if scope is Scope.ORGANIZATION:
            return self.organization_id is not None and permission in self.organization_permissions
        return self.workspace_id is not None and permission in self.workspace_permissions

    def require_organization(self) -> str:
        """The active organization id, or Forbidden('organization required', saying why for other principals)."""
        if self.organization_id is None:
            raise Forbidden("organization required" + self._no_tenant_because("organization"))
        return self.organization_id

    def require_workspace(self) -> str:
        """The active workspace id, or Forbidden('workspace required', saying why for other principals)."""
        if self.workspace_id is None:
            raise Forbidden("workspace required" + self._no_tenant_because("workspace"))
        return self.workspace_id

    def _no_tenant_because(self, tenant: str) -> str:
        if self.principal_type is PrincipalType.OAUTH_ACCESS_TOKEN:
            return f": an OAuth access token acts for no {tenant}"
        if self.principal_type is PrincipalType.API_KEY:
            return f": this API key is not scoped to {'an' if tenant == 'organization' else 'a'} {tenant}"
        return ""  # a session: the frontend shows "no access" (Wacht's error semantics: 403 means no access)

    def protect(self, permission: str | None = None, scope: Scope | None = None) -> AuthContext:
        """Return self when the scope is active and the permission granted; else raise Forbidden.

        ``protect()`` only asserts a session (it exists, so it passes); ``protect(scope=...)``
        asserts an active organization or workspace; with a permission, it must be in that scope's list.
        """
        if permission is not None and scope is None:
            raise ValueError("a permission needs a scope: Scope.ORGANIZATION or Scope.WORKSPACE")
        if scope is Scope.ORGANIZATION:
            self.require_organization()
        elif scope is Scope.WORKSPACE:
            self.require_workspace()
        if permission is not None and not self.has(permission, scope):
            raise Forbidden(f"Missing required permission: {permission}")
        return self


def _as_id(value: Any, name: str) -> str:
    # Legacy tokens carry some ids as numbers; bool is an int subclass and never an id.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Unauthenticated(Reason.INVALID_CLAIM, name)
    text = str(value)
    if not is_valid_id(text):
        raise Unauthenticated(Reason.INVALID_CLAIM, name)
    return text


def _optional_id(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    return _as_id(value, name)


def _string_list(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Unauthenticated(Reason.INVALID_CLAIM, name)
    return tuple(dict.fromkeys(value))
