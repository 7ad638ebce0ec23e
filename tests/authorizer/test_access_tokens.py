"""OAuth JWT access tokens, verified locally with their own issuer and key set; the attacks each check stops.

Two real key-set servers on 127.0.0.1: the deployment's (sessions, ES256) and the OAuth app's (RS256).
The Authorizer picks the verifier from the token's unverified ``iss``; a key of one never verifies the other's token.
"""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from api_routes import ROUTES
from tests.authorizer.conftest import make_cache
from tests.support.servers import JwksServer
from tests.support.tokens import SigningKey, jwks, session_claims
from wacht_auth import AccessTokenVerifier, Authorizer, PrincipalType, Reason, TokenVerifier, Unauthenticated
from wacht_auth.authorizer_context import from_gateway_context

AUDIENCE = "https://api.example.com"
METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/me"


@pytest.fixture(scope="module")
def oauth_key() -> SigningKey:
    return SigningKey("oauth-1", "RS256")


@pytest.fixture
def oauth_server(oauth_key):
    with JwksServer(jwks(oauth_key)) as server:
        yield server


@pytest.fixture
def oauth_verifier(oauth_server, clock, monotonic) -> AccessTokenVerifier:
    return AccessTokenVerifier(
        oauth_server.origin, AUDIENCE, make_cache(oauth_server, monotonic, wall_clock=clock), clock=clock
    )


@pytest.fixture
def authorizer(verifier, oauth_verifier, clock) -> Authorizer:
    return Authorizer(verifier, ROUTES, oauth_verifier=oauth_verifier, clock=clock)


@pytest.fixture
def access_claims(oauth_server, clock) -> dict:
    now = int(clock.now)
    return {
        "iss": oauth_server.origin,
        "sub": "72170182881052673",
        "aud": AUDIENCE,
        "exp": now + 3600,
        "iat": now,
        "jti": "at_1",
        "client_id": "oc_client1",
        "scope": "openid profile",
        "sid": "72170182881052690",
        "token_use": "access_token",
    }


def refused(verifier, token: str) -> Reason:
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(token)
    return caught.value.reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _event(token: str) -> dict:
    return {"type": "REQUEST", "methodArn": METHOD_ARN, "path": "/me", "httpMethod": "GET",
            "headers": {"Authorization": f"Bearer {token}"}, "requestContext": {"requestId": "r1"}}


def test_a_valid_access_token_becomes_an_oauth_principal(oauth_verifier, oauth_key, access_claims):
    auth = oauth_verifier.verify(oauth_key.sign(access_claims))
    assert auth.principal_type is PrincipalType.OAUTH_ACCESS_TOKEN
    assert (auth.user_id, auth.session_id, auth.client_id) == ("72170182881052673", "72170182881052690", "oc_client1")
    assert auth.scopes == ("openid", "profile")
    assert (auth.organization_id, auth.workspace_id, auth.workspace_permissions) == (None, None, ())
    assert auth.expires_at == access_claims["exp"] and not auth.checked_by_gateway


def test_an_audience_list_of_just_ours_is_accepted(oauth_verifier, oauth_key, access_claims):
    assert oauth_verifier.verify(oauth_key.sign({**access_claims, "aud": [AUDIENCE]})).client_id == "oc_client1"


def test_a_token_signed_by_a_foreign_rsa_key_under_the_real_kid_and_issuer_is_refused(oauth_verifier, access_claims):
    forged = SigningKey("oauth-1", "RS256").sign(access_claims)  # same kid, same iss, another private key
    assert refused(oauth_verifier, forged) is Reason.BAD_SIGNATURE


def test_hs256_keyed_with_the_public_key_is_refused_before_any_key_is_used(oauth_verifier, oauth_key, access_claims, oauth_server):
    public_pem = oauth_key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "kid": "oauth-1", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(access_claims).encode())
    import hashlib
    import hmac

    signature = _b64(hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    fetches = oauth_server.requests
    assert refused(oauth_verifier, f"{header}.{payload}.{signature}") is Reason.UNSUPPORTED_ALGORITHM
    assert oauth_server.requests == fetches


def test_an_id_token_is_never_a_bearer(oauth_verifier, oauth_key, access_claims):
    id_token = oauth_key.sign({**access_claims, "token_use": "id_token"})
    assert refused(oauth_verifier, id_token) is Reason.WRONG_TOKEN_USE
    no_use = {k: v for k, v in access_claims.items() if k != "token_use"}
    assert refused(oauth_verifier, oauth_key.sign(no_use)) is Reason.WRONG_TOKEN_USE


@pytest.mark.parametrize("audience", ["https://other.example.com", "oc_client1", [AUDIENCE, "https://other.example.com"], ""])
def test_a_wrong_audience_is_refused(oauth_verifier, oauth_key, access_claims, audience):
    assert refused(oauth_verifier, oauth_key.sign({**access_claims, "aud": audience})) is Reason.WRONG_AUDIENCE


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "client_id", "aud"])
def test_a_required_claim_missing_is_refused(oauth_verifier, oauth_key, access_claims, claim):
    claims = {k: v for k, v in access_claims.items() if k != claim}
    assert refused(oauth_verifier, oauth_key.sign(claims)) is Reason.MISSING_CLAIM


