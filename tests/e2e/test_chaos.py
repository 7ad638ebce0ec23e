"""The short chaos run (`make chaos` is the long one): faults in turn under load, then every check.

Its own stack, with LOCAL_STACK_FAULTS=1: the shared one must not see DynamoDB go down.
"""

from __future__ import annotations

import pytest

from local_stack.drills.chaos import FAULTS, GATEWAY_FAULTS, chaos_stack_environment, run_chaos
from tests.support.stack import running_stack

pytestmark = pytest.mark.e2e

CLIENTS = 6
"""The first six callers of the mix: sessions (alice in two workspaces, bob), an API key, an OAuth
client with opaque tokens and one with JWTs (every kind, at the smallest read-back)."""


def test_under_every_fault_no_caller_is_signed_out_no_write_is_lost_and_each_fault_recovers_in_its_bound():
    with running_stack(chaos_stack_environment()) as stack:
        urls = {"api": stack.api, "idp": stack.idp, "oauth": stack.oauth, "gateway": stack.gateway, "admin": stack.admin}
        result = run_chaos(urls, clients=CLIENTS, fault_seconds=2.0, warm_seconds=1.5, dynamodb_delay_seconds=1.0)
        log = stack.log_tail(40)
    assert result.violations() == [], log
    assert [fault.name for fault in result.faults] == list(FAULTS)
    by_name = {fault.name: fault for fault in result.faults}
    # The faults bit: DynamoDB down and the Backend API down are answered 5xx while they last.
    assert by_name["dynamodb-down"].server_errors > 0 and by_name["backend-api-down"].server_errors > 0
    assert result.load.signed_out == [] and result.load.read_back.lost == []
    assert result.load.read_back.checked > 0
    # Every kind of caller took part; while Wacht's gateway was down or slow the API keys and opaque
    # tokens got 5xx within the budget and the sessions and JWTs kept being served (the judge's
    # breaches, none above, cover the rest: a 401 or 200 to a key, a 5xx to a session, no recovery).
    assert {call.caller for call in result.load.calls} == {"session", "api_key", "oauth_jwt", "oauth_opaque"}
    for name in GATEWAY_FAULTS:
        fault = by_name[name]
        assert fault.gateway_judged_5xx > 0 and fault.others_served > 0, result.line()
        assert 0 < fault.slowest_5xx_seconds <= result.gateway_budget_seconds
    assert by_name["gateway-slow"].slowest_5xx_seconds >= 3.0  # the gateway client's deadline, not an instant 503


def test_against_a_stack_without_fault_switches_it_refuses_and_says_how_to_start_one(stack, capsys):
    from local_stack.drills import chaos

    assert chaos.main(["--api", stack.api, "--idp", stack.idp, "--oauth", stack.oauth, "--gateway", stack.gateway,
                       "--admin", stack.admin]) == 2
    assert "start the stack with LOCAL_STACK_FAULTS=1" in capsys.readouterr().err
