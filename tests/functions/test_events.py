"""Every sample event in events/api/ invokes the function template.yaml names for its route, as
``sam local invoke <Function> -e events/api/<name>.json`` would, and gets the expected answer.

The OAuth and API-key events carry the context the real authorizer produced for them (``make events``).
Most name the request the authorizer asked Wacht's gateway about, so the function does not ask again
and no gateway is needed; ``documents-list-api-key-next-request`` is a later request served by API
Gateway's cached Allow, which the function re-checks with the gateway (events/env.gateway.json: `make
dev`'s stand-in; here one on a free port holding the same sample credentials).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api_support import DataTable
from local_stack.stack import SAMPLE_CREDENTIALS
from local_stack.wacht.gateway import CredentialBook, GatewayStandIn, sample_credentials
from tests.functions.harness import load_function
from local_stack.api_gateway.sam_template import PROJECT_ROOT, api_routes, translate
from api_routes import ROUTES

EVENTS_DIR = PROJECT_ROOT / "events" / "api"
EXPECTED_STATUS = {
    "health": 200,
    "hello": 200,
    "me": 200,
    "whoami": 200,
    "documents-list": 200,
    "documents-create": 201,
    "documents-get": 200,
    "documents-delete": 204,
    "documents-create-without-permission": 403,
    "documents-list-without-workspace": 403,
    "members-list": 200,
    "members-put": 200,
    "members-delete": 204,
    # Behind a custom domain with a base path mapping: path /v1/documents/..., resource /documents/{documentId}.
    "documents-get-behind-base-path": 200,
    "members-list-behind-base-path": 200,
    "health-behind-base-path": 200,
    # OAuth access tokens: /me and /whoami (scope profile) only; no tenant, so never /documents.
    "me-oauth": 200,
    "whoami-oauth": 200,
    "whoami-oauth-without-profile": 403,
    "documents-list-oauth": 403,
    "me-oauth-opaque": 200,
    # API keys: /me and the documents of the key's workspace with its permissions; never /members changes.
    "me-api-key": 200,
    "documents-list-api-key": 200,
    "documents-create-api-key": 201,
    "documents-get-api-key": 200,
    "members-put-api-key": 403,
    "documents-list-api-key-without-workspace": 403,
    "documents-list-api-key-next-request": 200,
}
REFUSAL_MESSAGES = {
    "documents-create-without-permission": "Missing required permission: documents:write",
    "documents-list-without-workspace": "workspace required",
    "whoami-oauth-without-profile": "Missing required scope: profile",
    "documents-list-oauth": "OAuth access tokens may not call this route",
    "members-put-api-key": "API keys may not call this route",
    "documents-list-api-key-without-workspace": "workspace required: this API key is not scoped to a workspace",
}
PRINCIPAL_TYPES = {"me-oauth": "oauth_access_token", "me-oauth-opaque": "oauth_access_token", "me-api-key": "api_key"}
SAMPLE_DOCUMENT = {"workspace": "72170190012345777", "id": "018f2a3b4c5d0123456789abcdef"}
SAMPLE_MEMBER = {"organization": "72170190012345601", "id": "72170182881052699"}


def event_files() -> list[Path]:
    return sorted(EVENTS_DIR.glob("*.json"))


def needs_gateway(event: dict) -> bool:
    """A gateway-judged principal on a request the authorizer did not ask about: the function asks the gateway."""
    context = event["requestContext"].get("authorizer") or {}
    return context.get("checkedByGateway") == "true" and context.get("gatewayCheckedRequestId") != event["requestContext"]["requestId"]


@pytest.fixture(scope="module")
def sample_gateway():
    """`make dev`'s gateway stand-in holding the sample credentials, on a free port."""
    book = CredentialBook()
    for value, credential in sample_credentials(json.loads(SAMPLE_CREDENTIALS.read_text())).items():
        book.add(value, credential)
    gateway = GatewayStandIn("dev_live_", book)
    service = gateway.serve(0)
    yield gateway, service.origin
    service.stop()


