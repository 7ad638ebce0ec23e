"""How the Wacht stand-ins read a request body: JSON, an object of known fields, ids of bounded length.

The dev IdP, its OAuth app and the gateway stand-in each raise their own error type (a ValueError
their handler answers 400 with); the checks and their messages are these, shared.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..http_service import HttpRequest

__all__ = ["MAX_ID_LENGTH", "identifier", "json_body", "known_fields"]

MAX_ID_LENGTH = 128


def json_body(request: HttpRequest, error: type[ValueError]) -> Any:
    """The request's body parsed as JSON; ``error("body must be JSON")`` if it is not."""
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise error("body must be JSON") from None


def known_fields(body: Any, allowed: set[str], error: type[ValueError]) -> Mapping[str, Any]:
    """``body`` when it is an object of ``allowed`` fields only; ``error`` naming the unknown ones otherwise."""
    if not isinstance(body, Mapping):
        raise error("body must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise error(f"unknown field(s): {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
    return body


def identifier(value: Any, name: str, error: type[ValueError]) -> str:
    """``value`` when it is a non-empty string of at most MAX_ID_LENGTH characters; ``error`` naming ``name`` otherwise."""
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise error(f"{name} must be a non-empty string of at most {MAX_ID_LENGTH} characters")
    return value
