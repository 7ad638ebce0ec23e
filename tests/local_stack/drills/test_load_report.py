"""local_stack.drills.load: the figures its line reports and what makes a run fail (pure logic, made-up calls).

The latencies are chosen so that every figure is known in advance: a wrong percentile, a ratio to
the wrong floor, the burst left out of the 5xx count would each change the line or the verdict.
"""

from __future__ import annotations

import pytest

from local_stack.drills.load import Call, LoadResult
from local_stack.drills.write_ledger import ReadBack


def _calls(latencies_ms: list[float], *, start: float, status: int = 200, route: str = "GET /me") -> list[Call]:
    return [Call(start + i, start + i + ms / 1000, route, status, status == 200) for i, ms in enumerate(latencies_ms)]


def _result(*, burst_status: int = 200) -> LoadResult:
    floor = _calls([4.0] * 21 + [40.0] * 20, start=100.0)  # p50: 4 ms (the 21st of 41, nearest rank)
    measured = _calls([10.0] * 60 + [30.0] * 39 + [400.0], start=1000.0)  # p50: index 50 (10 ms); p99: index 99 (400)
    burst = _calls([8.0] * 3 + [80.0], start=10.0, status=burst_status)  # p50 index 2 -> 8 ms; p99 index 3 -> 80 ms
    result = LoadResult(read_back=ReadBack(checked=5), started=1000.0, elapsed_seconds=2.0)
    result.burst_calls = burst
    result.floor_calls = floor
    result.calls = burst + floor + measured
    return result


def test_the_line_reports_percentiles_of_the_measured_phase_as_multiples_of_the_one_client_floor():
    result = _result()
    assert (result.requests, result.warmup_requests) == (100, 45)
    assert result.floor_p50_ms == pytest.approx(4.0)
    line = result.line()
    assert "100 requests (after 45 warm-up) in 2.0 s: 50.0 req/s, p50 10.0 ms, p99 400.0 ms" in line
    assert "(2.5x and 100.0x the one-client floor of 4.0 ms)" in line


def test_the_line_reports_the_burst_against_the_same_floor():
    line = _result().line()
    assert "burst of 4 new tokens at once: 4 x 200, p50 8.0 ms, p99 80.0 ms (2.0x and 20.0x the floor);" in line


def test_a_clean_run_passes():
    result = _result()
    assert result.passed and result.failures() == [] and result.server_errors == 0
    assert "5xx 0, unexpected 0, signed out 0, cross-tenant 0, lost writes 0 of 5 checked" in result.line()


def test_a_5xx_in_the_burst_fails_the_run_though_the_burst_is_not_timed_with_the_load():
    result = _result(burst_status=500)
    assert not result.passed and result.server_errors == 4
    assert "4 x 200" not in result.line() and "0 x 200" in result.line() and "5xx 4" in result.line()


def test_a_lost_write_a_cross_tenant_result_or_an_unexpected_status_each_fails_the_run():
    lost = _result()
    lost.read_back = ReadBack(checked=5, lost=["document d1"])
    crossed = _result()
    crossed.cross_tenant.append("GET /me answered another session")
    odd = _result()
    odd.unexpected_calls.append((odd.calls[0], "GET /me: 403"))
    for result in (lost, crossed, odd):
        assert not result.passed and len(result.failures()) == 1


def test_without_a_floor_the_ratios_say_so_instead_of_dividing_by_zero():
    result = _result()
    result.floor_calls = []
    assert "(n/a and n/a the one-client floor of 0.0 ms)" in result.line()


def test_what_the_admin_port_told_is_reported_when_it_was_read():
    result = _result()
    assert "cold starts" not in result.line() and "(environments): n/a" in result.line()
    result.cold_starts_measured = 3
    result.peak_concurrency, result.environments = {"MeFunction": 9, "HealthFunction": 2}, {"MeFunction": 4, "HealthFunction": 1}
    assert result.line().endswith("peak concurrency (environments): Me 9 (4) Health 2 (1); cold starts while measured: 3")


def test_the_line_reports_the_other_callers_revocations_the_rate_limit_and_the_gateway_checks_per_request():
    result = _result()
    assert "callers:" not in result.line()  # sessions only: nothing to say
    start = 2000.0
    keys = [Call(start + i, start + i + 0.01, "GET /documents", 200, True, "api_key") for i in range(6)]
    keys += [Call(start + 7, start + 7.01, "GET /members", 403, True, "api_key", refused_by_policy=True),
             Call(start + 8, start + 8.01, "GET /health", 200, True, "api_key"),  # no authorizer, no check
             Call(start + 9, start + 9.01, "GET /me (revoked)", 401, True, "oauth_opaque")]
    result.calls += keys + [Call(start, start + 0.01, "GET /me", 200, True, "oauth_jwt")]
    result.rate_limit = "a key limited to 2/min answered 200, 200, 429 (Retry-After 37 s)"
    result.gateway_checks = {"checks": 8, "allowed": 6, "permission_denied": 0, "rate_limited": 0, "rejected": 1,
                             "bad_request": 0, "faulted": 1}
    result.oauth_jwks_fetches = 2
    line = result.line()
    assert (" callers: api_key 8, oauth_jwt 1, oauth_opaque 1, session 100; revoked credentials refused 1 of 1; "
            "a key limited to 2/min answered 200, 200, 429 (Retry-After 37 s); gateway checks while measured 8 for 7 "
            "API-key/opaque requests past the policy (1.14 per request; allowed 6, permission denied 0, rate limited 0, "
            "rejected 1, bad request 0, faulted 1); OAuth JWKS fetches 2;") in line
    assert result.passed


def test_a_run_with_every_kind_of_caller_that_left_a_kind_or_the_revocation_untried_fails():
    """With the OAuth app and the gateway given, too few clients (fewer than six leave a kind out) or
    too few requests per credential (no revocation) would let those checks pass without having run."""
    from local_stack.drills.load import untried

    result = _result()  # sessions only, nothing revoked
    assert untried(result) == ["no api_key, oauth_jwt, oauth_opaque request was measured (every kind needs --clients 6 or more)",
                               "no revoked credential was tried (--requests must exceed --token-every)"]
    result.calls += [Call(1000.0 + i, 1000.01 + i, "GET /me", 200, True, kind) for i, kind in
                     enumerate(("api_key", "oauth_jwt", "oauth_opaque"))]
    result.calls.append(Call(1005.0, 1005.01, "GET /me (revoked)", 401, True, "api_key"))
    assert untried(result) == []
    result.untried = ["no revoked credential was tried (--requests must exceed --token-every)"]
    assert not result.passed and result.failures() == result.untried
