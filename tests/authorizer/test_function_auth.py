"""wacht_auth's function side: the authorizer context refused past its token's expiry, and
request_auth enforcing the route's requirement for protected, public and optional routes."""

from __future__ import annotations

import json

import pytest

from tests.support.tokens import SigningKey, jwks, session_claims
from wacht_auth import (
    AUTHENTICATED,
    OPTIONAL,
    PUBLIC,
    WORKSPACE,
    AuthContext,
    ConfigurationError,
    Forbidden,
    KeysUnavailable,
    Reason,
    Route,
    RouteNotDeclared,
    Scope,
    Settings,
    TokenVerifier,
    Unauthenticated,
    from_gateway_context,
    permission,
    request_auth,
    to_gateway_context,
)
from wacht_auth.jwks import JwksCache

EXP = 1_800_000_000
SESSION = AuthContext("u1", "s1", "o1", "w1", (), ("orders:write",), EXP)
ROUTES = (
    Route("GET", "/health", PUBLIC, "PublicFunction"),
    Route("GET", "/hello", OPTIONAL, "PublicFunction"),
    Route("GET", "/me", AUTHENTICATED, "OrdersFunction"),
    Route("GET", "/orders", WORKSPACE, "OrdersFunction"),
    Route("POST", "/orders", permission("orders:write", Scope.WORKSPACE), "OrdersFunction"),
    Route("DELETE", "/orders", permission("orders:admin", Scope.WORKSPACE), "OrdersFunction"),
)


def context_of(auth: AuthContext) -> dict[str, str]:
    """What API Gateway hands a function: the authorizer's context, every value stringified."""
    return {name: str(value) for name, value in to_gateway_context(auth).items()}


def proxy_event(method: str, resource: str, auth: AuthContext | None = SESSION, headers: dict | None = None) -> dict:
    request_context: dict = {"requestId": "r-1"}
    if auth is not None:
        request_context["authorizer"] = {"principalId": auth.user_id, **context_of(auth)}
    return {"httpMethod": method, "resource": resource, "path": resource, "headers": headers or {}, "requestContext": request_context}


def at(seconds: float):
    return lambda: seconds


@pytest.mark.parametrize(("now", "accepted"), [(EXP - 60, True), (EXP, True), (EXP + 4.9, True), (EXP + 5, False), (EXP + 300, False)])
def test_a_context_is_refused_as_expired_once_its_expiry_plus_the_five_second_skew_has_passed(monkeypatch, now, accepted):
    monkeypatch.delenv("WACHT_CLOCK_SKEW_SECONDS", raising=False)
    if accepted:
        assert from_gateway_context(context_of(SESSION), clock=at(now)) == SESSION
    else:
        with pytest.raises(Unauthenticated) as refused:
            from_gateway_context(context_of(SESSION), clock=at(now))
        assert refused.value.reason is Reason.EXPIRED


def test_the_default_clock_is_the_wall_clock():
    # The issue's own example: tokenExpiresAt "1" was accepted before.
    with pytest.raises(Unauthenticated) as refused:
        from_gateway_context({"userId": "u", "sessionId": "s", "tokenExpiresAt": "1"})
    assert refused.value.reason is Reason.EXPIRED


def test_the_skew_is_read_from_the_environment_unless_given(monkeypatch):
    monkeypatch.setenv("WACHT_CLOCK_SKEW_SECONDS", "60")
    assert from_gateway_context(context_of(SESSION), clock=at(EXP + 30)) == SESSION
    with pytest.raises(Unauthenticated):
        from_gateway_context(context_of(SESSION), clock=at(EXP + 30), clock_skew_seconds=0)
    monkeypatch.setenv("WACHT_CLOCK_SKEW_SECONDS", "soon")
    with pytest.raises(ConfigurationError) as bad:
        from_gateway_context(context_of(SESSION), clock=at(EXP))
    assert bad.value.variable == "WACHT_CLOCK_SKEW_SECONDS"


def test_a_context_without_an_expiry_is_refused():
    context = context_of(SESSION)
    del context["tokenExpiresAt"]
    with pytest.raises(Unauthenticated) as refused:
        from_gateway_context(context, clock=at(0))
    assert refused.value.reason is Reason.INVALID_CLAIM and refused.value.detail == "tokenExpiresAt"


def test_a_protected_route_gets_the_session_when_its_requirement_is_met():
    assert request_auth(proxy_event("GET", "/orders"), ROUTES, clock=at(EXP)) == SESSION
    assert request_auth(proxy_event("POST", "/orders"), ROUTES, clock=at(EXP)) == SESSION