@pytest.fixture(scope="module")
def gateway_functions(parameters, table_name, local_environment, sample_gateway):
    """The functions a gateway-judged principal reaches, with WACHT_GATEWAY_URL as env.gateway.json sets it."""
    environment = {**local_environment, "WACHT_GATEWAY_URL": sample_gateway[1]}
    gateway_env = json.loads((PROJECT_ROOT / "events" / "env.gateway.json").read_text())
    assert all(gateway_env[f]["WACHT_GATEWAY_URL"] == "http://127.0.0.1:3005" for f in ("MeFunction", "DocumentsFunction"))
    return {f: load_function(f, parameters, {"DataTable": table_name}, environment) for f in ("MeFunction", "DocumentsFunction")}


@pytest.fixture
def sample_items(moto_url, table_name):
    """The document and member the get/delete events name, (re)created before each event."""
    table = DataTable.from_environ({"TABLE_NAME": table_name, "DYNAMODB_ENDPOINT_URL": moto_url})
    document_id = SAMPLE_DOCUMENT["id"]
    table.put({
        "pk": f"WS#{SAMPLE_DOCUMENT['workspace']}", "sk": f"DOC#{document_id}", "id": document_id, "title": "Sample",
        "body": "", "created_by": "72170182881052673", "created_at": "2026-01-01T00:00:00.000Z",
    })
    member_id = SAMPLE_MEMBER["id"]
    table.put({
        "pk": f"ORG#{SAMPLE_MEMBER['organization']}", "sk": f"MEMBER#{member_id}", "member_id": member_id,
        "role": "organization:member", "updated_by": "72170182881052673", "updated_at": "2026-01-01T00:00:00.000Z",
    })


def test_every_event_file_has_an_expected_answer_and_every_route_has_an_event():
    names = {path.stem for path in event_files()}
    assert names == set(EXPECTED_STATUS)
    covered = {(e["httpMethod"], e["resource"]) for e in (json.loads(p.read_text()) for p in event_files())}
    assert covered == {(route.method, route.path) for route in ROUTES}


@pytest.mark.parametrize("path", event_files(), ids=lambda p: p.stem)
def test_sample_event_invokes_the_templates_function_and_gets_the_expected_status(path, parameters, functions, sample_items, wacht_api, request):
    event = json.loads(path.read_text())
    wired = {(route.method, route.path): route.function for route in api_routes(translate(parameters))}
    function = wired[(event["httpMethod"], event["resource"])]
    loaded = request.getfixturevalue("gateway_functions") if needs_gateway(event) else functions
    answer = loaded[function].invoke(event)
    assert answer.status == EXPECTED_STATUS[path.stem], answer.body
    assert answer.headers["Access-Control-Allow-Origin"] == parameters["AllowedOrigin"]
    if path.stem in REFUSAL_MESSAGES:
        assert answer.body == {"message": REFUSAL_MESSAGES[path.stem]}
    if path.stem in PRINCIPAL_TYPES:
        assert answer.body["principal_type"] == PRINCIPAL_TYPES[path.stem]
        assert answer.body["user_id"] == "72170182881052673"


def test_only_the_next_request_event_needs_a_gateway():
    assert [p.stem for p in event_files() if needs_gateway(json.loads(p.read_text()))] == ["documents-list-api-key-next-request"]


def test_the_next_request_is_asked_about_and_is_a_503_without_a_gateway(functions, gateway_functions, sample_gateway):
    """The re-check is real: the gateway hears about the later request; with env.json alone (no
    WACHT_GATEWAY_URL) the function cannot re-check the key, and answers 503, never 200 unchecked."""
    event = json.loads((EVENTS_DIR / "documents-list-api-key-next-request.json").read_text())
    gateway, _ = sample_gateway
    checks = gateway.stats.checks
    assert gateway_functions["DocumentsFunction"].invoke(event).status == 200
    assert gateway.stats.checks == checks + 1
    assert functions["DocumentsFunction"].invoke(event).status == 503
