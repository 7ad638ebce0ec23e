"""Every write a load run made, what its answer promised, and the read-back that checks the promise.

A write answered 201/200/204 is acknowledged: afterwards its tenant must see it (a created
document or member present, a deleted document gone) and no other tenant may: neither another
tenant's session nor an API key of another workspace (when the read-back is given keys). A write answered
anything else (a 5xx during a fault) may or may not have happened: it is ``unknown`` and not
checked, but its tenant is still recorded, so a listing elsewhere cannot hide a leak of it.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

__all__ = ["Ledger", "ReadBack", "read_back"]

PRESENT, DELETED, UNKNOWN = "present", "deleted", "unknown"


@dataclass
class _Document:
    workspace: str
    title: str
    state: str


class Ledger:
    """Thread-safe: every client of a run writes here."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._documents: dict[str, _Document] = {}
        self._members: dict[tuple[str, str], str] = {}
        """(organization, member id) -> state."""

    def document_created(self, document_id: str, workspace: str, title: str) -> None:
        with self._lock:
            self._documents[document_id] = _Document(workspace, title, PRESENT)

    def document_deleted(self, document_id: str, acknowledged: bool) -> None:
        with self._lock:
            self._documents[document_id].state = DELETED if acknowledged else UNKNOWN

    def member_put(self, organization: str, member_id: str, acknowledged: bool) -> None:
        with self._lock:
            if acknowledged or (organization, member_id) not in self._members:
                self._members[(organization, member_id)] = PRESENT if acknowledged else UNKNOWN

    def member_deleted(self, organization: str, member_id: str, acknowledged: bool) -> None:
        with self._lock:
            self._members[(organization, member_id)] = DELETED if acknowledged else UNKNOWN

    def document_owner(self, document_id: str) -> str | None:
        with self._lock:
            document = self._documents.get(document_id)
            return document.workspace if document else None

    def member_owner(self, member_id: str) -> str | None:
        with self._lock:
            return next((org for org, known in self._members if known == member_id), None)

    def any_document(self, pick: Callable[[list], tuple[str, str]]) -> tuple[str, str] | None:
        """(id, workspace) of a document chosen by ``pick`` among all the run created, or None."""
        with self._lock:
            documents = [(document_id, d.workspace) for document_id, d in self._documents.items()]
        return pick(documents) if documents else None

    def acknowledged(self) -> tuple[dict[str, _Document], dict[tuple[str, str], str]]:
        with self._lock:
            documents = {k: v for k, v in self._documents.items() if v.state != UNKNOWN}
            members = {k: v for k, v in self._members.items() if v != UNKNOWN}
        return documents, members


@dataclass
class ReadBack:
    checked: int = 0
    lost: list[str] = field(default_factory=list)
    """Acknowledged writes not reflected for their own tenant."""
    cross_tenant: list[str] = field(default_factory=list)
    """Acknowledged writes visible to another tenant."""
    failed: list[str] = field(default_factory=list)
    """Read-back requests that did not get a clear answer (a 5xx; from another tenant's reader, anything
    but 200 or 404): the check could not be made."""


READ_BACK_CONNECTIONS = 4
"""Documents are read back over this many connections at once (the answers are judged in ledger order)."""


def read_back(api: str, ledger: Ledger, tokens: dict[tuple[str | None, str | None], str],
              keys: dict[str, str] | None = None) -> ReadBack:
    """Check every acknowledged write with ``tokens``: (organization, workspace) -> a session token of
    that tenant; and with ``keys`` (workspace -> an API key of it), that no key reads a document of
    another workspace."""
    result = ReadBack()
    documents, members = ledger.acknowledged()
    workspaces = {workspace: token for (_, workspace), token in tokens.items() if workspace}
    organizations = {org: token for (org, _), token in tokens.items() if org}
    readers = [(other, "", token) for other, token in workspaces.items()]
    readers += [(other, "an API key of ", key) for other, key in (keys or {}).items()]
    local = threading.local()

    def read(item: tuple[str, _Document]) -> tuple[tuple[int, dict], list[tuple[str, str, int]]]:
        """As its own tenant, then as every reader of another workspace: (status, body), [(workspace, who, status)]."""
        if not hasattr(local, "client"):
            local.client = _Api(api)
            clients.append(local.client)
        document_id, document = item
        path = f"/documents/{quote(document_id, safe='')}"
        own = local.client.get(path, workspaces[document.workspace])
        return own, [(other, who, local.client.get(path, token)[0]) for other, who, token in readers
                     if other != document.workspace]

    clients: list[_Api] = []
    try:
        with ThreadPoolExecutor(READ_BACK_CONNECTIONS, thread_name_prefix="read-back") as pool:
            answers = list(pool.map(read, documents.items()))
    finally:
        for client in clients:
            client.close()
    for (document_id, document), ((status, body), others) in zip(documents.items(), answers):
        result.checked += 1
        if status >= 500:
            result.failed.append(f"GET /documents/{document_id}: {status}")
        elif document.state == PRESENT and (status != 200 or body.get("title") != document.title):
            result.lost.append(f"document {document_id} of workspace {document.workspace}: {status}")
        elif document.state == DELETED and status != 404:
            result.lost.append(f"deleted document {document_id} of workspace {document.workspace}: {status}")
        for other, who, seen in others:
            if seen == 200:
                result.cross_tenant.append(f"document {document_id} of {document.workspace} read by {who}{other}")
            elif seen != 404:  # refused outright or failing, it sees no one's documents: nothing was checked
                result.failed.append(f"GET /documents/{document_id} as {who}{other}: {seen}")
    with _Api(api) as client:
        listed = {org: client.all_members(token, result) for org, token in organizations.items()}
    for (organization, member_id), state in members.items():
        result.checked += 1
        own = listed[organization]
        if own is not None and state == PRESENT and member_id not in own:
            result.lost.append(f"member {member_id} of organization {organization} not listed")
        if own is not None and state == DELETED and member_id in own:
            result.lost.append(f"deleted member {member_id} of organization {organization} still listed")
        for other, seen_members in listed.items():
            if other != organization and seen_members is not None and member_id in seen_members:
                result.cross_tenant.append(f"member {member_id} of {organization} listed by {other}")
    return result


class _Api:
    """One keep-alive connection for the read-back."""

    def __init__(self, api: str) -> None:
        parts = urlsplit(api)
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def __enter__(self) -> _Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._connection.close()

    def get(self, path: str, token: str) -> tuple[int, dict]:
        self._connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = self._connection.getresponse()
        raw = response.read()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        return response.status, body if isinstance(body, dict) else {}

    def all_members(self, token: str, result: ReadBack, max_pages: int = 1000) -> set[str] | None:
        """Every member id the organization lists, page by page (bounded); None if a page failed."""
        seen: set[str] = set()
        cursor: str | None = None
        for _ in range(max_pages):
            path = "/members?limit=100" + (f"&cursor={quote(cursor, safe='')}" if cursor else "")
            status, body = self.get(path, token)
            if status != 200:
                result.failed.append(f"GET /members: {status}")
                return None
            seen.update(item["member_id"] for item in _items(body))
            cursor = body.get("next_cursor")
            if not cursor:
                return seen
        result.failed.append(f"GET /members: more than {max_pages} pages")
        return None


def _items(body: dict) -> Iterable[dict]:
    items = body.get("items")
    return items if isinstance(items, list) else []
