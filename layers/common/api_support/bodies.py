"""Request input checked at the edge: JSON bodies (size cap, object, known fields), ids, strings.

Every refusal is a BadRequest whose message tells the caller what to fix, without echoing the
input back (a value can be large or hostile).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from wacht_auth import is_valid_id

from .errors import BadRequest

__all__ = ["MAX_BODY_BYTES", "bounded_string", "json_object", "valid_id"]

MAX_BODY_BYTES = 64 * 1024
"""Above any valid document even fully escaped (10,200 characters as 6-byte ``\\uXXXX``), far below
Lambda's 6 MB: a request larger than this is refused before it is parsed."""

def valid_id(value: Any, name: str) -> str:
    """``value`` if it is a safe id for a key (wacht_auth's one id rule: no '#', so an id can never
    forge a key prefix); else BadRequest naming the parameter."""
    if not is_valid_id(value):
        raise BadRequest(f"{name} must be 1 to 128 letters, digits, '-' or '_'")
    return value


def json_object(raw: str | bytes | None, allowed_fields: frozenset[str], max_bytes: int = MAX_BODY_BYTES) -> Mapping[str, Any]:
    """The body parsed as a JSON object with no field outside ``allowed_fields``."""
    if raw is None or raw == "" or raw == b"":
        raise BadRequest("request body required: a JSON object")
    # surrogatepass: a lone surrogate in the text is counted here and refused per field later.
    size = len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw)
    if size > max_bytes:
        raise BadRequest(f"request body too large: at most {max_bytes} bytes")
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("request body is not valid JSON") from None
    except RecursionError:
        # A few KB of '[' nest deeper than the parser's recursion limit; no field of ours nests at all.
        raise BadRequest("request body is nested too deeply") from None
    if not isinstance(document, dict):
        raise BadRequest("request body must be a JSON object")
    unknown = sorted(set(document) - allowed_fields)
    if unknown:
        raise BadRequest(f"unknown field: {_field_name(unknown[0])}; allowed: {', '.join(sorted(allowed_fields))}")
    return document


def bounded_string(document: Mapping[str, Any], name: str, *, min_length: int, max_length: int, default: str | None = None) -> str:
    """``document[name]`` as a string of ``min_length``..``max_length`` characters (a default if absent).

    The string must encode as UTF-8: JSON can spell a lone surrogate (``"\\ud800"``), no store can keep one.
    """
    value = document.get(name, default)
    if value is None:
        raise BadRequest(f"{name} is required")
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    if not min_length <= len(value) <= max_length:
        raise BadRequest(f"{name} must be {min_length} to {max_length} characters")
    if not _is_utf8_encodable(value):
        raise BadRequest(f"{name} must be valid Unicode text (no lone surrogates)")
    return value


def _is_utf8_encodable(value: str) -> bool:
    # JSON's "\ud800" decodes to a lone surrogate, which no store can write (DynamoDB's SDK
    # raises UnicodeEncodeError): refuse it here as the caller's mistake, not a 500 later.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _field_name(name: str) -> str:
    # The caller wrote the name; keep it short and printable in our message.
    printable = "".join(ch for ch in name if ch.isprintable())[:40]
    return printable or "?"
