"""Behind a custom domain with a base path mapping, API Gateway puts the base path in ``path``
(``/v1/documents/1``) while ``resource`` stays the template's (``/documents/{documentId}``).
The functions route on the resource, so every route answers as it does on the execute-api URL."""

from __future__ import annotations

import pytest

from tests.functions.conftest import new_id, session_of
from tests.functions.events import ALLOWED_ORIGIN, proxy_event
from api_support import without_base_path

AUTH = session_of(organization=new_id(), workspace=new_id(), organization_permissions=("members:manage",), workspace_permissions=("documents:write",))


def behind(base_path: str, event: dict) -> dict:
    event = {**event, "path": base_path + event["path"]}
    event["requestContext"] = {**event["requestContext"], "path": event["path"], "domainName": "api.example.com"}
    return event


@pytest.mark.parametrize(
    ("path", "resource", "expected"),
    [
        ("/v1/documents/abc", "/documents/{documentId}", "/documents/abc"),
        ("/api/v2/members", "/members", "/members"),
        ("/v1/documents/", "/documents", "/documents/"),
        ("/documents/documents", "/documents/{documentId}", "/documents/documents"),  # no base path: the id is "documents"
        ("/v1/documents/documents", "/documents/{documentId}", "/documents/documents"),
        ("/members", "/members", "/members"),
        ("/v1/other", "/members", "/v1/other"),  # not the resource's shape: left for the resolver's 404
    ],
)
def test_the_base_path_is_what_precedes_the_resources_concrete_path(path, resource, expected):
    assert without_base_path({"path": path, "resource": resource})["path"] == expected


def test_an_event_without_a_base_path_is_passed_on_unchanged():
    event = proxy_event("GET", "/documents")
    assert without_base_path(event) is event


def test_a_document_is_created_read_listed_and_deleted_behind_a_base_path(functions):
    documents = functions["DocumentsFunction"]
    created = documents.invoke(behind("/v1", proxy_event("POST", "/documents", auth=AUTH, body={"title": "Behind a base path"})))
    assert created.status == 201
    document_id = created.body["id"]
    read = documents.invoke(behind("/v1", proxy_event("GET", "/documents/{documentId}", auth=AUTH, path_parameters={"documentId": document_id})))
    assert (read.status, read.body["title"]) == (200, "Behind a base path")
    listed = documents.invoke(behind("/api/v2", proxy_event("GET", "/documents", auth=AUTH)))
    assert document_id in [item["id"] for item in listed.body["items"]]
    deleted = documents.invoke(behind("/v1", proxy_event("DELETE", "/documents/{documentId}", auth=AUTH, path_parameters={"documentId": document_id})))
    assert deleted.status == 204
    assert deleted.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


@pytest.mark.parametrize(
    ("function", "method", "resource", "extra", "status"),
    [
        ("HealthFunction", "GET", "/health", {}, 200),
        ("HelloFunction", "GET", "/hello", {}, 200),
        ("MeFunction", "GET", "/me", {"auth": AUTH}, 200),
        ("MembersFunction", "PUT", "/members/{memberId}", {"auth": AUTH, "path_parameters": {"memberId": "m-1"}, "body": {"role": "organization:member"}}, 200),
        ("MembersFunction", "DELETE", "/members/{memberId}", {"auth": AUTH, "path_parameters": {"memberId": "m-404"}}, 404),
    ],
)
def test_every_function_routes_behind_a_base_path(functions, function, method, resource, extra, status):
    answer = functions[function].invoke(behind("/v1", proxy_event(method, resource, **extra)))
    assert answer.status == status, answer.body
    assert answer.body != {"message": "not found"}  # the resolver's "no such route"; a store's 404 names its item
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_the_route_table_requirement_still_applies_behind_a_base_path(functions):
    reader = session_of(organization=new_id(), workspace=new_id())  # no documents:write
    answer = functions["DocumentsFunction"].invoke(behind("/v1", proxy_event("POST", "/documents", auth=reader, body={"title": "t"})))
    assert answer.status == 403
    assert answer.body == {"message": "Missing required permission: documents:write"}
