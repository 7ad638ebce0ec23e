"""local_stack.wacht.oauth_app: the dev OAuth app's tokens verify as Wacht's do, and bad bodies are 400s."""

from __future__ import annotations

import json

import jwt
import pytest

from local_stack.wacht.gateway import CredentialBook, GatewayStandIn
from local_stack.wacht.oauth_app import DevOAuthApp
from tests.local_stack.conftest import http_request
from wacht_auth import JwksCache, Unauthenticated, fetch_jwks
from wacht_auth.access_tokens import AccessTokenVerifier

AUDIENCE = "wacht-local-api"
SUB, CLIENT = "72170182881052673", "72170500000000001"


@pytest.fixture
def app():
    app = DevOAuthApp(CredentialBook(), AUDIENCE)
    service = app.serve(0)
    yield app
    service.stop()


def _call(app: DevOAuthApp, path: str, body=None, raw: bytes | None = None, method: str = "POST"):
    data = raw if raw is not None else json.dumps(body).encode()
    response = app.handle(http_request(method, path, body=data))
    return response.status, json.loads(response.body)


def _verifier(app: DevOAuthApp) -> AccessTokenVerifier:
    url = f"{app.issuer}/.well-known/jwks.json"
    return AccessTokenVerifier(app.issuer, AUDIENCE, JwksCache(lambda: fetch_jwks(url)))


def test_a_jwt_verifies_over_http_with_the_apps_own_rs256_key(app):
    status, answer = _call(app, "/oauth/tokens", {"sub": SUB, "client_id": CLIENT, "scope": "profile email"})
    assert status == 200
    assert jwt.get_unverified_header(answer["token"])["alg"] == "RS256"
    context = _verifier(app).verify(answer["token"])
    assert (context.user_id, context.client_id, context.scopes) == (SUB, CLIENT, ("profile", "email"))


@pytest.mark.parametrize(("extra", "reason"), [({"audience": "someone-else"}, "wrong_audience"),
                                               ({"token_use": "id_token"}, "wrong_token_use"),
                                               ({"expires_in": -60}, "expired")])
def test_a_jwt_asked_to_be_wrong_is_refused_by_the_verifier(app, extra, reason):
    token = _call(app, "/oauth/tokens", {"sub": SUB, "client_id": CLIENT, "scope": "profile", **extra})[1]["token"]
    with pytest.raises(Unauthenticated) as refused:
        _verifier(app).verify(token)
    assert refused.value.reason.value == reason


def test_an_opaque_token_is_judged_by_the_gateway_until_revoked(app):
    gateway = GatewayStandIn("dev_live_", app.book)
    token = _call(app, "/oauth/tokens", {"sub": SUB, "client_id": CLIENT, "scope": "profile", "format": "opaque"})[1]["token"]
    assert token.startswith("dev_oat_") and "." not in token
    check = json.dumps({"principal": {"type": "oauth_access_token", "value": token}}).encode()
    answer = gateway.handle(http_request("POST", "/v1/authz/check", body=check))
    assert answer.status == 200 and json.loads(answer.body)["identity"]["owner_user_id"] == SUB
    assert _call(app, "/oauth/revoke", {"token": token}) == (200, {"revoked": True})
    assert gateway.handle(http_request("POST", "/v1/authz/check", body=check)).status == 401
    assert _call(app, "/oauth/revoke", {"token": token}) == (200, {"revoked": False})


@pytest.mark.parametrize(("body", "names"), [
    ("x", "JSON object"),
    ({"client_id": CLIENT}, "sub is required"),
    ({"sub": SUB}, "client_id is required"),
    ({"sub": "", "client_id": CLIENT}, "sub must be a non-empty string"),
    ({"sub": SUB, "client_id": CLIENT, "scope": ["profile"]}, "scope must be a string"),
    ({"sub": SUB, "client_id": CLIENT, "format": "paseto"}, 'format must be "jwt" or "opaque"'),
    ({"sub": SUB, "client_id": CLIENT, "audience": ""}, "audience and token_use"),
    ({"sub": SUB, "client_id": CLIENT, "format": "opaque", "audience": "x"}, "format jwt only"),
    ({"sub": SUB, "client_id": CLIENT, "expires_in": 10**6}, "expires_in must be an integer"),
    ({"sub": SUB, "client_id": CLIENT, "organization": "1"}, "unknown field(s): organization"),
])
def test_a_bad_token_request_is_a_400_naming_the_problem(app, body, names):
    status, answer = _call(app, "/oauth/tokens", body)
    assert status == 400 and answer["error"] == "invalid_request"
    assert names in answer["message"]
    assert app.book.credentials == {}


@pytest.mark.parametrize(("raw", "names"), [(b"{", "body must be JSON"), (b"{}", '{"token"'),
                                            (b'{"token": 5}', '{"token"'), (b'{"token": "a.b.c"}', "cannot be revoked")])
def test_a_bad_revoke_request_is_a_400(app, raw, names):
    status, answer = _call(app, "/oauth/revoke", raw=raw)
    assert status == 400 and names in answer["message"]


def test_the_jwks_has_one_rs256_key_with_a_kid(app):
    status, answer = _call(app, "/.well-known/jwks.json", raw=b"", method="GET")
    assert status == 200 and [(k["kty"], k["alg"], k["kid"]) for k in answer["keys"]] == [("RSA", "RS256", app.kid)]


def test_each_key_set_fetch_is_counted(app):
    assert app.jwks_requests == 0
    verifier = _verifier(app)
    verifier.keys.prime()
    _call(app, "/oauth/tokens", {"sub": SUB, "client_id": CLIENT, "scope": "profile"})
    assert app.jwks_requests == 1
