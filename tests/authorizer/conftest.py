"""Fixtures: a real JWKS server on 127.0.0.1 and a verifier pointed at it."""

from __future__ import annotations

import pytest

from tests.support.servers import FakeClock, JwksServer
from tests.support.tokens import SigningKey, jwks, session_claims
from wacht_auth import JwksCache, TokenVerifier, fetch_jwks


@pytest.fixture(scope="session")
def es_key() -> SigningKey:
    return SigningKey("es-1")


@pytest.fixture(scope="session")
def rs_key() -> SigningKey:
    return SigningKey("rs-1", "RS256")


@pytest.fixture
def jwks_server(es_key, rs_key):
    with JwksServer(jwks(es_key, rs_key)) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    """Wall-clock time for token checks (exp, nbf, iat)."""
    return FakeClock()


@pytest.fixture
def monotonic() -> FakeClock:
    """The JWKS cache's clock (TTL, cooldown, retry backoff, grace)."""
    return FakeClock(start=1000.0)


@pytest.fixture
def time_passes(clock, monotonic):
    """Move both clocks together, as time does."""

    def advance(seconds: float) -> None:
        clock.advance(seconds)
        monotonic.advance(seconds)

    return advance


def make_cache(
    server: JwksServer, monotonic: FakeClock, *, timeout: float = 1.0, wall_clock: FakeClock | None = None, **kwargs
) -> JwksCache:
    if wall_clock is not None:
        kwargs["wall_clock"] = wall_clock
    return JwksCache(lambda: fetch_jwks(server.jwks_url, timeout_seconds=timeout), clock=monotonic, **kwargs)


@pytest.fixture
def verifier(jwks_server, clock, monotonic) -> TokenVerifier:
    """Token checks and the cache's fetch times read the same fake wall clock."""
    return TokenVerifier(jwks_server.origin, make_cache(jwks_server, monotonic, wall_clock=clock), clock=clock)


@pytest.fixture
def claims(jwks_server, clock) -> dict:
    return session_claims(
        jwks_server.origin,
        now=clock.now,
        organization_permissions=["organization:admin", "members:manage"],
        workspace_permissions=["workspace:member", "documents:write"],
    )
