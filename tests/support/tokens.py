"""Keys and session tokens made in the tests: real ES256/RS256 keys, real signatures."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "http://127.0.0.1:1"  # replaced by the JWKS server's own origin in most tests


@dataclass
class SigningKey:
    """A private key and its public JWK."""

    kid: str | None
    algorithm: str = "ES256"
    private_key: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.private_key is None:
            if self.algorithm.startswith("ES"):
                curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}[self.algorithm]
                self.private_key = ec.generate_private_key(curve)
            else:
                self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def jwk(self) -> dict:
        public = self.private_key.public_key()
        loader = ECAlgorithm if self.algorithm.startswith("ES") else RSAAlgorithm
        jwk = json.loads(loader.to_jwk(public))
        jwk.update(use="sig", alg=self.algorithm)
        if self.kid is not None:
            jwk["kid"] = self.kid
        return jwk

    def sign(self, claims: dict, *, headers: dict | None = None, algorithm: str | None = None) -> str:
        all_headers = {"kid": self.kid} if self.kid is not None else {}
        all_headers.update(headers or {})
        return jwt.encode(claims, self.private_key, algorithm=algorithm or self.algorithm, headers=all_headers)


def jwks(*keys: SigningKey) -> dict:
    return {"keys": [key.jwk for key in keys]}


def session_claims(
    issuer: str,
    *,
    sub: str = "72170182881052673",
    sid: str = "72170182881052690",
    organization: str | None = "72170190012345601",
    workspace: str | None = "72170190012345777",
    organization_permissions: list[str] | None = None,
    workspace_permissions: list[str] | None = None,
    lifetime: int = 1800,
    now: float | None = None,
    **extra: Any,
) -> dict:
    """Claims in the current Wacht shape (shared/wacht.md)."""
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {"iss": issuer, "sub": sub, "sid": sid, "iat": issued, "exp": issued + lifetime}
    if organization is not None:
        claims["organization"] = organization
    if workspace is not None:
        claims["workspace"] = workspace
    claims["permissions"] = {
        "organization": list(organization_permissions or []),
        "workspace": list(workspace_permissions or []),
    }
    claims.update(extra)
    return claims
