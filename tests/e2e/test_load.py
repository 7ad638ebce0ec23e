"""A small bounded load run against the shared stack (the full one is `python -m local_stack.load`)."""

from __future__ import annotations

import pytest

from local_stack.load import run_load

pytestmark = pytest.mark.e2e


def test_concurrent_clients_of_several_tenants_get_no_5xx_and_nothing_of_another_tenant(stack):
    result = run_load(stack.api, stack.idp, clients=10, requests_per_client=20, token_every=7)
    assert result.requests == 200
    assert result.server_errors == 0
    assert result.cross_tenant == []
    assert result.unexpected == []
