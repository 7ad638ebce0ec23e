"""Key rotation at the dev IdP, picked up by the warm authorizer through its JWKS refetch.

Its own stack: rotating changes the signing key for every later token. The authorizer refetches
the key set for an unknown kid at most once per cooldown (5 s, wacht_auth.JwksCache), so a token
of the new key gets a retryable 500 (never a 401: that would sign the user out) until the cooldown
since the cold-start fetch has passed, then is accepted.
"""

from __future__ import annotations

import inspect
import time

import pytest

from tests.support.stack import running_stack
from wacht_auth import JwksCache

pytestmark = pytest.mark.e2e

REFETCH_COOLDOWN_SECONDS = inspect.signature(JwksCache).parameters["cooldown_seconds"].default
"""What the authorizer runs with: TokenVerifier.from_settings builds JwksCache with its defaults."""


def _wait_out_the_refetch_cooldown(stack) -> None:
    while True:
        since = stack.stats()["idp"]["seconds_since_last_jwks_request"]
        remaining = REFETCH_COOLDOWN_SECONDS + 1.0 - since
        if remaining <= 0:
            return
        time.sleep(min(remaining, 5.0))


def test_a_token_signed_by_the_rotated_key_is_accepted_once_the_authorizer_refetches():
    with running_stack() as stack:
        before_rotation = stack.mint("alice")
        assert stack.request("GET", "/me", token=before_rotation)[0] == 200  # cold start: key set fetched

        status, _, rotated = stack.request("POST", "/rotate", base=stack.idp)
        assert status == 200 and len(rotated["published"]) == 2  # the old key stays published
        after_rotation = stack.mint("alice")

        # Within the cooldown after the cold-start fetch the new kid cannot be checked yet, and the
        # token is newer than our key set: a likely rotation, so a retryable 500, never a 401 that
        # would sign the user out. (On a slow machine the cooldown may be over already: then the
        # first use refetches and is accepted at once.)
        jwks_requests = stack.stats()["idp"]["jwks_requests"]
        status = stack.request("GET", "/me", token=after_rotation)[0]
        assert status in (500, 200)
        if status == 500:
            assert stack.stats()["idp"]["jwks_requests"] == jwks_requests  # no refetch within the cooldown
            _wait_out_the_refetch_cooldown(stack)
            assert stack.request("GET", "/me", token=after_rotation)[0] == 200
        assert stack.stats()["idp"]["jwks_requests"] == jwks_requests + 1

        fresh_old_key_session = stack.mint("bob")  # signed by the new key too
        assert stack.request("GET", "/documents", token=fresh_old_key_session)[0] == 200
        stack.flush_authorizer_cache()
        assert stack.request("GET", "/me", token=before_rotation)[0] == 200  # old key still published: still valid
