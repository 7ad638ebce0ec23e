"""Public keys from a JWKS document, each bound to the algorithms it may verify.

Only asymmetric signature keys are kept: an ``oct`` key (HS*) can never verify a Wacht session
token, and a key whose declared ``alg`` disagrees with its type or curve is dropped rather than
trusted for an algorithm it was not made for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from jwt.exceptions import InvalidKeyError

__all__ = ["Jwk", "KeySet", "SUPPORTED_ALGORITHMS"]

_EC_ALGORITHM_BY_CURVE = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
_RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512"})
SUPPORTED_ALGORITHMS = frozenset(_EC_ALGORITHM_BY_CURVE.values()) | _RSA_ALGORITHMS
_MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class Jwk:
    """One verification key and the algorithms it is allowed to verify."""

    kid: str | None
    kty: str
    algorithms: frozenset[str]
    public_key: Any  # a cryptography public key object, built once


@dataclass(frozen=True)
class KeySet:
    """The usable keys of one JWKS document, indexed for lookup by ``kid`` and by algorithm."""

    keys: tuple[Jwk, ...]

    @classmethod
    def from_jwks(cls, document: Mapping[str, Any]) -> KeySet:
        """Parse a JWKS; unusable entries are skipped. Raises ValueError when none is usable."""
        entries = document.get("keys") if isinstance(document, Mapping) else None
        if not isinstance(entries, list):
            raise ValueError('a JWKS must be an object with a "keys" array')
        keys = tuple(key for key in map(_parse_jwk, entries) if key is not None)
        if not keys:
            raise ValueError("the JWKS has no usable asymmetric signing key")
        return cls(keys)

    def by_kid(self, kid: str) -> Jwk | None:
        return next((key for key in self.keys if key.kid == kid), None)

    def for_algorithm(self, algorithm: str) -> tuple[Jwk, ...]:
        """Keys that may verify ``algorithm``: how a token without ``kid`` finds its key."""
        return tuple(key for key in self.keys if algorithm in key.algorithms)


def _parse_jwk(entry: Any) -> Jwk | None:
    if not isinstance(entry, Mapping):
        return None
    if entry.get("use", "sig") != "sig":
        return None
    kid = entry.get("kid")
    if kid is not None and not isinstance(kid, str):
        return None
    kty = entry.get("kty")
    declared = entry.get("alg")
    if kty == "EC":
        algorithm = _EC_ALGORITHM_BY_CURVE.get(entry.get("crv"))
        if algorithm is None or declared not in (None, algorithm):
            return None
        algorithms = frozenset({algorithm})
        loader = ECAlgorithm
    elif kty == "RSA":
        if declared is not None and declared not in _RSA_ALGORITHMS:
            return None
        algorithms = frozenset({declared}) if declared else _RSA_ALGORITHMS
        loader = RSAAlgorithm
    else:
        return None  # oct (HS*), OKP and anything unknown: never a Wacht session key
    if "d" in entry:
        return None  # a private key published by mistake: refuse to use it
    try:
        public_key = loader.from_jwk(dict(entry))
    except (InvalidKeyError, ValueError, TypeError, KeyError):
        return None
    if kty == "RSA" and public_key.key_size < _MIN_RSA_BITS:
        return None
    return Jwk(kid=kid, kty=kty, algorithms=algorithms, public_key=public_key)
