"""Function answers through the local gateway that issue #9 corrected: /whoami's allowlisted
fields, /hello never 401 (several Authorization values included), a deeply nested body is a 400."""

from __future__ import annotations

import json

import pytest

from api_support import PUBLIC_USER_FIELDS

pytestmark = pytest.mark.e2e


def test_whoami_answers_exactly_the_allowlisted_fields(stack, tokens):
    status, _, body = stack.request("GET", "/whoami", token=tokens["alice"])
    assert status == 200
    assert set(body) == set(PUBLIC_USER_FIELDS)
    assert all(isinstance(address, str) for address in body["email_addresses"])
    assert "deployment_id" not in json.dumps(body)  # a field of the Backend API's email records


@pytest.mark.parametrize("valid_first", [True, False], ids=["valid-then-garbage", "garbage-then-valid"])
def test_hello_with_two_authorization_values_is_a_stranger_not_401(stack, tokens, valid_first):
    pair = [("Authorization", f"Bearer {tokens['alice']}"), ("Authorization", "Bearer garbage")]
    assert stack.raw_get("/hello", pair if valid_first else pair[::-1]) == (200, {"message": "hello stranger"})


def test_a_deeply_nested_document_body_is_400(stack, tokens):
    nested = ('{"title": "t", "body": ' + "[" * 20_000 + "]" * 20_000 + "}").encode()
    status, _, body = stack.request("POST", "/documents", token=tokens["alice"], body=nested)
    assert (status, body) == (400, {"message": "request body is nested too deeply"})
