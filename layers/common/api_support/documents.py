"""The active workspace's documents: a store that cannot exist without a workspace from the token.

Keys: pk ``WS#<workspace id>``, sk ``DOC#<document id>`` (see tenancy.TenantPartition). A
document of another workspace is not found: the same answer as one that exists nowhere.
"""

from __future__ import annotations

import secrets
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

__all__ = ["Document", "DocumentDraft", "DocumentStore", "new_document_id"]

MAX_TITLE_CHARS = 200
MAX_BODY_CHARS = 10_000
_FIELDS = frozenset({"title", "body"})


@dataclass(frozen=True)
class DocumentDraft:
    """What a caller may send to create a document."""

    title: str
    body: str

    @classmethod
    def from_body(cls, raw: str | bytes | None) -> DocumentDraft:
        """Parse ``{"title": 1..200 chars, "body": up to 10,000 chars (default "")}``; BadRequest otherwise."""
        document = json_object(raw, _FIELDS)
        title = bounded_string(document, "title", min_length=1, max_length=MAX_TITLE_CHARS)
        if not title.strip():
            raise BadRequest("title must not be blank")
        body = bounded_string(document, "body", min_length=0, max_length=MAX_BODY_CHARS, default="")
        return cls(title, body)


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    body: str
    created_by: str
    created_at: str
    """ISO 8601, UTC."""

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_item(cls, item: Mapping[str, str]) -> Document:
        return cls(item["id"], item["title"], item.get("body", ""), item["created_by"], item["created_at"])


def new_document_id(now_seconds: float) -> str:
    """28 hex digits: milliseconds then 64 random bits, so ids sort (and list) in creation order."""
    return f"{int(now_seconds * 1000):012x}{secrets.token_hex(8)}"


class DocumentStore:
    """Documents of the caller's active workspace. Forbidden('workspace required') without one."""

    def __init__(self, table: DataTable, auth: AuthContext, *, clock: Callable[[], float] = time.time) -> None:
        workspace_id = valid_id(auth.require_workspace(), "workspace")
        self._partition = TenantPartition(table, f"WS#{workspace_id}", "DOC#", "document")
        self._user_id = auth.principal_id  # the user, or the API key that has none
        self._clock = clock

    def create(self, draft: DocumentDraft) -> Document:
        now = self._clock()
        document = Document(new_document_id(now), draft.title, draft.body, self._user_id, utc_timestamp(now))
        self._partition.create(document.id, document.to_json())
        return document

    def get(self, document_id: str) -> Document:
        return Document.from_item(self._partition.get(document_id))

    def delete(self, document_id: str) -> None:
        self._partition.delete(document_id)

    def list(self, page: PageRequest) -> dict[str, Any]:
        """``{"items": [...], "next_cursor": str | None}``, oldest first."""
        return self._partition.list(page, lambda item: Document.from_item(item).to_json())
