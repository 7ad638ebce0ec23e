"""The active organization's member records: a store that cannot exist without an organization from the token.

Keys: pk ``ORG#<organization id>``, sk ``MEMBER#<member id>`` (see tenancy.TenantPartition).
Removing someone who is not a member of THIS organization is a 404.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from wacht_auth import AuthContext

from .bodies import bounded_string, json_object, valid_id
from .dynamodb import DataTable
from .errors import BadRequest
from .pagination import PageRequest
from .tenancy import TenantPartition, utc_timestamp

__all__ = ["Member", "MemberRole", "MemberStore"]

_FIELDS = frozenset({"role"})
_ROLE = re.compile(r"[a-z][a-z0-9_-]*(:[a-z][a-z0-9_-]*)?")
_MAX_ROLE_CHARS = 64


@dataclass(frozen=True)
class MemberRole:
    """What a caller may send for a member: ``{"role": "organization:member"}``-style names."""

    role: str

    @classmethod
    def from_body(cls, raw: str | bytes | None) -> MemberRole:
        document = json_object(raw, _FIELDS)
        role = bounded_string(document, "role", min_length=1, max_length=_MAX_ROLE_CHARS)
        if not _ROLE.fullmatch(role):
            raise BadRequest("role must be lowercase letters, digits, '-' or '_', optionally as 'scope:name'")
        return cls(role)


@dataclass(frozen=True)
class Member:
    member_id: str
    role: str
    updated_by: str
    updated_at: str
    """ISO 8601, UTC."""

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_item(cls, item: Mapping[str, str]) -> Member:
        return cls(item["member_id"], item["role"], item["updated_by"], item["updated_at"])


class MemberStore:
    """Members of the caller's active organization. Forbidden('organization required') without one."""

    def __init__(self, table: DataTable, auth: AuthContext, *, clock: Callable[[], float] = time.time) -> None:
        organization_id = valid_id(auth.require_organization(), "organization")
        self._partition = TenantPartition(table, f"ORG#{organization_id}", "MEMBER#", "member")
        self._user_id = auth.principal_id  # the user, or the API key that has none
        self._clock = clock

    def put(self, member_id: str, role: MemberRole) -> Member:
        """Add or replace the member's record in this organization."""
        member = Member(valid_id(member_id, "memberId"), role.role, self._user_id, utc_timestamp(self._clock()))
        self._partition.put(member.member_id, member.to_json())
        return member

    def delete(self, member_id: str) -> None:
        self._partition.delete(member_id)

    def list(self, page: PageRequest) -> dict[str, Any]:
        """``{"items": [...], "next_cursor": str | None}``, in member-id order."""
        return self._partition.list(page, lambda item: Member.from_item(item).to_json())
