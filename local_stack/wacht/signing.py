"""The dev IdP's signing keys: ES256 (P-256, like every Wacht deployment), each with a kid.

Rotation (``rotate``) makes a fresh key the signer at once. By default the previous key stays
published until the next rotation, so tokens it signed keep verifying (a graceful rotation);
``keep_previous=False`` drops it (a revoked key: its tokens stop verifying once verifiers refetch).
Verifiers with a cached key set find the new kid on their next refetch for an unknown kid.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

__all__ = ["KeyRing", "SigningKey"]


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(f"dev-{secrets.token_hex(6)}", ec.generate_private_key(ec.SECP256R1()))

    @property
    def public_jwk(self) -> dict:
        jwk = json.loads(ECAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg="ES256")
        return jwk

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm="ES256", headers={"kid": self.kid, "typ": "JWT"})


class KeyRing:
    """The current signing key and the previously published one. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current = SigningKey.generate()
        self._previous: SigningKey | None = None

    @property
    def current_kid(self) -> str:
        return self._current.kid

    def jwks(self) -> dict:
        with self._lock:
            keys = [self._current] + ([self._previous] if self._previous else [])
        return {"keys": [key.public_jwk for key in keys]}

    def sign(self, claims: dict[str, Any]) -> str:
        with self._lock:
            key = self._current
        return key.sign(claims)

    def rotate(self, *, keep_previous: bool = True) -> SigningKey:
        """Sign with a new key from now on; the old one stays published only if ``keep_previous``."""
        fresh = SigningKey.generate()
        with self._lock:
            self._previous = self._current if keep_previous else None
            self._current = fresh
        return fresh
