"""AuthorizerHandler as an adopter gets it: a stdlib logger, the default metrics on stdout, a
real JWKS server on 127.0.0.1. (tests/authorizer/test_handler.py runs it inside this app's
authorizer, with Powertools' Logger.)"""

from __future__ import annotations

import json
import logging

import pytest

from tests.support.servers import JwksServer
from tests.support.tokens import SigningKey, jwks, session_claims
from wacht_auth import AUTHENTICATED, PUBLIC, WORKSPACE, AuthorizerHandler, ConfigurationError, DecisionMetrics, Route, RouteTableError

ROUTES = (Route("GET", "/orders", WORKSPACE, "OrdersFunction"), Route("GET", "/health", PUBLIC, "HealthFunction"))
METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/orders"


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        return "\n".join(f"{r.levelname} {r.getMessage()} {json.dumps({k: str(v) for k, v in vars(r).items()})}" for r in self.records)


@pytest.fixture
def records():
    logger = logging.getLogger("wacht_auth.authorizer")
    handler, level = Records(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture(scope="module")
def key():
    return SigningKey("k1")


@pytest.fixture
def server(key):
    with JwksServer(jwks(key)) as running:
        yield running


def event(authorization: str | None, method_arn: str = METHOD_ARN) -> dict:
    return {"type": "REQUEST", "methodArn": method_arn, "headers": {"Authorization": authorization} if authorization else {},
            "requestContext": {"requestId": "r-1"}}


def handler_for(server, lines: list[str], **kwargs) -> AuthorizerHandler:
    return AuthorizerHandler.from_environ(
        ROUTES, metrics=DecisionMetrics(write=lines.append), environ={"WACHT_DEPLOYMENT_URL": server.origin}, **kwargs
    )


def decisions(lines: list[str]) -> list[tuple[str, str | None]]:
    blobs = [json.loads(line) for line in lines]
    return [(blob["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], blob.get("Reason")) for blob in blobs]


def test_a_valid_token_gets_the_policy_and_one_allow(server, key, records):
    lines: list[str] = []
    handler = handler_for(server, lines)
    claims = session_claims(server.origin)
    response = handler(event(f"Bearer {key.sign(claims)}"), None)
    assert response["principalId"] == claims["sub"]
    assert response["context"]["workspaceId"] == claims["workspace"]
    assert decisions(lines) == [("Allow", None)]
    assert [(r.levelname, r.getMessage(), r.principal_id) for r in records.records] == [("DEBUG", "allowed", claims["sub"])]


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [(None, "missing_token"), ("Bearer not.a.jwt", "malformed"), ("{expired}", "expired"), ("{forged}", "bad_signature")],
)
def test_a_refusal_is_exactly_unauthorized_with_its_reason_logged_and_counted_never_the_token(server, key, records, authorization, reason):
    tokens = {
        "{expired}": key.sign(session_claims(server.origin, now=1_600_000_000)),
        "{forged}": SigningKey("k1").sign(session_claims(server.origin)),
    }
    token = tokens.get(authorization)
    lines: list[str] = []
    handler = handler_for(server, lines)
    with pytest.raises(Exception) as raised:  # noqa: PT011 - API Gateway reads exactly this plain Exception
        handler(event(f"Bearer {token}" if token else authorization), None)
    assert type(raised.value) is Exception and str(raised.value) == "Unauthorized"
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert decisions(lines) == [("Unauthorized", reason)]
    [record] = records.records
    assert (record.levelname, record.getMessage(), record.reason) == ("INFO", "token refused", reason)
    if token:
        assert token not in records.text() and token.split(".")[1] not in records.text()


def test_an_outage_is_a_500_logged_as_an_error_with_the_jwks_url(key, records):
    lines: list[str] = []
    with JwksServer(jwks(key)) as down:
        down.mode = "error"
        handler = handler_for(down, lines)
        with pytest.raises(Exception) as raised:  # noqa: PT011
            handler(event(f"Bearer {key.sign(session_claims(down.origin))}"), None)
    assert str(raised.value) != "Unauthorized"
    assert decisions(lines) == [("KeysUnavailable", None)]
    cold_start, outage = records.records
    assert (cold_start.levelname, cold_start.getMessage()) == ("ERROR", "JWKS fetch failed at cold start")
    assert (outage.levelname, outage.getMessage(), outage.jwks_url) == ("ERROR", "key set unavailable", down.jwks_url)


def test_a_bad_event_and_a_bug_are_500s_counted_apart(server, key, records, monkeypatch):
    lines: list[str] = []
    handler = handler_for(server, lines)
    token = key.sign(session_claims(server.origin))
    with pytest.raises(Exception, match="bad authorizer event"):
        handler(event(f"Bearer {token}", method_arn="nonsense"), None)
    monkeypatch.setattr(handler.authorizer, "authorize", lambda e: 1 / 0)
    with pytest.raises(Exception, match="internal error"):
        handler(event(f"Bearer {token}"), None)
    with pytest.raises(Exception, match="internal error"):
        handler("not an event", None)  # type: ignore[arg-type]
    assert decisions(lines) == [("BadEvent", None), ("InternalError", None), ("InternalError", None)]
    assert records.records[1].exc_info is not None  # the traceback is logged, for the bug


def test_a_powertools_style_logger_gets_the_request_id_as_correlation_id(server, key):
    class PowertoolsLike:
        def __init__(self) -> None:
            self.calls: list[tuple] = []

        def set_correlation_id(self, value):
            self.calls.append(("correlation", value))

        def __getattr__(self, level):
            return lambda msg, *args, **kwargs: self.calls.append((level, msg, kwargs.get("extra")))

    logger = PowertoolsLike()
    handler = handler_for(server, [], logger=logger)
    handler(event(f"Bearer {key.sign(session_claims(server.origin))}"), None)
    assert logger.calls[0] == ("correlation", "r-1") and logger.calls[1][:2] == ("debug", "allowed")


def test_the_cold_start_fails_on_a_bad_setting_or_a_route_table_the_policy_would_misjudge(key):
    with pytest.raises(ConfigurationError) as bad:
        AuthorizerHandler.from_environ(ROUTES, environ={})
    assert bad.value.variable == "WACHT_DEPLOYMENT_URL"
    # GET/orders/* (workspace) also matches GET /orders/1/audit: its Deny would refuse a session without one.
    nested = (Route("GET", "/orders/{id}", WORKSPACE, "F"), Route("GET", "/orders/{id}/audit", AUTHENTICATED, "F"))
    with pytest.raises(RouteTableError):
        AuthorizerHandler.from_environ(nested, environ={"WACHT_DEPLOYMENT_URL": "https://f.example", "WACHT_JWKS": json.dumps(jwks(key))})
