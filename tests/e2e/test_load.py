"""A small bounded load run against the shared stack (the full one is `make load`)."""

from __future__ import annotations

import re

import pytest

from local_stack.drills.load import run_load

pytestmark = pytest.mark.e2e


def _is_nearest_rank(reported_ms: float, latencies_ms: list[float], fraction: float) -> bool:
    """Whether ``reported_ms`` (rounded to 0.01) is the nearest-rank percentile of ``latencies_ms``:
    at most ``int(fraction * n)`` latencies below it and more than that at or below it."""
    rank = int(fraction * len(latencies_ms))
    below = sum(1 for ms in latencies_ms if ms < reported_ms - 0.005)
    at_or_below = sum(1 for ms in latencies_ms if ms <= reported_ms + 0.005)
    return below <= rank < at_or_below


def test_concurrent_clients_of_every_kind_and_several_tenants_get_no_5xx_nothing_of_another_tenant_and_lose_no_write(stack):
    """Sessions, API keys and OAuth clients (JWT and opaque), as `make load` sends them, on the stack's
    own settings (the authorizer cache on)."""
    result = run_load(stack.api, stack.idp, oauth=stack.oauth, gateway=stack.gateway, clients=11, requests_per_client=24,
                      token_every=7, admin=stack.admin, burst_tokens=24)
    assert result.requests == 264
    # 24 fresh tokens at once went first, then one client alone (44 requests): both checked like the rest,
    # not timed; so are the rate-limit check's 3 requests.
    assert len(result.calls) == 24 + 44 + 264 + 3 and len(result.burst_calls) == 24 and len(result.floor_calls) == 44
    assert [call.status for call in result.burst_calls] == [200] * 24
    assert result.server_errors == 0
    assert result.unexpected == [] and result.signed_out == []
    assert result.cross_tenant == [] and result.read_back.cross_tenant == []
    assert result.read_back.checked > 0 and result.read_back.lost == [] and result.read_back.failed == []
    assert result.passed
    # Every kind of caller was served, API keys wrote (and their writes were read back above), every
    # revoked key or opaque token was refused on its next request although its Allow was still cached,
    # and the key driven over its limit got 429 with Retry-After on the request that went over.
    assert set(result.requests_by_caller) == {"session", "api_key", "oauth_jwt", "oauth_opaque"}
    assert any(call.caller == "api_key" and call.route == "POST /documents" and call.status == 201 for call in result.calls)
    refused, sent = result.revocations
    assert sent >= 4 * 3 and refused == sent  # 4 clients with revocable credentials, 3 rotations each
    assert result.rate_limit is not None and "200, 200, 429 (Retry-After " in result.rate_limit
    # Each API-key or opaque-token request the policy let through cost exactly one gateway check (the
    # authorizer's on a cache miss, the function's otherwise); the only extra ones are cache misses on
    # routes the policy then refused: at most one per credential used while measured.
    checks, served = result.gateway_checks, result.gateway_judged_served
    credentials = sum(1 for call in result.calls if call.route == "GET /me (revoked)" and call.started >= result.started) + 4 + 1
    assert served <= checks["checks"] <= served + credentials, (checks, served, credentials)
    assert checks["faulted"] == 0 and checks["rate_limited"] == 1 and checks["rejected"] == refused
    assert result.oauth_jwks_fetches is not None
    # Every route was taken (each client starts with one round of all of them), every function ran,
    # and invocations overlapped: eleven clients are never served one at a time.
    assert {call.route for call in result.calls} >= {
        "GET /documents", "POST /documents", "GET /documents/{id}", "DELETE /documents/{id}", "GET /members",
        "PUT /members/{id}", "DELETE /members/{id}", "GET /me", "GET /whoami", "GET /health", "GET /hello"}
    assert all(peak >= 1 for peak in result.peak_concurrency.values()), result.peak_concurrency
    assert max(result.peak_concurrency.values()) >= 2, result.peak_concurrency


def test_the_reported_figures_are_those_of_the_calls_measured(stack):
    """The line's numbers, read back from the text, checked against the raw calls by the percentile's definition."""
    result = run_load(stack.api, stack.idp, clients=4, requests_per_client=30, token_every=7, burst_tokens=6,
                      floor_requests=21)
    line = result.line()
    figures = re.search(r"p50 ([\d.]+) ms, p99 ([\d.]+) ms \(([\d.]+)x and ([\d.]+)x the one-client floor of ([\d.]+) ms\);"
                        r" burst of 6 new tokens at once: 6 x 200, p50 ([\d.]+) ms, p99 ([\d.]+) ms", line)
    assert figures, line
    p50, p99, p50_ratio, p99_ratio, floor, burst_p50, burst_p99 = map(float, figures.groups())
    measured = [call.latency_ms for call in result.calls if call.started >= result.started]
    assert len(measured) == 120 and f"{len(measured)} requests (after {6 + 21 + 0} warm-up)" in line
    assert _is_nearest_rank(p50, measured, 0.50) and _is_nearest_rank(p99, measured, 0.99)
    assert _is_nearest_rank(floor, [call.latency_ms for call in result.floor_calls], 0.50)
    burst = [call.latency_ms for call in result.burst_calls]
    assert _is_nearest_rank(burst_p50, burst, 0.50) and _is_nearest_rank(burst_p99, burst, 0.99)
    assert floor > 0
    for ratio, figure in ((p50_ratio, p50), (p99_ratio, p99)):  # one decimal, from figures rounded to 0.01 ms
        assert abs(ratio - figure / floor) <= 0.05 + 0.01 * figure / floor, (ratio, figure, floor)
