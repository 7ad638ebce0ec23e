"""GET /health (public) and GET /hello (optional auth: the function verifies the token itself)."""

from __future__ import annotations

import pytest

from tests.functions.conftest import new_id
from tests.functions.events import ALLOWED_ORIGIN, proxy_event
from tests.functions.harness import load_function
from tests.support.servers import JwksServer
from tests.support.tokens import SigningKey, jwks, session_claims


def hello(functions, authorization: str | None):
    headers = {} if authorization is None else {"Authorization": authorization}
    return functions["HelloFunction"].invoke(proxy_event("GET", "/hello", headers=headers))


def test_health_answers_ok_without_any_authorizer_context(functions):
    answer = functions["HealthFunction"].invoke(proxy_event("GET", "/health"))
    assert answer.status == 200
    assert answer.body == {"status": "ok"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_hello_with_a_valid_token_greets_the_user(functions, jwks_server, signing_key):
    user_id = new_id()
    token = signing_key.sign(session_claims(jwks_server.origin, sub=user_id))
    answer = hello(functions, f"Bearer {token}")
    assert answer.status == 200
    assert answer.body == {"message": f"hello {user_id}"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_hello_without_a_token_greets_a_stranger(functions):
    answer = hello(functions, None)
    assert answer.status == 200
    assert answer.body == {"message": "hello stranger"}


@pytest.mark.parametrize(
    "make_header",
    [
        lambda key, issuer: "Bearer not-a-jwt",
        lambda key, issuer: "Basic dXNlcjpwYXNz",
        lambda key, issuer: "Bearer ",
        lambda key, issuer: "Bearer " + key.sign(session_claims(issuer, lifetime=-60, now=1_700_000_000)),
        lambda key, issuer: "Bearer " + key.sign(session_claims("https://someone-else.example")),
        lambda key, issuer: "Bearer " + SigningKey("test-key-1").sign(session_claims(issuer)),  # same kid, other key
    ],
    ids=["garbage", "basic-scheme", "empty-bearer", "expired", "wrong-issuer", "forged-signature"],
)
def test_hello_with_a_token_we_refuse_greets_a_stranger(functions, jwks_server, signing_key, make_header):
    answer = hello(functions, make_header(signing_key, jwks_server.origin))
    assert answer.status == 200
    assert answer.body == {"message": "hello stranger"}


def test_hello_when_the_key_set_cannot_be_had_is_503_not_a_stranger(parameters, table_name, local_environment):
    with JwksServer(jwks(SigningKey("k"))) as down:
        down.mode = "error"
        cold = load_function("HelloFunction", {**parameters, "WachtDeploymentUrl": down.origin}, {"DataTable": table_name}, local_environment)
        token = SigningKey("k").sign(session_claims(down.origin))
        answer = cold.invoke(proxy_event("GET", "/hello", headers={"Authorization": f"Bearer {token}"}))
        anonymous = cold.invoke(proxy_event("GET", "/hello"))
    assert answer.status == 503
    assert answer.body == {"message": "authentication temporarily unavailable, retry later"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert anonymous.body == {"message": "hello stranger"}  # no token: nothing to verify, no outage to report


@pytest.mark.parametrize(
    "values",
    [
        ["valid", "Bearer garbage"],
        ["valid", "valid-other-user"],
        ["Bearer garbage", "Basic dXNlcjpwYXNz"],
    ],
    ids=["valid-beside-garbage", "two-valid-tokens", "two-bad-values"],
)
def test_hello_with_several_authorization_values_greets_a_stranger_never_401(functions, jwks_server, signing_key, values):
    tokens = {
        "valid": "Bearer " + signing_key.sign(session_claims(jwks_server.origin, sub=new_id())),
        "valid-other-user": "Bearer " + signing_key.sign(session_claims(jwks_server.origin, sub=new_id())),
    }
    values = [tokens.get(value, value) for value in values]
    event = proxy_event("GET", "/hello", headers={"Authorization": values[0]})
    event["multiValueHeaders"]["Authorization"] = values
    answer = functions["HelloFunction"].invoke(event)
    assert answer.status == 200
    assert answer.body == {"message": "hello stranger"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


@pytest.mark.parametrize("header", ["Bearer " + "a" * 9000, "Bearer a.b.c", "bearer", "Bearer \x00"], ids=["oversized", "three-garbage-parts", "scheme-only", "control-char"])
def test_hello_with_a_malformed_header_greets_a_stranger(functions, header):
    assert hello(functions, header).body == {"message": "hello stranger"}
