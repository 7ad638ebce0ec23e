"""Verifying a Wacht OAuth JWT access token locally: its own issuer, key set, algorithm and claims.

Wacht's OAuth apps sign JWT access tokens with RS256 (the key of their ``id_token``), publish the
keys at ``{iss}/.well-known/jwks.json`` and write ``iss``, ``sub``, ``aud``, ``exp``, ``iat``,
``jti``, ``client_id``, ``scope`` (space-separated), ``sid`` (optional) and ``token_use:
"access_token"`` (Wacht's guide "Verify OAuth Access Tokens"). On top of the session verifier's header rules,
key choice and time checks (``verify.TokenVerifier``), an access token must:

- be signed RS256 (anything else, HS256 keyed with a public key included, is refused before any key is used);
- verify against this OAuth app's own key cache, never the session key set (and the reverse):
  the authorizer picks the verifier from the token's unverified ``iss`` first;
- carry ``token_use == "access_token"`` (an ``id_token`` is never a bearer credential, as Wacht's guide says);
- carry ``aud`` equal to the configured audience (a string, or a one-element list);
- carry ``exp``, ``iat``, ``sub`` and ``client_id``.

Its ``scope`` becomes ``AuthContext.scopes``. It names no organization or workspace, so it grants
no organization or workspace permission: routes ask OAuth tokens for scopes (``Requirement.oauth_scopes``).
Like a session token, it cannot be revoked before it expires (Wacht's docs: keep its TTL short).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from .config import OAuthSettings
from .context import AuthContext, PrincipalType, is_valid_id
from .errors import Reason, Unauthenticated
from .jwks import JwksCache
from .verify import TokenVerifier, key_cache

__all__ = ["AccessTokenVerifier"]


class AccessTokenVerifier(TokenVerifier):
    """Verifies one OAuth app's JWT access tokens for one audience. Build one per process."""

    algorithms = frozenset({"RS256"})
    required_claims = ("exp", "iat", "sub", "client_id")

    def __init__(self, issuer: str, audience: str, keys: JwksCache, **kwargs: Any) -> None:
        super().__init__(issuer, keys, **kwargs)
        self.audience = audience

    @classmethod
    def from_oauth_settings(cls, oauth: OAuthSettings, **kwargs: Any) -> AccessTokenVerifier:
        """Its own key cache: a static set from ``WACHT_OAUTH_JWKS``, else one fetching ``oauth.jwks_url``
        (the same TTL, cooldown, single-flight refetch and stale-if-error as the session key set)."""
        keys = key_cache(oauth.inline_jwks, oauth.jwks_url, "WACHT_OAUTH_JWKS")
        verifier = cls(oauth.issuer, oauth.audience, keys, **kwargs)
        verifier.jwks_url = oauth.jwks_url
        return verifier

    def _check_claims(self, claims: dict[str, Any]) -> None:
        self._check_required_and_issuer(claims)
        if claims.get("token_use") != "access_token":
            raise Unauthenticated(Reason.WRONG_TOKEN_USE)
        audience = claims.get("aud")
        if audience is None:
            raise Unauthenticated(Reason.MISSING_CLAIM, "aud")
        if audience != self.audience and audience != [self.audience]:
            raise Unauthenticated(Reason.WRONG_AUDIENCE)
        for name in ("sub", "jti", "scope", "client_id"):
            if name in claims and not isinstance(claims[name], str):
                raise Unauthenticated(Reason.INVALID_CLAIM, name)
        if not is_valid_id(claims["sub"]):
            raise Unauthenticated(Reason.INVALID_CLAIM, "sub")
        if not is_valid_id(claims["client_id"]):
            raise Unauthenticated(Reason.INVALID_CLAIM, "client_id")
        if claims.get("sid") is not None and not is_valid_id(claims["sid"]):
            raise Unauthenticated(Reason.INVALID_CLAIM, "sid")

    def _context(self, claims: dict[str, Any]) -> AuthContext:
        return AuthContext(
            user_id=claims["sub"],
            session_id=claims.get("sid"),
            expires_at=int(claims["exp"]),
            claims=MappingProxyType(dict(claims)),
            principal_type=PrincipalType.OAUTH_ACCESS_TOKEN,
            client_id=claims["client_id"],
            scopes=tuple(dict.fromkeys(claims.get("scope", "").split())),
        )
