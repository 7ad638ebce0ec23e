"""local_stack.drills.chaos: how 5xx answers are attributed to faults and what counts as a violation (pure logic)."""

from __future__ import annotations

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
