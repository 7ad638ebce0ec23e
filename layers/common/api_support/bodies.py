"""Request input checked at the edge: JSON bodies (size cap, object, known fields), ids, strings.

Every refusal is a BadRequest whose message tells the caller what to fix, without echoing the
input back (a value can be large or hostile).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .errors import BadRequest

__all__ = ["MAX_BODY_BYTES", "bounded_string", "json_object", "valid_id"]

MAX_BODY_BYTES = 64 * 1024
"""Above any valid document even fully escaped (10,200 characters as 6-byte ``\\uXXXX``), far below
Lambda's 6 MB: a request larger than this is refused before it is parsed."""

_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
"""Wacht ids are decimal snowflakes, ours are hex: no '#', so an id can never forge a key prefix."""


def valid_id(value: Any, name: str) -> str:
    """``value`` if it is a safe id for a key; else BadRequest naming the parameter."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise BadRequest(f"{name} must be 1 to 128 letters, digits, '-' or '_'")
    return value


def json_object(raw: str | bytes | None, allowed_fields: frozenset[str], max_bytes: int = MAX_BODY_BYTES) -> Mapping[str, Any]:
    """The body parsed as a JSON object with no field outside ``allowed_fields``."""
    if raw is None or raw == "" or raw == b"":
        raise BadRequest("request body required: a JSON object")
    size = len(raw.encode("utf-8")) if isinstance(raw, str) else len(raw)
    if size > max_bytes:
        raise BadRequest(f"request body too large: at most {max_bytes} bytes")
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise BadRequest("request body must be a JSON object")
    unknown = sorted(set(document) - allowed_fields)
    if unknown:
        raise BadRequest(f"unknown field: {_field_name(unknown[0])}; allowed: {', '.join(sorted(allowed_fields))}")
    return document


def bounded_string(document: Mapping[str, Any], name: str, *, min_length: int, max_length: int, default: str | None = None) -> str:
    """``document[name]`` as a string of ``min_length``..``max_length`` characters (a default if absent)."""
    value = document.get(name, default)
    if value is None:
        raise BadRequest(f"{name} is required")
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    if not min_length <= len(value) <= max_length:
        raise BadRequest(f"{name} must be {min_length} to {max_length} characters")
    return value


def _field_name(name: str) -> str:
    # The caller wrote the name; keep it short and printable in our message.
    printable = "".join(ch for ch in name if ch.isprintable())[:40]
    return printable or "?"
