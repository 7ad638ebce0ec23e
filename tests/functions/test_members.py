"""/members through the MembersFunction handler against moto's DynamoDB server."""

from __future__ import annotations

import pytest

from tests.functions.conftest import new_id, session_of
from tests.functions.events import ALLOWED_ORIGIN, proxy_event

MANAGE = ("members:manage",)


def manager(organization: str | None = None):
    return session_of(organization=organization or new_id(), workspace=new_id(), organization_permissions=MANAGE)


def put(members, auth, member_id, body):
    return members.invoke(proxy_event("PUT", "/members/{memberId}", auth=auth, path_parameters={"memberId": member_id}, body=body))


def delete(members, auth, member_id):
    return members.invoke(proxy_event("DELETE", "/members/{memberId}", auth=auth, path_parameters={"memberId": member_id}))


def listing(members, auth, **query):
    return members.invoke(proxy_event("GET", "/members", auth=auth, query={k: str(v) for k, v in query.items()}))


def test_put_adds_a_member_and_answers_200_with_the_record(members):
    auth, member_id = manager(), new_id()
    answer = put(members, auth, member_id, {"role": "organization:member"})
    assert answer.status == 200
    assert answer.body["member_id"] == member_id
    assert answer.body["role"] == "organization:member"
    assert answer.body["updated_by"] == auth.user_id
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert listing(members, auth).body == {"items": [answer.body], "next_cursor": None}


def test_put_again_updates_the_role_in_place(members):
    auth, member_id = manager(), new_id()
    put(members, auth, member_id, {"role": "organization:member"})
    answer = put(members, auth, member_id, {"role": "organization:admin"})
    assert answer.status == 200
    items = listing(members, auth).body["items"]
    assert [(m["member_id"], m["role"]) for m in items] == [(member_id, "organization:admin")]


def test_any_organization_member_may_list_but_only_members_manage_may_change(members):
    organization = new_id()
    admin = manager(organization)
    viewer = session_of(organization=organization, organization_permissions=("organization:member",))
    member_id = new_id()
    put(members, admin, member_id, {"role": "organization:member"})
    assert [m["member_id"] for m in listing(members, viewer).body["items"]] == [member_id]
    for answer in (put(members, viewer, new_id(), {"role": "organization:admin"}), delete(members, viewer, member_id)):
        assert answer.status == 403
        assert answer.body == {"message": "Missing required permission: members:manage"}
    assert len(listing(members, admin).body["items"]) == 1


def test_members_manage_in_the_workspace_list_grants_nothing_in_the_organization(members):
    auth = session_of(organization=new_id(), workspace=new_id(), workspace_permissions=MANAGE)
    answer = put(members, auth, new_id(), {"role": "organization:member"})
    assert answer.status == 403
    assert answer.body == {"message": "Missing required permission: members:manage"}


@pytest.mark.parametrize(
    ("method", "resource", "extra"),
    [
        ("GET", "/members", {}),
        ("PUT", "/members/{memberId}", {"path_parameters": {"memberId": "1"}, "body": {"role": "organization:member"}}),
        ("DELETE", "/members/{memberId}", {"path_parameters": {"memberId": "1"}}),
    ],
)
def test_every_members_route_without_an_active_organization_is_403_organization_required(members, method, resource, extra):
    auth = session_of(organization=None, workspace=new_id(), workspace_permissions=MANAGE)
    answer = members.invoke(proxy_event(method, resource, auth=auth, **extra))
    assert answer.status == 403
    assert answer.body == {"message": "organization required"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_delete_answers_204_and_a_second_delete_is_404(members):
    auth, member_id = manager(), new_id()
    put(members, auth, member_id, {"role": "organization:member"})
    assert delete(members, auth, member_id).status == 204
    again = delete(members, auth, member_id)
    assert again.status == 404
    assert again.body == {"message": "member not found"}


def test_removing_a_member_of_another_organization_is_404_and_leaves_them_there(members):
    owner, stranger, member_id = manager(), manager(), new_id()
    put(members, owner, member_id, {"role": "organization:member"})
    answer = delete(members, stranger, member_id)
    assert answer.status == 404
    assert answer.body == {"message": "member not found"}
    assert [m["member_id"] for m in listing(members, owner).body["items"]] == [member_id]


def test_putting_the_same_member_id_in_two_organizations_keeps_two_separate_records(members):
    first, second, member_id = manager(), manager(), new_id()
    put(members, first, member_id, {"role": "organization:admin"})
    put(members, second, member_id, {"role": "organization:member"})
    assert [m["role"] for m in listing(members, first).body["items"]] == ["organization:admin"]
    assert [m["role"] for m in listing(members, second).body["items"]] == ["organization:member"]


def test_list_pages_with_limit_and_cursor(members):
    auth = manager()
    ids = sorted(new_id() for _ in range(3))
    for member_id in ids:
        put(members, auth, member_id, {"role": "organization:member"})
    first = listing(members, auth, limit=2).body
    second = listing(members, auth, limit=2, cursor=first["next_cursor"]).body
    assert [m["member_id"] for m in first["items"] + second["items"]] == ids


def test_a_document_cursor_is_not_a_member_cursor(members):
    cursor = "RE9DIzEyMw"  # "DOC#123"
    answer = listing(members, manager(), cursor=cursor)
    assert answer.status == 400
    assert answer.body == {"message": "invalid cursor"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "request body required: a JSON object"),
        ("nope", "request body is not valid JSON"),
        ({}, "role is required"),
        ({"role": ""}, "role must be 1 to 64 characters"),
        ({"role": 7}, "role must be a string"),
        ({"role": "Admin"}, "role must be lowercase letters, digits, '-' or '_', optionally as 'scope:name'"),
        ({"role": "a:b:c"}, "role must be lowercase letters, digits, '-' or '_', optionally as 'scope:name'"),
        ({"role": "r" * 65}, "role must be 1 to 64 characters"),
        ('{"role": "organization:\\ud800"}', "role must be valid Unicode text (no lone surrogates)"),
        ({"role": "organization:member", "organization_id": "1"}, "unknown field: organization_id; allowed: role"),
    ],
)
def test_unacceptable_member_body_is_400_with_a_clear_message(members, body, message):
    answer = put(members, manager(), new_id(), body)
    assert answer.status == 400
    assert answer.body == {"message": message}


@pytest.mark.parametrize("member_id", ["m" * 129, "a.b", "a:b"])
def test_member_id_that_could_not_be_a_key_is_400(members, member_id):
    auth = manager()
    for answer in (put(members, auth, member_id, {"role": "organization:member"}), delete(members, auth, member_id)):
        assert answer.status == 400
        assert answer.body == {"message": "memberId must be 1 to 128 letters, digits, '-' or '_'"}
