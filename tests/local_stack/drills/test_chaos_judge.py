"""local_stack.drills.chaos: how 5xx answers are attributed to faults and what counts as a violation (pure logic)."""

from __future__ import annotations

import pytest

from local_stack.drills.chaos import ChaosResult, FaultWindow, _judge
from local_stack.drills.load import Call, LoadResult
from local_stack.drills.write_ledger import ReadBack


def _result(calls: list[Call], unexpected: list[Call] = ()) -> ChaosResult:
    load = LoadResult(calls=calls, read_back=ReadBack(checked=3))
    load.unexpected_calls = [(call, f"{call.route}: {call.status}") for call in unexpected]
    faults = [FaultWindow("dynamodb-down", 10.0, 15.0, 3.0), FaultWindow("backend-api-down", 30.0, 35.0, 3.0)]
    result = ChaosResult(load, faults)
    _judge(result)
    return result


def test_5xx_during_a_fault_are_its_effect_and_no_violation():
    result = _result([Call(11.0, 11.1, "GET /documents", 503, False), Call(14.9, 16.0, "GET /documents", 503, False),
                      Call(31.0, 31.1, "GET /whoami", 502, False)])
    assert [f.server_errors for f in result.faults] == [2, 1]
    assert result.violations() == []


def test_a_5xx_shortly_after_a_fault_is_recovery_within_the_bound():
    result = _result([Call(17.0, 17.1, "GET /documents", 503, False)])
    assert result.faults[0].recovery_seconds == 2.0 and result.violations() == []


def test_a_5xx_past_the_bound_is_a_violation_naming_the_request():
    result = _result([Call(19.0, 19.1, "PUT /members/{id}", 503, False)])
    (violation,) = result.violations()
    assert "dynamodb-down not recovered within 3.0 s" in violation and "PUT /members/{id} 503" in violation


def test_a_request_started_before_the_next_fault_but_ended_in_it_belongs_to_that_fault():
    result = _result([Call(29.0, 30.5, "GET /whoami", 502, False)])
    assert result.faults[1].server_errors == 1 and result.faults[0].recovery_seconds == 0.0
    assert result.violations() == []


def test_a_5xx_before_any_fault_is_a_violation():
    assert len(_result([Call(1.0, 1.1, "GET /me", 500, False)]).violations()) == 1


def test_a_401_is_always_a_violation():
    result = _result([Call(12.0, 12.1, "GET /me", 401, False)])
    result.load.signed_out.append("alice GET /me: 401")
    assert result.violations() == ["signed out: alice GET /me: 401"]


def test_a_204_for_deleting_a_missing_item_is_idempotent_only_while_dynamodb_fails():
    during = Call(12.0, 12.1, "DELETE /members/{id}", 204, False)
    after = Call(25.0, 25.1, "DELETE /members/{id}", 204, False)
    other_fault = Call(31.0, 31.1, "DELETE /members/{id}", 204, False)
    result = _result([during, after, other_fault], unexpected=[during, after, other_fault])
    assert result.idempotent_deletes == ["DELETE /members/{id}: 204"]
    assert result.violations() == ["unexpected status: DELETE /members/{id}: 204"] * 2


def test_a_404_on_deleting_ones_own_item_is_a_violation_even_during_a_fault():
    during = Call(12.0, 12.1, "DELETE /members/{id}", 404, False)
    forbidden = Call(12.0, 12.1, "GET /documents", 403, False)
    result = _result([during, forbidden], unexpected=[during, forbidden])
    assert result.violations() == ["unexpected status: DELETE /members/{id}: 404", "unexpected status: GET /documents: 403"]


def test_lost_writes_and_cross_tenant_reads_found_by_the_read_back_are_violations():
    result = _result([])
    result.load.read_back = ReadBack(checked=2, lost=["document d1"], cross_tenant=["document d2 read by ws"])
    assert result.violations() == ["cross-tenant: document d2 read by ws", "lost write: document d1"]


def _gateway_result(calls: list[Call]) -> ChaosResult:
    """gateway-down switched on at 10.1 and about to be off at 14.9 (10.0 to 15.0 with the admin's answers)."""
    load = LoadResult(calls=calls, read_back=ReadBack(checked=3))
    window = FaultWindow("gateway-down", 10.0, 15.0, 3.0, switched_on=10.1, switched_off=14.9)
    result = ChaosResult(load, [window], gateway_budget_seconds=4.5)
    _judge(result)
    return result


def _key(started: float, status: int, seconds: float = 0.05, route: str = "GET /documents", caller: str = "api_key") -> Call:
    return Call(started, started + seconds, route, status, status == 200, caller)


RECOVERED = [_key(20.0, 200), _key(20.5, 200, route="GET /me", caller="oauth_opaque")]
"""After the fault: each kind the gateway judges served again."""
SESSION_SERVED = _key(12.5, 200, route="GET /me", caller="session")
"""During the fault: a session served (the gateway's fault is not its)."""


