"""A token the gateway's authorizer cache still honours after ``exp`` is refused by the function.

API Gateway keeps an Allow for the cache TTL (300 s here) per Authorization value, whatever the
token's ``exp``. Through the local gateway with that cache on: the first call is allowed and
cached; once ``exp`` + the 5 s clock skew has passed, the next call is served from the cache
(the authorizer is not asked) and the function answers 401 ``token expired``, with CORS headers;
a fresh token then works, which is the app's one refresh-and-retry.

To keep the wait short the token is minted already past its ``exp`` by 3 s, inside the skew
the authorizer tolerates, so it stays acceptable for about 2 s.
"""

from __future__ import annotations

import base64
import json
import time

import pytest

from tests.e2e.conftest import ALLOWED_ORIGIN

pytestmark = pytest.mark.e2e

CLOCK_SKEW_SECONDS = 5
"""WACHT_CLOCK_SKEW_SECONDS' default, which the authorizer and the functions both use."""


def expires_at(token: str) -> int:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"]


def test_a_cached_allow_that_outlived_its_token_is_refused_by_the_function(stack):
    origin = {"Origin": ALLOWED_ORIGIN}
    assert stack.request("GET", "/me", token=stack.mint("alice"), headers=origin)[0] == 200  # warm both cold starts
    for _ in range(3):  # bounded: a fresh mint if a busy machine ate the ~2 s window before the first call
        token = stack.mint("alice", expires_in=-3)
        exp = expires_at(token)
        invocations = stack.authorizer_invocations()
        status, _, _ = stack.request("GET", "/me", token=token, headers=origin)
        if status == 200:
            break
    assert status == 200, "the token was never accepted within its skew window"
    assert stack.authorizer_invocations() == invocations + 1  # the Allow is now cached for this Authorization value

    time.sleep(max(0.0, exp + CLOCK_SKEW_SECONDS + 0.3 - time.time()))  # at most ~2.3 s
    status, headers, body = stack.request("GET", "/me", token=token, headers=origin)
    assert (status, body) == (401, {"message": "token expired"})  # the function's words, not the gateway's "Unauthorized"
    assert headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert stack.authorizer_invocations() == invocations + 1  # served from the gateway's cache

    stack.flush_authorizer_cache()
    assert stack.request("GET", "/me", token=token, headers=origin)[::2] == (401, {"message": "Unauthorized"})  # uncached: the authorizer refuses
    assert stack.request("GET", "/me", token=stack.mint("alice"), headers=origin)[0] == 200  # the app's refresh-and-retry
