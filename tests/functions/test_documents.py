"""/documents through the DocumentsFunction handler against moto's DynamoDB server."""

from __future__ import annotations

import json

import pytest

from tests.functions.conftest import new_id, session_of
from tests.functions.events import ALLOWED_ORIGIN, proxy_event

WRITE = ("documents:write",)


def writer(workspace: str | None = None):
    return session_of(organization=new_id(), workspace=workspace or new_id(), workspace_permissions=WRITE)


def create(documents, auth, title="Plan", body="text"):
    return documents.invoke(proxy_event("POST", "/documents", auth=auth, body={"title": title, "body": body}))


def get(documents, auth, document_id):
    return documents.invoke(proxy_event("GET", "/documents/{documentId}", auth=auth, path_parameters={"documentId": document_id}))


def delete(documents, auth, document_id):
    return documents.invoke(proxy_event("DELETE", "/documents/{documentId}", auth=auth, path_parameters={"documentId": document_id}))


def listing(documents, auth, **query):
    return documents.invoke(proxy_event("GET", "/documents", auth=auth, query={k: str(v) for k, v in query.items()}))


def test_created_document_is_answered_201_with_server_made_id_and_author(documents):
    auth = writer()
    answer = create(documents, auth, title="Plan", body="Ship it")
    assert answer.status == 201
    assert set(answer.body) == {"id", "title", "body", "created_by", "created_at"}
    assert answer.body["title"] == "Plan" and answer.body["body"] == "Ship it"
    assert answer.body["created_by"] == auth.user_id
    assert answer.body["created_at"].endswith("Z")
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_created_document_can_be_read_back_in_the_same_workspace(documents):
    auth = writer()
    created = create(documents, auth).body
    answer = get(documents, auth, created["id"])
    assert answer.status == 200
    assert answer.body == created


def test_body_defaults_to_empty_when_left_out(documents):
    answer = documents.invoke(proxy_event("POST", "/documents", auth=writer(), body={"title": "Only a title"}))
    assert answer.status == 201
    assert answer.body["body"] == ""


def test_reader_without_write_permission_can_read_and_list_but_not_create_or_delete(documents):
    workspace = new_id()
    owner = writer(workspace)
    reader = session_of(organization=new_id(), workspace=workspace, workspace_permissions=("workspace:member",))
    document_id = create(documents, owner).body["id"]
    assert get(documents, reader, document_id).status == 200
    assert [d["id"] for d in listing(documents, reader).body["items"]] == [document_id]
    refused_create = create(documents, reader)
    refused_delete = delete(documents, reader, document_id)
    for answer in (refused_create, refused_delete):
        assert answer.status == 403
        assert answer.body == {"message": "Missing required permission: documents:write"}
        assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert get(documents, owner, document_id).status == 200


def test_write_permission_in_the_organization_list_does_not_grant_workspace_writes(documents):
    auth = session_of(organization=new_id(), workspace=new_id(), organization_permissions=("documents:write",))
    answer = create(documents, auth)
    assert answer.status == 403
    assert answer.body == {"message": "Missing required permission: documents:write"}


