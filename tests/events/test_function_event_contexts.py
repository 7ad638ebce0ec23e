"""The context each events/api/ event carries is what the real authorizer (authorizer/app.py, with
events/env.gateway.json) answers today for that event's bearer: no hand-written or stale context.

Gateway-judged principals are asked about for real, through `make dev`'s gateway stand-in holding the
sample credentials (on a free port here). Their ``tokenExpiresAt`` is the one thing that differs:
Wacht names no expiry for an API key, so the authorizer writes an hour from now, and ``make events``
pins that hour to end at 2100-01-01 (scripts/make_events.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_stack.api_gateway.events import gateway_context_value
from local_stack.wacht.gateway import CredentialBook, GatewayStandIn, sample_credentials
from tests.authorizer.test_handler import invoke, load_authorizer

EVENTS = Path(__file__).resolve().parents[2] / "events"
STAGE = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod"
BEHIND_AUTHORIZER = sorted(path for path in (EVENTS / "api").glob("*.json")
                           if json.loads(path.read_text())["requestContext"].get("authorizer"))


@pytest.fixture(scope="module")
def stand_in():
    book = CredentialBook()
    for value, credential in sample_credentials(json.loads((EVENTS / "dev-keys" / "gateway-credentials.json").read_text())).items():
        book.add(value, credential)
    service = GatewayStandIn("dev_live_", book).serve(0)
    yield service.origin
    service.stop()


@pytest.fixture(scope="module")
def authorizer(stand_in):
    env = json.loads((EVENTS / "env.gateway.json").read_text())["AuthorizerFunction"]
    with pytest.MonkeyPatch.context() as patch:
        yield load_authorizer(patch, {**env, "WACHT_GATEWAY_URL": stand_in})


def test_most_function_events_are_behind_the_authorizer():
    assert len(BEHIND_AUTHORIZER) == len(list((EVENTS / "api").glob("*.json"))) - 3  # all but health, hello, health-behind-base-path


@pytest.mark.parametrize("path", BEHIND_AUTHORIZER, ids=lambda p: p.stem)
def test_the_events_context_is_the_authorizers_answer_for_its_bearer(authorizer, path):
    event = json.loads(path.read_text())
    carried = dict(event["requestContext"]["authorizer"])
    request_id = carried.get("gatewayCheckedRequestId", event["requestContext"]["requestId"])  # the request it asked about
    request = {
        "type": "REQUEST", "methodArn": f"{STAGE}/{event['httpMethod']}{event['path']}", "resource": event["resource"],
        "path": event["path"], "httpMethod": event["httpMethod"], "headers": {"Authorization": event["headers"]["Authorization"]},
        "requestContext": {"requestId": request_id, "identity": event["requestContext"]["identity"]},
    }
    answer, _ = invoke(authorizer, request)
    assert isinstance(answer, dict), answer
    expected = {name: gateway_context_value(value) for name, value in answer["context"].items()}
    expected.update(principalId=answer["principalId"], integrationLatency=carried["integrationLatency"])
    if carried.get("checkedByGateway") == "true" and carried.get("principalType") == "api_key":
        assert carried.pop("tokenExpiresAt") == "4102444800"
        expected.pop("tokenExpiresAt")
    assert carried == expected
