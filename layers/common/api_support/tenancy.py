"""One tenant's slice of the table: every key it can build starts with that tenant's partition.

The partition key is fixed when the slice is made (from an AuthContext, by the stores) and ids
are validated before they join a sort key, so nothing a caller sends (path, query, body,
cursor) can name another tenant's item. Reads are GetItem/Query on the one partition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from .bodies import valid_id
from .dynamodb import ConditionFailed, DataTable
from .errors import NotFound
from .pagination import PageRequest, decode_cursor, encode_cursor

__all__ = ["TenantPartition", "utc_timestamp"]


def utc_timestamp(seconds: float) -> str:
    """ISO 8601 in UTC with milliseconds and a ``Z``: ``2026-01-01T00:00:00.000Z``."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TenantPartition:
    """Items ``<sk_prefix><id>`` under partition key ``pk``; ``noun`` names them in 404 messages."""

    def __init__(self, table: DataTable, pk: str, sk_prefix: str, noun: str) -> None:
        self._table = table
        self.pk = pk
        self._prefix = sk_prefix
        self._noun = noun
        self._id_name = f"{noun}Id"

    def get(self, item_id: str) -> dict[str, str]:
        item = self._table.get(self.pk, self._sort_key(item_id))
        if item is None:
            raise NotFound(f"{self._noun} not found")
        return item

    def create(self, item_id: str, attributes: Mapping[str, str]) -> None:
        """Put a new item; an existing one under the same key is never overwritten (ConditionFailed)."""
        self._table.put(self._item(item_id, attributes), condition="attribute_not_exists(pk)")

    def put(self, item_id: str, attributes: Mapping[str, str]) -> None:
        """Add or replace the item (the key already confines it to this partition)."""
        self._table.put(self._item(item_id, attributes))

    def delete(self, item_id: str) -> None:
        """Delete the item; NotFound when this partition has none under that id."""
        try:
            self._table.delete_existing(self.pk, self._sort_key(item_id))
        except ConditionFailed:
            raise NotFound(f"{self._noun} not found") from None

    def list(self, page: PageRequest, to_json: Callable[[dict[str, str]], dict[str, Any]]) -> dict[str, Any]:
        """``{"items": [...], "next_cursor": str | None}``, in sort-key order."""
        after = decode_cursor(page.cursor, self._prefix) if page.cursor else None
        result = self._table.query_prefix(self.pk, self._prefix, limit=page.limit, after_sk=after)
        return {
            "items": [to_json(item) for item in result.items],
            "next_cursor": encode_cursor(result.last_sort_key) if result.last_sort_key else None,
        }

    def _sort_key(self, item_id: str) -> str:
        return self._prefix + valid_id(item_id, self._id_name)

    def _item(self, item_id: str, attributes: Mapping[str, str]) -> dict[str, str]:
        return {**attributes, "pk": self.pk, "sk": self._sort_key(item_id)}
