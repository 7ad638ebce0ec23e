"""Evaluating an authorizer's IAM policy against a method ARN, the way API Gateway does.

IAM semantics: a request is allowed only when some Allow statement matches it and no Deny
statement does (an explicit Deny always wins; no match at all is an implicit deny). In
``Action`` and ``Resource`` patterns ``*`` matches any run of characters (``/`` and ``:``
included) and ``?`` exactly one; actions compare case-insensitively, resources exactly.
``NotAction`` / ``NotResource`` invert the match. ``Condition`` is not supported by API Gateway
authorizer policies: here an Allow with a Condition never matches and a Deny with one always
does, so an unsupported policy fails closed.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

__all__ = ["INVOKE_ACTION", "Decision", "PolicyError", "evaluate", "is_allowed", "matches"]

INVOKE_ACTION = "execute-api:Invoke"


class PolicyError(ValueError):
    """Raised for a policy document API Gateway would reject (the caller then gets a 500)."""


class Decision(enum.Enum):
    """IAM's three outcomes; API Gateway answers the two denies with different 403 texts."""

    ALLOW = "allow"
    EXPLICIT_DENY = "explicit-deny"
    """A Deny statement matched (it wins over any Allow)."""
    IMPLICIT_DENY = "implicit-deny"
    """No statement matched at all: denied by default."""


def evaluate(policy_document: Mapping[str, Any], method_arn: str, action: str = INVOKE_ACTION) -> Decision:
    """What ``policy_document`` decides for ``action`` on ``method_arn``.

    Every statement is checked, so a malformed one raises PolicyError even after a matching
    Deny (no statements, an unknown Effect, a statement without Action/NotAction or
    Resource/NotResource, patterns that are not strings).
    """
    allowed = denied = False
    for statement in _statements(policy_document):
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise PolicyError(f"statement Effect must be Allow or Deny, got {effect!r}")
        if "Condition" in statement:
            denied = denied or effect == "Deny"
            continue
        if not (_matches_field(statement, "Action", action, ignore_case=True)
                and _matches_field(statement, "Resource", method_arn, ignore_case=False)):
            continue
        if effect == "Deny":
            denied = True
        else:
            allowed = True
    if denied:
        return Decision.EXPLICIT_DENY
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def is_allowed(policy_document: Mapping[str, Any], method_arn: str, action: str = INVOKE_ACTION) -> bool:
    """True when ``policy_document`` allows ``action`` on ``method_arn``; PolicyError if malformed."""
    return evaluate(policy_document, method_arn, action) is Decision.ALLOW


def matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard match: ``*`` any characters (possibly none), ``?`` exactly one."""
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


def _statements(policy_document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if not isinstance(policy_document, Mapping):
        raise PolicyError("policyDocument must be an object")
    statements = policy_document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]  # IAM accepts a single statement object
    if not isinstance(statements, list) or not statements:
        raise PolicyError("policyDocument.Statement must be a non-empty list")
    if not all(isinstance(s, Mapping) for s in statements):
        raise PolicyError("every statement must be an object")
    return statements


def _matches_field(statement: Mapping[str, Any], name: str, value: str, *, ignore_case: bool) -> bool:
    positive, negative = statement.get(name), statement.get(f"Not{name}")
    if (positive is None) == (negative is None):
        raise PolicyError(f"a statement needs exactly one of {name} and Not{name}")
    patterns = _patterns(positive if positive is not None else negative, name)
    hit = any(matches(pattern, value, ignore_case=ignore_case) for pattern in patterns)
    return hit if positive is not None else not hit


def _patterns(raw: Any, name: str) -> list[str]:
    patterns = [raw] if isinstance(raw, str) else raw
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) for p in patterns):
        raise PolicyError(f"{name} must be a string or a non-empty list of strings")
    return patterns


@lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))
