"""``?limit=`` and ``?cursor=`` for the list routes.

The cursor is opaque to the caller but holds only a sort key (``DOC#<id>``), never a partition
key: the partition always comes from the caller's AuthContext, so no cursor, however forged,
can point a query into another tenant's partition. A decoded cursor must carry the store's
prefix and a valid id, or it is a 400.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from .bodies import valid_id
from .errors import BadRequest

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "PageRequest", "decode_cursor", "encode_cursor"]

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
_MAX_CURSOR_CHARS = 512
_MAX_LIMIT_DIGITS = len(str(MAX_LIMIT))


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    """Still encoded: a store decodes it against its own sort-key prefix."""

    @classmethod
    def from_query(cls, query: Mapping[str, str] | None) -> PageRequest:
        """Read ``limit`` (1..100, default 25) and ``cursor`` from the query string parameters."""
        query = query or {}
        raw_limit = query.get("limit")
        limit = DEFAULT_LIMIT
        if raw_limit is not None:
            # Length first: int() refuses strings over 4,300 digits with a ValueError (a 500).
            if (
                len(raw_limit) > _MAX_LIMIT_DIGITS
                or not raw_limit.isascii()
                or not raw_limit.isdigit()
                or not 1 <= int(raw_limit) <= MAX_LIMIT
            ):
                raise BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}")
            limit = int(raw_limit)
        cursor = query.get("cursor") or None
        return cls(limit, cursor)


def encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, prefix: str) -> str:
    """The sort key in ``cursor``, which must be ``prefix`` + a valid id; else BadRequest."""
    if len(cursor) > _MAX_CURSOR_CHARS:
        raise BadRequest("invalid cursor")
    try:
        sort_key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest("invalid cursor") from None
    if not sort_key.startswith(prefix):
        raise BadRequest("invalid cursor")
    try:
        valid_id(sort_key[len(prefix) :], "cursor")
    except BadRequest:
        raise BadRequest("invalid cursor") from None
    return sort_key