def test_only_rs256_is_accepted(oauth_verifier, oauth_key, access_claims):
    rs384 = jwt.encode(access_claims, oauth_key.private_key, algorithm="RS384", headers={"kid": "oauth-1"})
    assert refused(oauth_verifier, rs384) is Reason.UNSUPPORTED_ALGORITHM


def test_time_claims_are_checked_as_for_sessions(oauth_verifier, oauth_key, access_claims, clock):
    token = oauth_key.sign(access_claims)
    clock.advance(3600 + 5)  # exp + the 5 s skew
    assert refused(oauth_verifier, token) is Reason.EXPIRED


def test_a_session_key_never_verifies_an_oauth_token(authorizer, es_key, access_claims):
    """iss names the OAuth app, so its verifier judges it: an ES256 session key is no OAuth key."""
    with pytest.raises(Unauthenticated) as caught:
        authorizer.authorize(_event(es_key.sign(access_claims)))
    assert caught.value.reason is Reason.UNSUPPORTED_ALGORITHM


def test_an_oauth_key_never_verifies_a_session_token(authorizer, oauth_key, claims, jwks_server):
    """iss names the deployment, so the session verifier judges it: the OAuth app's kid is not in its key set."""
    with pytest.raises(Unauthenticated) as caught:
        authorizer.authorize(_event(oauth_key.sign(claims)))
    assert caught.value.reason is Reason.UNKNOWN_KID


def test_a_kid_both_key_sets_share_still_never_crosses(verifier, clock, monotonic, jwks_server, access_claims, oauth_key):
    """Even under the session key set's own kid, the OAuth key's signature fails against it."""
    impostor = SigningKey("es-1", "RS256", oauth_key.private_key)
    session_token = impostor.sign(session_claims(jwks_server.origin, now=clock.now))
    assert refused(verifier, session_token) in (Reason.UNSUPPORTED_ALGORITHM, Reason.BAD_SIGNATURE)


def test_the_authorizer_admits_an_oauth_token_only_where_the_route_table_allows(authorizer, oauth_key, access_claims):
    response = authorizer.authorize(_event(oauth_key.sign(access_claims)))
    assert response["principalId"] == "72170182881052673"
    context = from_gateway_context({k: str(v) for k, v in response["context"].items()}, clock=lambda: access_claims["iat"])
    assert (context.principal_type, context.client_id, context.scopes) == (
        PrincipalType.OAUTH_ACCESS_TOKEN, "oc_client1", ("openid", "profile"))
    statements = {s["Effect"]: s["Resource"] for s in response["policyDocument"]["Statement"]}
    allowed = {arn.split("/prod/", 1)[1] for arn in statements["Allow"]}
    assert allowed == {"GET/me", "GET/whoami"}  # never /documents or /members


def test_without_oauth_settings_an_oauth_token_is_judged_as_a_session_and_refused(verifier, oauth_key, access_claims, clock):
    plain = Authorizer(verifier, ROUTES, clock=clock)
    with pytest.raises(Unauthenticated) as caught:
        plain.authorize(_event(oauth_key.sign(access_claims)))
    assert caught.value.reason is Reason.UNKNOWN_KID  # the session key set has no such key, as before


def test_the_session_verifier_still_accepts_sessions_beside_oauth(authorizer, es_key, claims):
    response = authorizer.authorize(_event(es_key.sign(claims)))
    assert response["context"]["principalType"] == "session_token"
    assert isinstance(authorizer.verifier, TokenVerifier) and not isinstance(authorizer.verifier, AccessTokenVerifier)


def test_an_oauth_key_set_outage_is_a_500_naming_that_key_set(verifier, oauth_key, access_claims, clock, caplog):
    """An OAuth issuer whose key set is unreachable: KeysUnavailable (500), never a 401; the log names its URL."""
    import logging

    from wacht_auth import AuthorizerHandler, DecisionMetrics, JwksCache, fetch_jwks
    from wacht_auth.authorizer_handler import AuthorizerUnavailable

    url = "http://127.0.0.1:9/.well-known/jwks.json"
    down = AccessTokenVerifier(access_claims["iss"], AUDIENCE, JwksCache(lambda: fetch_jwks(url, timeout_seconds=0.5)), clock=clock)
    down.jwks_url = url
    lines: list[str] = []
    handler = AuthorizerHandler(Authorizer(verifier, ROUTES, oauth_verifier=down, clock=clock),
                                metrics=DecisionMetrics(write=lines.append), jwks_url="https://sessions.example/jwks")
    with caplog.at_level(logging.ERROR, logger="wacht_auth.authorizer"), pytest.raises(AuthorizerUnavailable):
        handler(_event(oauth_key.sign(access_claims)))
    assert [r.jwks_url for r in caplog.records if r.getMessage() == "key set unavailable"] == [url]
    assert '"KeysUnavailable"' in lines[0]
