"""The short chaos run (`make chaos` is the long one): faults in turn under load, then every check.

Its own stack, with LOCAL_STACK_FAULTS=1: the shared one must not see DynamoDB go down.
"""

from __future__ import annotations

import pytest

from local_stack.drills.chaos import FAULTS, chaos_stack_environment, run_chaos
from tests.support.stack import running_stack

pytestmark = pytest.mark.e2e

CLIENTS = 6


def test_under_every_fault_no_session_is_signed_out_no_write_is_lost_and_each_fault_recovers_in_its_bound():
    with running_stack(chaos_stack_environment()) as stack:
        urls = {"api": stack.api, "idp": stack.idp, "admin": stack.admin}
        result = run_chaos(urls, clients=CLIENTS, fault_seconds=2.0, warm_seconds=1.5, dynamodb_delay_seconds=1.0)
        log = stack.log_tail(40)
    assert result.violations() == [], log
    assert [fault.name for fault in result.faults] == list(FAULTS)
    by_name = {fault.name: fault for fault in result.faults}
    # The faults bit: DynamoDB down and the Backend API down are answered 5xx while they last.
    assert by_name["dynamodb-down"].server_errors > 0 and by_name["backend-api-down"].server_errors > 0
    assert result.load.signed_out == [] and result.load.read_back.lost == []
    assert result.load.read_back.checked > 0


def test_against_a_stack_without_fault_switches_it_refuses_and_says_how_to_start_one(stack, capsys):
    from local_stack.drills import chaos

    assert chaos.main(["--api", stack.api, "--idp", stack.idp, "--admin", stack.admin]) == 2
    assert "start the stack with LOCAL_STACK_FAULTS=1" in capsys.readouterr().err
