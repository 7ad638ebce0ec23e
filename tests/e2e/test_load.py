"""A small bounded load run against the shared stack (the full one is `make load`)."""

from __future__ import annotations

import pytest

from local_stack.drills.load import run_load

pytestmark = pytest.mark.e2e


def test_concurrent_clients_of_several_tenants_get_no_5xx_nothing_of_another_tenant_and_lose_no_write(stack):
    result = run_load(stack.api, stack.idp, clients=10, requests_per_client=24, token_every=7, admin=stack.admin)
    assert result.requests == 240
    # One client alone went first (44 requests, checked like the rest, not timed): the run's floor.
    assert len(result.calls) == 240 + 44 and result.floor_p50_ms > 0
    assert f"floor of {round(result.floor_p50_ms, 2)} ms" in result.line()
    assert result.server_errors == 0
    assert result.unexpected == [] and result.signed_out == []
    assert result.cross_tenant == [] and result.read_back.cross_tenant == []
    assert result.read_back.checked > 0 and result.read_back.lost == [] and result.read_back.failed == []
    # Every route was taken (each client starts with one round of all of them), every function ran,
    # and invocations overlapped: ten clients are never served one at a time.
    assert {call.route for call in result.calls} >= {
        "GET /documents", "POST /documents", "GET /documents/{id}", "DELETE /documents/{id}", "GET /members",
        "PUT /members/{id}", "DELETE /members/{id}", "GET /me", "GET /whoami", "GET /health", "GET /hello"}
    assert all(peak >= 1 for peak in result.peak_concurrency.values()), result.peak_concurrency
    assert max(result.peak_concurrency.values()) >= 2, result.peak_concurrency
