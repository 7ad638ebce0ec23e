"""local_stack.wacht.dev_idp over real HTTP: keys, minting (and its 400s), rotation, personas, CORS."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from local_stack.wacht.dev_idp import DevIdentityProvider
from wacht_auth import JwksCache, TokenVerifier, Unauthenticated, fetch_jwks

ORIGIN = "http://localhost:5173"


@pytest.fixture
def idp():
    provider = DevIdentityProvider(allowed_origin=ORIGIN)
    service = provider.serve(0)
    yield provider
    service.stop()


def _call(idp, method: str, path: str, body=None, raw: bytes | None = None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(f"{idp.issuer}{path}", data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            text = response.read()
            return response.status, dict(response.headers), json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def _verifier(idp) -> TokenVerifier:
    return TokenVerifier(idp.issuer, JwksCache(lambda: fetch_jwks(f"{idp.issuer}/.well-known/jwks.json"), cooldown_seconds=0))


def test_the_jwks_publishes_es256_keys_with_a_kid(idp):
    status, _, jwks = _call(idp, "GET", "/.well-known/jwks.json")
    assert status == 200
    (key,) = jwks["keys"]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ES256", "sig")
    assert key["kid"] and "d" not in key  # public only


def test_a_minted_token_verifies_with_the_current_wacht_claim_shape(idp):
    body = {"sub": "u1", "sid": "s1", "organization": "o1", "workspace": "w1",
            "permissions": {"organization": ["members:manage"], "workspace": ["documents:write"]}, "expires_in": 600}
    status, headers, answer = _call(idp, "POST", "/tokens", body)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == ORIGIN
    auth = _verifier(idp).verify(answer["token"])
    assert (auth.user_id, auth.session_id, auth.organization_id, auth.workspace_id) == ("u1", "s1", "o1", "w1")
    claims = dict(auth.claims)
    assert claims["iss"] == idp.issuer and claims["exp"] - claims["iat"] == 600
    assert claims["permissions"] == {"organization": ["members:manage"], "workspace": ["documents:write"]}


def test_defaults_give_a_fresh_session_of_wachts_default_lifetime_and_no_tenant(idp):
    claims = dict(_verifier(idp).verify(_call(idp, "POST", "/tokens", {"sub": "u1"})[2]["token"]).claims)
    assert claims["exp"] - claims["iat"] == 1800
    assert claims["sid"].isdigit()
    assert "organization" not in claims and "workspace" not in claims
    assert claims["permissions"] == {"organization": [], "workspace": []}


def test_a_negative_lifetime_mints_an_expired_token(idp):
    token = _call(idp, "POST", "/tokens", {"sub": "u1", "expires_in": -60})[2]["token"]
    with pytest.raises(Unauthenticated):
        _verifier(idp).verify(token)


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ([1], "JSON object"),
        ({}, "sub"),
        ({"sub": ""}, "sub"),
        ({"sub": 5}, "sub"),
        ({"sub": "u", "sid": 7}, "sid"),
        ({"sub": "u", "organization": ""}, "organization"),
        ({"sub": "u", "workspace": ["w"]}, "workspace"),
        ({"sub": "u", "permissions": ["a"]}, "permissions"),
        ({"sub": "u", "permissions": {"org": []}}, "permissions"),
        ({"sub": "u", "permissions": {"workspace": "documents:write"}}, "permissions.workspace"),
        ({"sub": "u", "expires_in": "60"}, "expires_in"),
        ({"sub": "u", "expires_in": True}, "expires_in"),
        ({"sub": "u", "expires_in": 86401}, "expires_in"),
        ({"sub": "u", "permission": {}}, "unknown field(s): permission"),
    ],
)
def test_a_bad_token_request_is_a_400_naming_the_problem(idp, body, names):
    status, headers, answer = _call(idp, "POST", "/tokens", body)
    assert status == 400 and answer["error"] == "invalid_request"
    assert names in answer["message"]
    assert headers["Access-Control-Allow-Origin"] == ORIGIN


def test_a_body_that_is_not_json_is_a_400(idp):
    assert _call(idp, "POST", "/tokens", raw=b"sub=u1")[0] == 400


def test_rotation_signs_with_a_new_key_and_keeps_the_old_one_published(idp):
    old_token = _call(idp, "POST", "/tokens", {"sub": "u1"})[2]["token"]
    old_kid = idp.keys.current_kid
    status, _, rotated = _call(idp, "POST", "/rotate")
    assert status == 200 and rotated["kid"] != old_kid and rotated["published"] == [rotated["kid"], old_kid]
    new_token = _call(idp, "POST", "/tokens", {"sub": "u2"})[2]["token"]
    verifier = _verifier(idp)
    assert verifier.verify(new_token).user_id == "u2"
    assert verifier.verify(old_token).user_id == "u1"


def test_rotation_can_drop_the_old_key(idp):
    old_token = _call(idp, "POST", "/tokens", {"sub": "u1"})[2]["token"]
    _call(idp, "POST", "/rotate", {"keep_previous": False})
    assert len(_call(idp, "GET", "/.well-known/jwks.json")[2]["keys"]) == 1
    with pytest.raises(Unauthenticated):
        _verifier(idp).verify(old_token)


def test_a_second_rotation_retires_the_oldest_key(idp):
    first = idp.keys.current_kid
    _call(idp, "POST", "/rotate")
    _call(idp, "POST", "/rotate")
    assert first not in [k["kid"] for k in _call(idp, "GET", "/.well-known/jwks.json")[2]["keys"]]


@pytest.mark.parametrize("body", [{"keep_previous": "no"}, {"other": 1}, [1]])
def test_a_bad_rotate_body_is_a_400(idp, body):
    assert _call(idp, "POST", "/rotate", body)[0] == 400


def test_personas_have_the_shape_the_frontend_reads(idp):
    status, headers, answer = _call(idp, "GET", "/personas")
    assert status == 200 and headers["Access-Control-Allow-Origin"] == ORIGIN
    alice = answer["personas"][0]
    assert set(alice) == {"id", "name", "user_id", "email", "organizations"}
    assert (alice["id"], alice["name"], alice["email"]) == ("alice", "Alice Admin", "alice@acme.test")
    (acme,) = alice["organizations"]
    assert (acme["name"], acme["permissions"]) == ("Acme", ["organization:admin", "members:manage"])
    assert [(w["name"], w["permissions"]) for w in acme["workspaces"]] == [
        ("Acme Docs", ["workspace:admin", "documents:write"]), ("Acme Legal", ["workspace:member"])]
    assert [p["id"] for p in answer["personas"]] == ["alice", "bob", "carol", "dave"]


def test_preflight_allows_the_frontend_origin(idp):
    status, headers, _ = _call(idp, "OPTIONS", "/tokens")
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in headers["Access-Control-Allow-Methods"] and "Content-Type" in headers["Access-Control-Allow-Headers"]


def test_unknown_paths_are_404(idp):
    assert _call(idp, "GET", "/nope")[0] == 404


def test_jwks_requests_are_counted_for_tests(idp):
    _call(idp, "GET", "/.well-known/jwks.json")
    assert idp.jwks_stats.requests == 1 and idp.jwks_stats.last_request_at is not None
