"""API Gateway's authorizer result cache, observed from outside: invocations counted by the admin side door."""

from __future__ import annotations

import time

import pytest

from tests.support.stack import running_stack

pytestmark = pytest.mark.e2e


def test_a_second_request_within_the_ttl_does_not_invoke_the_authorizer(stack):
    token = stack.mint("alice")  # a fresh token: nothing cached for it yet
    before = stack.authorizer_invocations()
    assert stack.request("GET", "/me", token=token)[0] == 200
    assert stack.authorizer_invocations() == before + 1
    assert stack.request("GET", "/me", token=token)[0] == 200
    assert stack.authorizer_invocations() == before + 1


def test_a_policy_cached_from_one_route_is_right_for_the_others(stack):
    bob = stack.mint("bob")
    before = stack.authorizer_invocations()
    assert stack.request("GET", "/documents", token=bob)[0] == 200
    assert stack.request("POST", "/documents", token=bob, body={"title": "x"})[0] == 403
    assert stack.request("GET", "/members", token=bob)[0] == 200
    assert stack.request("PUT", "/members/m-1", token=bob, body={"role": "organization:member"})[0] == 403
    assert stack.request("GET", "/documents/some-id", token=bob)[0] == 404  # allowed through, then not found
    assert stack.request("GET", "/whoami", token=bob)[0] == 200
    assert stack.authorizer_invocations() == before + 1


def test_a_cached_deny_does_not_block_an_allowed_route(stack):
    alice_legal = stack.mint("alice", workspace="Acme Legal")
    assert stack.request("POST", "/documents", token=alice_legal, body={"title": "x"})[0] == 403  # first call: a Deny
    assert stack.request("GET", "/documents", token=alice_legal)[0] == 200
    assert stack.request("PUT", "/members/m-2", token=alice_legal, body={"role": "organization:member"})[0] == 200


def test_a_refused_token_is_not_cached(stack):
    before = stack.authorizer_invocations()
    assert stack.request("GET", "/me", token="garbage-token")[::2] == (401, {"message": "Unauthorized"})
    assert stack.request("GET", "/me", token="garbage-token")[::2] == (401, {"message": "Unauthorized"})
    assert stack.authorizer_invocations() == before + 2


@pytest.mark.parametrize("valid_first", [True, False], ids=["valid-then-garbage", "garbage-then-valid"])
def test_a_valid_token_beside_garbage_is_401_and_leaves_no_policy_for_the_garbage(stack, valid_first):
    alice = f"Bearer {stack.mint('alice')}"
    garbage = f"Bearer garbage-{valid_first}"
    pair = [("Authorization", alice), ("authorization", garbage)]
    before = stack.authorizer_invocations()
    assert stack.raw_get("/me", pair if valid_first else pair[::-1]) == (401, {"message": "Unauthorized"})
    assert stack.raw_get("/me", [("Authorization", garbage)]) == (401, {"message": "Unauthorized"})
    assert stack.authorizer_invocations() == before + 2  # the garbage alone was asked about, not served a cache
    assert stack.raw_get("/me", [("Authorization", alice)])[0] == 200


def test_flushing_the_cache_makes_the_next_request_invoke_the_authorizer(stack):
    token = stack.mint("carol")
    stack.request("GET", "/me", token=token)
    before = stack.authorizer_invocations()
    stack.flush_authorizer_cache()
    assert stack.request("GET", "/me", token=token)[0] == 200
    assert stack.authorizer_invocations() == before + 1


def test_the_ttl_comes_from_the_template_parameter_and_expires():
    with running_stack({"AUTHORIZER_CACHE_TTL_SECONDS": "1"}) as short:
        token = short.mint("alice")
        short.request("GET", "/me", token=token)
        short.request("GET", "/me", token=token)
        assert short.authorizer_invocations() == 1
        time.sleep(1.2)
        assert short.request("GET", "/me", token=token)[0] == 200
        assert short.authorizer_invocations() == 2
