"""One test per reason a token is refused, plus what a valid token yields."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from tests.support.tokens import SigningKey
from wacht_auth import AuthContext, Reason, TokenVerifier, Unauthenticated, bearer_token
from wacht_auth.verify import MAX_TOKEN_BYTES


def refused(verifier: TokenVerifier, token: str) -> Reason:
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(token)
    assert str(caught.value) == "unauthenticated"  # the message never carries the token or claims
    return caught.value.reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_valid_es256_token_yields_the_session(verifier, es_key, claims):
    auth = verifier.verify(es_key.sign(claims))
    assert auth == AuthContext(
        user_id=claims["sub"],
        session_id=claims["sid"],
        organization_id=claims["organization"],
        workspace_id=claims["workspace"],
        organization_permissions=("organization:admin", "members:manage"),
        workspace_permissions=("workspace:member", "documents:write"),
        expires_at=claims["exp"],
    )
    assert auth.claims["iss"] == claims["iss"]


def test_valid_rs256_token_is_accepted(verifier, rs_key, claims):
    assert verifier.verify(rs_key.sign(claims)).user_id == claims["sub"]


def test_legacy_claim_shape_maps_to_the_same_session(verifier, es_key, claims):
    legacy = {k: v for k, v in claims.items() if k not in ("sid", "permissions")}
    legacy.update(
        sess=claims["sid"],
        organization=int(claims["organization"]),
        workspace=int(claims["workspace"]),
        organization_permissions=claims["permissions"]["organization"],
        workspace_permissions=claims["permissions"]["workspace"],
    )
    assert verifier.verify(es_key.sign(legacy)) == verifier.verify(es_key.sign(claims))


def test_token_without_kid_is_matched_by_algorithm(verifier, es_key, claims):
    kidless = SigningKey(None, private_key=es_key.private_key)
    assert verifier.verify(kidless.sign(claims)).user_id == claims["sub"]


def test_kidless_token_tries_every_key_of_its_algorithm(jwks_server, verifier, es_key, claims):
    newer = SigningKey("es-2")
    jwks_server.document = {"keys": [newer.jwk, es_key.jwk]}  # served at the first fetch
    kidless = SigningKey(None, private_key=es_key.private_key)
    assert verifier.verify(kidless.sign(claims)).user_id == claims["sub"]


def test_missing_header_is_refused():
    with pytest.raises(Unauthenticated) as caught:
        bearer_token(None)
    assert caught.value.reason is Reason.MISSING_TOKEN


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "token-without-scheme"])
def test_non_bearer_authorization_is_malformed(header):
    with pytest.raises(Unauthenticated) as caught:
        bearer_token(header)
    assert caught.value.reason is Reason.MALFORMED


def test_bearer_scheme_is_case_insensitive():
    assert bearer_token("bearer abc.def.ghi") == "abc.def.ghi"


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b", "!!!.e30.sig", f"{_b64(b'[1]')}.e30.sig", f"{_b64(b'{')}.e30.sig"])
def test_garbage_is_malformed(verifier, token):
    assert refused(verifier, token) is Reason.MALFORMED


@pytest.mark.parametrize("alg", [[], {}, 1, None, ["ES256"]])
def test_alg_of_the_wrong_type_is_refused_not_a_crash(verifier, alg):
    header = _b64(json.dumps({"alg": alg, "kid": "es-1"}).encode())
    assert refused(verifier, f"{header}.{_b64(b'{}')}.sig") is Reason.UNSUPPORTED_ALGORITHM


def test_oversized_token_is_refused_before_parsing(verifier, es_key, claims):
    token = es_key.sign({**claims, "metadata": "x" * MAX_TOKEN_BYTES})
    assert refused(verifier, token) is Reason.TOO_LARGE


def test_alg_none_is_refused(verifier, claims):
    header = _b64(json.dumps({"alg": "none", "kid": "es-1"}).encode())
    payload = _b64(json.dumps(claims).encode())
    assert refused(verifier, f"{header}.{payload}.") is Reason.UNSUPPORTED_ALGORITHM


def test_hs256_signed_with_the_public_key_is_refused(verifier, rs_key, claims):
    """The algorithm-confusion attack: HMAC keyed with the published RSA public key."""
    public_pem = rs_key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rs-1"}).encode())
    payload = _b64(json.dumps(claims).encode())
    import hashlib
    import hmac

    signature = _b64(hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    assert refused(verifier, f"{header}.{payload}.{signature}") is Reason.UNSUPPORTED_ALGORITHM


def test_algorithm_must_match_the_key_it_names(verifier, rs_key, claims):
    # An RS384 token naming the RS256-only key "rs-1" is refused even though the signature is RSA.
    token = rs_key.sign(claims, algorithm="RS384")
    assert refused(verifier, token) is Reason.UNSUPPORTED_ALGORITHM


def test_es256_header_on_an_rsa_key_is_refused(verifier, es_key, claims):
    token = es_key.sign(claims, headers={"kid": "rs-1"})
    assert refused(verifier, token) is Reason.UNSUPPORTED_ALGORITHM


@pytest.mark.parametrize("name", ["jku", "x5u", "jwk", "x5c"])
def test_keys_named_by_the_token_are_refused(verifier, es_key, claims, name):
    value = {"jwk": es_key.jwk, "x5c": ["MIIB"]}.get(name, "https://attacker.example/keys")
    assert refused(verifier, es_key.sign(claims, headers={name: value})) is Reason.FORBIDDEN_HEADER


def test_crit_header_is_refused(verifier, es_key, claims):
    assert refused(verifier, es_key.sign(claims, headers={"crit": ["exp"], "exp": 1})) is Reason.UNKNOWN_CRIT


def test_unknown_kid_is_refused(verifier, claims):
    stranger = SigningKey("not-published")
    assert refused(verifier, stranger.sign(claims)) is Reason.UNKNOWN_KID


def test_kidless_token_with_no_key_of_its_algorithm_is_refused(verifier, claims):
    stranger = SigningKey(None, "ES384")
    assert refused(verifier, stranger.sign(claims)) is Reason.NO_MATCHING_KEY


def test_signature_by_another_key_with_a_published_kid_is_refused(verifier, claims):
    impostor = SigningKey("es-1")  # same kid, different private key
    assert refused(verifier, impostor.sign(claims)) is Reason.BAD_SIGNATURE


def test_tampered_payload_is_refused(verifier, es_key, claims):
    header, _, signature = es_key.sign(claims).split(".")
    forged = _b64(json.dumps({**claims, "sub": "someone-else"}).encode())
    assert refused(verifier, f"{header}.{forged}.{signature}") is Reason.BAD_SIGNATURE


def test_expired_token_is_refused(verifier, es_key, claims, clock):
    token = es_key.sign(claims)
    clock.advance(claims["exp"] - claims["iat"] + 6)  # past exp plus the 5 s skew
    assert refused(verifier, token) is Reason.EXPIRED


def test_expiry_within_the_clock_skew_is_accepted(verifier, es_key, claims, clock):
    token = es_key.sign(claims)
    clock.advance(claims["exp"] - claims["iat"] + 4)
    assert verifier.verify(token).user_id == claims["sub"]


def test_cached_token_is_refused_once_it_expires(verifier, es_key, claims, clock):
    token = es_key.sign(claims)
    verifier.verify(token)
    clock.advance(claims["exp"] - claims["iat"] + 6)
    assert refused(verifier, token) is Reason.EXPIRED


def test_not_yet_valid_token_is_refused(verifier, es_key, claims, clock):
    assert refused(verifier, es_key.sign({**claims, "nbf": clock.now + 60})) is Reason.NOT_YET_VALID


def test_token_issued_in_the_future_is_refused(verifier, es_key, claims, clock):
    assert refused(verifier, es_key.sign({**claims, "iat": clock.now + 60})) is Reason.ISSUED_IN_FUTURE


def test_issue_time_within_the_clock_skew_is_accepted(verifier, es_key, claims, clock):
    assert verifier.verify(es_key.sign({**claims, "iat": clock.now + 5})).user_id == claims["sub"]


@pytest.mark.parametrize("issuer", ["https://evil.example", "{origin}/", "{origin}/path", "{origin_upper}"])
def test_issuer_must_equal_the_origin_exactly(verifier, es_key, claims, jwks_server, issuer):
    value = issuer.format(origin=jwks_server.origin, origin_upper=jwks_server.origin.upper())
    assert refused(verifier, es_key.sign({**claims, "iss": value})) is Reason.WRONG_ISSUER


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "iss", "sid"])
def test_required_claim_missing_is_refused(verifier, es_key, claims, claim):
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(es_key.sign({k: v for k, v in claims.items() if k != claim}))
    assert caught.value.reason is Reason.MISSING_CLAIM
    assert caught.value.detail == claim


@pytest.mark.parametrize(
    "change",
    [
        {"sub": ""},
        {"sub": 42},
        {"sid": ["x"]},
        {"sid": True},
        {"permissions": ["members:manage"]},
        {"permissions": {"organization": "members:manage"}},
        {"permissions": {"workspace": [1, 2]}},
        {"organization": {"id": "1"}},
        {"exp": "tomorrow"},
        {"exp": float("nan")},
        {"exp": float("inf")},
        {"iat": float("nan")},
        {"nbf": float("-inf")},
        {"sub": "7" * 129},
        {"sid": "has space"},
        {"workspace": "ws#other"},
        {"organization": "../org"},
    ],
)
def test_claims_of_the_wrong_type_are_refused(verifier, es_key, claims, change):
    reason = refused(verifier, es_key.sign({**claims, **change}))
    assert reason in (Reason.INVALID_CLAIM, Reason.MALFORMED)


def test_audience_claim_is_refused_since_session_tokens_have_none(verifier, es_key, claims):
    assert refused(verifier, es_key.sign({**claims, "aud": "some-api"})) is Reason.INVALID_CLAIM


def test_repeated_token_is_served_from_the_cache(verifier, es_key, claims, jwks_server):
    token = es_key.sign(claims)
    first = verifier.verify(token)
    jwks_server.mode = "error"  # a second signature check would need keys; a cache hit does not
    assert verifier.verify(token) is first


def test_permissions_of_an_inactive_scope_grant_nothing(verifier, es_key, claims):
    token = es_key.sign({k: v for k, v in claims.items() if k not in ("organization", "workspace")})
    auth = verifier.verify(token)
    assert auth.organization_permissions == () and auth.workspace_permissions == ()


def test_refusal_reasons_are_a_fixed_set_safe_for_metric_names():
    assert all(reason.value.replace("_", "").isalpha() for reason in Reason)


def test_pyjwt_is_pinned_to_asymmetric_algorithms_only():
    from wacht_auth.keys import SUPPORTED_ALGORITHMS

    assert SUPPORTED_ALGORITHMS == {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512"}
    assert not any(name.startswith("HS") or name == "none" for name in SUPPORTED_ALGORITHMS)
    assert jwt.__version__ == "2.15.1"