@pytest.mark.parametrize(
    ("method", "auth", "refusal", "message"),
    [
        ("DELETE", SESSION, Forbidden, "Missing required permission: orders:admin"),
        ("GET", AuthContext("u1", "s1", "o1", None, expires_at=EXP), Forbidden, "workspace required"),
        ("GET", None, Unauthenticated, "unauthenticated"),
    ],
)
def test_a_protected_route_refuses_what_its_requirement_refuses(method, auth, refusal, message):
    with pytest.raises(refusal) as refused:
        request_auth(proxy_event(method, "/orders", auth), ROUTES, clock=at(EXP))
    assert str(refused.value) == message


def test_expiry_is_judged_before_the_requirement():
    # Expired and lacking the workspace: 401 (refresh and retry), not 403.
    lacking = AuthContext("u1", "s1", "o1", None, expires_at=EXP)
    with pytest.raises(Unauthenticated) as refused:
        request_auth(proxy_event("GET", "/orders", lacking), ROUTES, clock=at(EXP + 10), clock_skew_seconds=5)
    assert refused.value.reason is Reason.EXPIRED


@pytest.mark.parametrize(("method", "resource"), [("PATCH", "/orders"), ("GET", "/orders/{id}"), ("", ""), (None, None)])
def test_a_route_missing_from_the_table_is_refused_naming_it(method, resource):
    event = proxy_event("GET", "/orders")
    event["httpMethod"], event["resource"] = method, resource
    with pytest.raises(RouteNotDeclared) as refused:
        request_auth(event, ROUTES, clock=at(EXP))
    assert (refused.value.method, refused.value.resource) == (method or "", resource or "")


def test_a_public_route_is_anonymous_and_ignores_any_context():
    assert request_auth(proxy_event("GET", "/health", None), ROUTES, allow_anonymous=True) is None
    assert request_auth(proxy_event("GET", "/health", SESSION), ROUTES, allow_anonymous=True) is None


def test_a_handler_expecting_a_session_on_an_open_route_is_told_how_to_fix_it():
    with pytest.raises(ValueError, match=r"GET /health is public .* allow_anonymous=True"):
        request_auth(proxy_event("GET", "/health", None), ROUTES)


def test_allow_anonymous_still_enforces_the_requirement_of_a_protected_route():
    with pytest.raises(Unauthenticated):
        request_auth(proxy_event("GET", "/me", None), ROUTES, allow_anonymous=True)
    assert request_auth(proxy_event("GET", "/me"), ROUTES, allow_anonymous=True, clock=at(EXP)) == SESSION


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey("k1")


@pytest.fixture
def verifier(key) -> TokenVerifier:
    return TokenVerifier.from_settings(Settings.from_environ({"WACHT_DEPLOYMENT_URL": "https://f.example", "WACHT_JWKS": json.dumps(jwks(key))}))


def test_an_optional_route_verifies_the_bearer_token_itself(key, verifier):
    claims = session_claims("https://f.example")
    event = proxy_event("GET", "/hello", None, headers={"Authorization": f"Bearer {key.sign(claims)}"})
    auth = request_auth(event, ROUTES, allow_anonymous=True, verifier=verifier)
    assert auth is not None and auth.user_id == claims["sub"]


@pytest.mark.parametrize("header", [None, "Bearer not.a.jwt", "Basic abc", "{forged}"])
def test_an_optional_route_makes_any_refused_token_anonymous_and_says_why(verifier, header):
    if header == "{forged}":
        header = f"Bearer {SigningKey('k1').sign(session_claims('https://f.example'))}"
    refusals: list[Unauthenticated] = []
    event = proxy_event("GET", "/hello", None, headers={"Authorization": header} if header else {})
    assert request_auth(event, ROUTES, allow_anonymous=True, verifier=verifier, on_refusal=refusals.append) is None
    assert len(refusals) == (0 if header is None else 1)


def test_an_optional_route_answers_an_outage_as_an_outage_not_as_anonymous(key):
    def unreachable():
        raise OSError("connection refused")

    offline = TokenVerifier("https://f.example", JwksCache(unreachable))
    event = proxy_event("GET", "/hello", None, headers={"Authorization": f"Bearer {key.sign(session_claims('https://f.example'))}"})
    with pytest.raises(KeysUnavailable):
        request_auth(event, ROUTES, allow_anonymous=True, verifier=offline)


def test_an_optional_route_without_a_verifier_is_anonymous(key):
    event = proxy_event("GET", "/hello", None, headers={"Authorization": f"Bearer {key.sign(session_claims('https://f.example'))}"})
    assert request_auth(event, ROUTES, allow_anonymous=True) is None
