"""Who is calling: the verified session as a value, and the permission checks on it.

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

__all__ = ["AuthContext", "Scope", "is_valid_id"]

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


@dataclass(frozen=True)
class AuthContext:
    """A verified Wacht session. Tenant ids here come only from verified claims."""

    user_id: str
    session_id: str
    organization_id: str | None = None
    workspace_id: str | None = None
    organization_permissions: tuple[str, ...] = ()
    workspace_permissions: tuple[str, ...] = ()
    expires_at: int = 0
    claims: Mapping[str, Any] = field(default=_EMPTY, repr=False, compare=False)

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
        """The active organization id, or Forbidden('organization required')."""
        if self.organization_id is None:
            raise Forbidden("organization required")
        return self.organization_id

    def require_workspace(self) -> str:
        """The active workspace id, or Forbidden('workspace required')."""
        if self.workspace_id is None:
            raise Forbidden("workspace required")
        return self.workspace_id

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