@pytest.mark.parametrize(
    ("method", "resource", "extra"),
    [
        ("GET", "/documents", {}),
        ("POST", "/documents", {"body": {"title": "x"}}),
        ("GET", "/documents/{documentId}", {"path_parameters": {"documentId": "abc"}}),
        ("DELETE", "/documents/{documentId}", {"path_parameters": {"documentId": "abc"}}),
    ],
)
def test_every_documents_route_without_an_active_workspace_is_403_workspace_required(documents, method, resource, extra):
    auth = session_of(organization=new_id(), workspace=None, organization_permissions=("documents:write",))
    answer = documents.invoke(proxy_event(method, resource, auth=auth, **extra))
    assert answer.status == 403
    assert answer.body == {"message": "workspace required"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_document_of_another_workspace_is_404_exactly_like_one_that_exists_nowhere(documents):
    owner, stranger = writer(), writer()
    document_id = create(documents, owner).body["id"]
    elsewhere = get(documents, stranger, document_id)
    nowhere = get(documents, stranger, "0" * 28)
    assert elsewhere.status == nowhere.status == 404
    assert elsewhere.body == nowhere.body == {"message": "document not found"}


def test_deleting_a_document_of_another_workspace_is_404_and_leaves_it_alone(documents):
    owner, stranger = writer(), writer()
    document_id = create(documents, owner).body["id"]
    assert delete(documents, stranger, document_id).status == 404
    assert get(documents, owner, document_id).status == 200


def test_delete_answers_204_then_the_document_is_gone_and_a_second_delete_is_404(documents):
    auth = writer()
    document_id = create(documents, auth).body["id"]
    first = delete(documents, auth, document_id)
    assert first.status == 204
    assert first.body == ""
    assert first.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert get(documents, auth, document_id).status == 404
    assert delete(documents, auth, document_id).status == 404


def test_list_shows_only_this_workspace_oldest_first(documents):
    auth, other = writer(), writer()
    mine = [create(documents, auth, title=f"doc {n}").body["id"] for n in range(3)]
    create(documents, other, title="not yours")
    answer = listing(documents, auth)
    assert answer.status == 200
    assert [d["id"] for d in answer.body["items"]] == mine
    assert answer.body["next_cursor"] is None


def test_list_pages_with_limit_and_cursor_until_exhausted(documents):
    auth = writer()
    ids = [create(documents, auth, title=f"doc {n}").body["id"] for n in range(5)]
    seen, cursor = [], None
    for _ in range(10):
        query = {"limit": 2} if cursor is None else {"limit": 2, "cursor": cursor}
        page = listing(documents, auth, **query).body
        assert len(page["items"]) <= 2
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


def test_a_cursor_from_another_workspace_only_ever_pages_through_my_own_documents(documents):
    victim, attacker = writer(), writer()
    for n in range(3):
        create(documents, victim, title=f"secret {n}")
    victim_cursor = listing(documents, victim, limit=1).body["next_cursor"]
    assert victim_cursor is not None
    mine = create(documents, attacker, title="mine").body["id"]
    answer = listing(documents, attacker, limit=10, cursor=victim_cursor)
    assert answer.status == 200
    assert all(d["created_by"] == attacker.user_id for d in answer.body["items"])
    assert {d["id"] for d in answer.body["items"]} <= {mine}


@pytest.mark.parametrize(
    "limit",
    ["0", "101", "-1", "ten", "1.5", "", "\u0663", "0100", "9" * 5000],
    ids=["0", "101", "-1", "ten", "1.5", "empty", "arabic-digit", "four-digits", "5000-digits"],
)
def test_limit_outside_1_to_100_is_400(documents, limit):
    answer = documents.invoke(proxy_event("GET", "/documents", auth=writer(), query={"limit": limit}))
    assert answer.status == 400
    assert answer.body == {"message": "limit must be an integer from 1 to 100"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_at_the_bounds_is_accepted(documents, limit):
    answer = documents.invoke(proxy_event("GET", "/documents", auth=writer(), query={"limit": limit}))
    assert answer.status == 200


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        "V1MjMTIzI0RPQyNhYmM",  # "WS#123#DOC#abc": a partition key smuggled into the cursor
        "RE9DIyNhYmM",  # "DOC##abc": a '#' in the id part
        "TUVNQkVSIzEyMw",  # "MEMBER#123": another store's prefix
        "x" * 600,
    ],
)
def test_cursor_that_is_not_one_of_ours_is_400(documents, cursor):
    answer = documents.invoke(proxy_event("GET", "/documents", auth=writer(), query={"cursor": cursor}))
    assert answer.status == 400
    assert answer.body == {"message": "invalid cursor"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "request body required: a JSON object"),
        ("", "request body required: a JSON object"),
        ("{not json", "request body is not valid JSON"),
        ("[1, 2]", "request body must be a JSON object"),
        ('"a string"', "request body must be a JSON object"),
        ({}, "title is required"),
        ({"title": ""}, "title must be 1 to 200 characters"),
        ({"title": "   "}, "title must not be blank"),
        ({"title": "x" * 201}, "title must be 1 to 200 characters"),
        ({"title": 42}, "title must be a string"),
        ({"title": None}, "title is required"),
        ({"title": "ok", "body": ["list"]}, "body must be a string"),
        ({"title": "ok", "body": "b" * 10_001}, "body must be 0 to 10000 characters"),
        ({"title": "ok", "owner": "someone"}, "unknown field: owner; allowed: body, title"),
        ({"title": "ok", "workspace_id": "123"}, "unknown field: workspace_id; allowed: body, title"),
        ("x" * (64 * 1024 + 1), "request body too large: at most 65536 bytes"),
        ('{"title": "\\ud800"}', "title must be valid Unicode text (no lone surrogates)"),
        ('{"title": "ok", "body": "a\\udfffb"}', "body must be valid Unicode text (no lone surrogates)"),
        ('{"title": "\ud800"}', "title must be valid Unicode text (no lone surrogates)"),
    ],
)
def test_unacceptable_create_body_is_400_with_a_clear_message(documents, body, message):
    answer = documents.invoke(proxy_event("POST", "/documents", auth=writer(), body=body))
    assert answer.status == 400
    assert answer.body == {"message": message}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_largest_valid_document_fits_under_the_body_cap_even_fully_escaped(documents):
    body = json.dumps({"title": "\u0001" * 200, "body": "\u0001" * 10_000})  # every character as \\u0001
    answer = documents.invoke(proxy_event("POST", "/documents", auth=writer(), body=body))
    assert answer.status == 201
    assert answer.body["body"] == "\u0001" * 10_000


def test_size_cap_counts_bytes_not_characters(documents):
    body = json.dumps({"title": "ok", "body": "\u00e9" * 33_000}, ensure_ascii=False)  # 33,000 chars, 66,000 bytes
    answer = documents.invoke(proxy_event("POST", "/documents", auth=writer(), body=body))
    assert answer.status == 400
    assert answer.body == {"message": "request body too large: at most 65536 bytes"}


def test_tenant_fields_in_the_body_or_query_are_never_used(documents):
    auth, victim = writer(), writer()
    answer = documents.invoke(
        proxy_event(
            "GET",
            "/documents",
            auth=auth,
            query={"workspace": victim.workspace_id, "workspaceId": victim.workspace_id},
            headers={"X-Workspace-Id": victim.workspace_id},
        )
    )
    victim_document = create(documents, victim).body["id"]
    assert answer.status == 200
    assert get(documents, auth, victim_document).status == 404


@pytest.mark.parametrize("document_id", ["x" * 129, "a.b", "a:b", "a$b"])
def test_document_id_that_could_not_be_ours_is_400(documents, document_id):
    auth = writer()
    for answer in (get(documents, auth, document_id), delete(documents, auth, document_id)):
        assert answer.status == 400
        assert answer.body == {"message": "documentId must be 1 to 128 letters, digits, '-' or '_'"}


def test_a_deeply_nested_body_is_a_400_not_a_500(documents):
    # ~40 KB of brackets, under the 64 KB cap: deeper than the JSON parser's recursion limit.
    nested = '{"title": "t", "body": ' + "[" * 20_000 + "]" * 20_000 + "}"
    answer = documents.invoke(proxy_event("POST", "/documents", auth=writer(), body=nested))
    assert answer.status == 400
    assert answer.body == {"message": "request body is nested too deeply"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
