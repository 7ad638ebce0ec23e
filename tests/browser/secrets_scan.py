"""What a backend secret looks like, for checking that none reached the browser bundle."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["secret_like_strings", "scan_tree"]

_PATTERNS = (
    re.compile(r"\bsk_(?:test|live)_[A-Za-z0-9_\-]{4,}"),  # Wacht backend secrets (WACHT_BACKEND_SECRET)
    re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),  # a signing key
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # an AWS access key id
)


def secret_like_strings(text: str) -> list[str]:
    return [match.group(0) for pattern in _PATTERNS for match in pattern.finditer(text)]


def scan_tree(root: Path) -> dict[str, list[str]]:
    """Every file under ``root`` with the secret-like strings it contains."""
    findings = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        found = secret_like_strings(path.read_text(encoding="utf-8", errors="replace"))
        if found:
            findings[str(path.relative_to(root))] = found
    return findings
