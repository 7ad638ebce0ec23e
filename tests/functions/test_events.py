"""Every sample event in events/api/ invokes the function template.yaml names for its route, as
``sam local invoke <Function> -e events/api/<name>.json`` would, and gets the expected answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api_support import DataTable
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
}
SAMPLE_DOCUMENT = {"workspace": "72170190012345777", "id": "018f2a3b4c5d0123456789abcdef"}
SAMPLE_MEMBER = {"organization": "72170190012345601", "id": "72170182881052699"}


def event_files() -> list[Path]:
    return sorted(EVENTS_DIR.glob("*.json"))


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
def test_sample_event_invokes_the_templates_function_and_gets_the_expected_status(path, parameters, functions, sample_items, wacht_api):
    event = json.loads(path.read_text())
    wired = {(route.method, route.path): route.function for route in api_routes(translate(parameters))}
    function = wired[(event["httpMethod"], event["resource"])]
    answer = functions[function].invoke(event)
    assert answer.status == EXPECTED_STATUS[path.stem], answer.body
    assert answer.headers["Access-Control-Allow-Origin"] == parameters["AllowedOrigin"]