def test_while_the_gateway_is_down_keys_and_opaque_tokens_get_quick_5xx_and_sessions_are_served():
    result = _gateway_result([_key(11.0, 500), _key(12.0, 503, route="GET /me", caller="oauth_opaque"),
                              _key(12.0, 200, route="GET /health"), _key(12.1, 200, route="GET /hello"),
                              _key(12.2, 200, caller="session"), _key(12.3, 200, route="GET /me", caller="oauth_jwt"),
                              *RECOVERED])
    assert result.violations() == []
    (fault,) = result.faults
    assert (fault.gateway_judged_5xx, fault.others_served) == (2, 2)
    assert "API-key/opaque 5xx 2, slowest 0.1 s <= 4.5 s; sessions/JWT served 2" in result.line()


def test_a_401_to_a_key_while_the_gateway_is_down_fails_the_run():
    result = _gateway_result([_key(11.0, 401), SESSION_SERVED, *RECOVERED])
    result.load.signed_out.append("key Acme Docs (write) GET /documents: 401")  # as judge_call records it
    assert result.violations() == ["signed out: key Acme Docs (write) GET /documents: 401",
                                   "gateway-down: GET /documents 401 for api_key, not a 5xx"]


def test_a_key_served_while_the_gateway_is_down_fails_the_run_it_skipped_the_check():
    result = _gateway_result([_key(11.0, 200), SESSION_SERVED, *RECOVERED])
    assert result.violations() == ["gateway-down: GET /documents 200 for api_key, not a 5xx"]


def test_an_answer_to_a_request_sent_just_before_the_switch_or_answered_after_it_is_not_judged_as_held():
    result = _gateway_result([_key(10.05, 200), _key(14.8, 200, seconds=0.3), _key(11.0, 503), SESSION_SERVED, *RECOVERED])
    assert result.violations() == []


def test_a_5xx_past_the_budget_fails_the_run_even_when_it_arrives_after_the_switch_is_off():
    result = _gateway_result([_key(14.0, 500, seconds=3.1), _key(14.5, 500, seconds=5.0), SESSION_SERVED, *RECOVERED])
    assert result.violations() == ["gateway-down: GET /documents 500 for api_key after 5.0 s, past 4.5 s"]
    assert result.faults[0].slowest_5xx_seconds == 5.0


def test_a_session_or_jwt_5xx_during_a_gateway_fault_or_its_recovery_fails_the_run():
    result = _gateway_result([_key(11.0, 502, caller="session"), _key(16.0, 500, route="GET /me", caller="oauth_jwt"),
                              _key(17.0, 503, route="GET /hello"), _key(11.5, 503), SESSION_SERVED, *RECOVERED])
    assert result.violations() == ["gateway-down: GET /documents 502 for session: its verification never asks the gateway",
                                   "gateway-down: GET /me 500 for oauth_jwt: its verification never asks the gateway",
                                   "gateway-down: GET /hello 503 for api_key: its verification never asks the gateway"]


def test_a_kind_never_served_again_after_the_fault_fails_the_run():
    result = _gateway_result([_key(11.0, 500), _key(12.0, 500, route="GET /me", caller="oauth_opaque"), SESSION_SERVED,
                              _key(20.0, 200), _key(20.5, 403, route="GET /documents", caller="oauth_opaque")])
    assert result.violations() == ["gateway-down: no oauth_opaque request served again after the fault"]


def test_a_gateway_fault_no_key_or_opaque_token_met_fails_the_run_rather_than_pass_unjudged():
    """With too few clients (``--clients 1``: one session) nothing the gateway judges is sent while it
    fails: "no 401, no Allow, 5xx within the budget" would all hold without having been tried."""
    result = _gateway_result([_key(12.2, 200, caller="session"), _key(20.0, 200, caller="session")])
    assert result.violations() == ["gateway-down: no API-key or opaque-token request met it"]


def test_a_gateway_fault_during_which_no_session_or_jwt_was_served_fails_the_run():
    result = _gateway_result([_key(11.0, 500), _key(12.0, 503, route="GET /me", caller="oauth_opaque"), *RECOVERED])
    assert result.violations() == ["gateway-down: no session or OAuth JWT request was served while it was on"]


def test_a_key_request_caught_by_the_switch_before_the_admin_answered_counts_as_meeting_the_fault():
    """The stand-in turns slow as soon as the admin takes the switch, before the admin's answer
    (``switched_on``): a key request sent in between waits out the 3 s deadline, and with a 2 s fault it
    is the only one that client sends during it. It met the fault: its 5xx is counted and timed."""
    caught = _key(10.05, 504, seconds=3.2)  # sent after the switch was asked for, before the admin answered
    result = _gateway_result([caught, SESSION_SERVED, *RECOVERED])
    assert result.violations() == []
    assert (result.faults[0].gateway_judged_5xx, result.faults[0].slowest_5xx_seconds) == (1, pytest.approx(3.2))
    late = _gateway_result([_key(10.05, 504, seconds=4.8), SESSION_SERVED, *RECOVERED])
    assert late.violations() == ["gateway-down: GET /documents 504 for api_key after 4.8 s, past 4.5 s"]
