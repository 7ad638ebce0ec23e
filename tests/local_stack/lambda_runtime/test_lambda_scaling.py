"""local_stack.lambda_runtime.account: the stack scales as Lambda does, within what this machine can hold.

Each rule with the invocations that must (not) be throttled: the account's quota shared by the
functions without a reservation, a reservation's cap, this machine's bound, a burst that waits
for cold starts of its own, and a queue at the cold-start gate that counts against neither the
init limit nor the function's Timeout.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

from local_stack.lambda_runtime.account import ACCOUNT_CONCURRENCY, LambdaAccount, MachineBound
from local_stack.lambda_runtime.pool import THROTTLED, FunctionError, LocalFunction
from tests.local_stack.lambda_runtime.test_lambda_runtime import _function as fixture_function, _in_parallel, _wait_until_busy

ROOMY = MachineBound(1000, "test: room for all")


def _function(name: str, account: LambdaAccount, *, environment: dict | None = None, **settings) -> LocalFunction:
    """test_lambda_runtime's fixture function, in ``account`` (``settings``: reserved, timeout_seconds, init_timeout_seconds)."""
    return fixture_function(name, {"GREETING": name} if environment is None else environment, account=account, **settings)


@pytest.fixture
def closing():
    made: list[LocalFunction] = []
    yield made.append
    for function in made:
        function.close()


def _kept(closing, function: LocalFunction) -> LocalFunction:
    closing(function)
    return function


def _throttled(answer) -> bool:
    return isinstance(answer, FunctionError) and answer.kind == THROTTLED


# --- the default: AWS's quota, no reservation ------------------------------------------------------

def test_by_default_a_function_shares_the_accounts_1000_less_reservations():
    account = LambdaAccount(machine=ROOMY)
    plain = _function("alpha", account)
    reserved = _function("beta", account, reserved=3)
    assert account.concurrency_limit == ACCOUNT_CONCURRENCY == 1000
    assert (plain.concurrency_limit, reserved.concurrency_limit) == (997, 3)
    assert plain.stats_json()["reserved_concurrency"] is None


def test_a_burst_beyond_ten_is_not_throttled_it_waits_for_cold_starts(closing):
    """The old local default (10 per function) answered the 11th concurrent invocation 'Rate Exceeded.'."""
    alpha = _kept(closing, _function("alpha", LambdaAccount(machine=ROOMY)))
    answers = _in_parallel(*[(alpha, {"sleep": 1.5})] * 14)
    assert [a for a in answers if isinstance(a, FunctionError)] == []
    stats = alpha.stats_json()
    assert (stats["throttles"], stats["invocations"], stats["errors"]) == (0, 14, 0)
    assert stats["peak_concurrency"] == 14  # all in flight at once, the ones waiting for their init included


def test_an_invocation_waiting_at_the_gate_takes_an_environment_that_became_idle(closing):
    account = LambdaAccount(machine=ROOMY, init_places=1)
    alpha = _kept(closing, _function("alpha", account))
    answers = _in_parallel(*[(alpha, {})] * 6)
    assert [a for a in answers if isinstance(a, FunctionError)] == []
    stats = alpha.stats_json()
    # One init at a time, each far longer than an invocation: the waiters are served by the
    # environments already started, not each by a cold start of its own.
    assert stats["cold_starts"] < 6 and stats["invocations"] == 6
    assert len({answer["pid"] for answer in answers}) == stats["cold_starts"]


def test_time_queued_at_the_gate_counts_against_neither_the_init_limit_nor_the_timeout(closing):
    """Five cold starts through one place, 0.6 s each, then 4 s of work: the last waits about 2.4 s before
    its init starts, longer than the 2 s init limit, and answers after more than the 5 s Timeout."""
    account = LambdaAccount(machine=ROOMY, init_places=1)
    slow = _kept(closing, _function("broken", account, environment={"SLEEP_AT_IMPORT": "0.6"},
                                    timeout_seconds=5, init_timeout_seconds=2))
    elapsed: list[float] = []

    def timed(function: LocalFunction, event: dict):
        started = time.monotonic()
        try:
            return function.invoke(event)
        finally:
            elapsed.append(time.monotonic() - started)

    answers = _in_parallel(*[(_Timed(slow, timed), {"sleep": 4})] * 5)
    assert answers == [{"ok": True}] * 5
    stats = slow.stats_json()
    assert (stats["cold_starts"], stats["errors"], stats["throttles"]) == (5, 0, 0)
    assert max(elapsed) > 5 + 2  # the wait really was longer than the limits it must not count against


class _Timed:
    """A function whose invoke goes through ``timed`` (what _in_parallel calls)."""

    def __init__(self, function: LocalFunction, timed) -> None:
        self._function, self._timed = function, timed

    def invoke(self, event: dict):
        return self._timed(self._function, event)


# --- the caps: a reservation, the account's quota ----------------------------------------------------

def test_a_reservation_caps_the_function_and_leaves_the_others_alone(closing):
    account = LambdaAccount(machine=ROOMY)
    capped = _kept(closing, _function("alpha", account, reserved=1))
    free = _kept(closing, _function("beta", account))
    holder = threading.Thread(target=capped.invoke, args=({"sleep": 1.0},))
    holder.start()
    _wait_until_busy(capped, 1)
    with pytest.raises(FunctionError) as throttled:
        capped.invoke({})
    answers = _in_parallel(*[(free, {"sleep": 0.2})] * 3)
    holder.join(30)
    assert throttled.value.kind == THROTTLED
    assert [a for a in answers if isinstance(a, FunctionError)] == []
    assert (capped.stats_json()["throttles"], free.stats_json()["throttles"]) == (1, 0)


def test_the_accounts_quota_is_shared_by_every_function_without_a_reservation(closing):
    account = LambdaAccount(3, machine=ROOMY)  # LOCAL_LAMBDA_CONCURRENCY=3
    alpha = _kept(closing, _function("alpha", account))
    beta = _kept(closing, _function("beta", account))
    answers = _in_parallel(*[(alpha, {"sleep": 1.0})] * 2, *[(beta, {"sleep": 1.0})] * 2)
    assert sum(_throttled(answer) for answer in answers) == 1
    assert account.stats_json()["unreserved_in_flight"] == 0  # every invocation, throttled or not, is counted out


# --- this machine's bound --------------------------------------------------------------------------

def test_at_the_machine_bound_an_idle_environment_of_another_function_makes_room(closing):
    account = LambdaAccount(machine=MachineBound(1, "test: one environment"))
    alpha = _kept(closing, _function("alpha", account))
    beta = _kept(closing, _function("beta", account))
    alpha.invoke({})
    assert beta.invoke({})["helper"] == "beta"
    stats = account.stats_json()
    assert (stats["environments"], stats["reclaimed_idle_environments"], stats["machine_throttles"]) == (1, 1, 0)
    assert alpha.stats_json()["environments"] == 0


def test_at_the_machine_bound_with_every_environment_busy_the_throttle_names_the_machine(closing, caplog):
    account = LambdaAccount(machine=MachineBound(2, "memory: test"))
    alpha = _kept(closing, _function("alpha", account))
    holders = [threading.Thread(target=alpha.invoke, args=({"sleep": 1.0},)) for _ in range(2)]
    for holder in holders:
        holder.start()
    _wait_until_busy(alpha, 2)
    with caplog.at_level(logging.WARNING, logger="local_stack.lambda_runtime.account"):
        with pytest.raises(FunctionError) as throttled:
            alpha.invoke({})
    for holder in holders:
        holder.join(30)
    assert throttled.value.kind == THROTTLED
    assert "this machine holds at most 2 execution environments (memory: test)" in caplog.text
    assert "AWS would allow 1000" in caplog.text
    stats, function = account.stats_json(), alpha.stats_json()
    assert (stats["machine_throttles"], function["throttles"]) == (1, 1)
    assert (function["invocations"], function["busy"]) == (2, 0)  # the throttled one never ran
    assert alpha.invoke({})["helper"] == "alpha"  # an environment is free again: served


def test_the_machine_bound_comes_from_available_memory_and_the_process_limits(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       8000000 kB\nMemAvailable:   4096000 kB\n")
    roomy_limits = lambda _which: (1_000_000, 1_000_000)  # noqa: E731
    bound = MachineBound.measure(meminfo, roomy_limits)
    assert bound.environments == int(4096000 * 1024 * 0.75 // (100 << 20)) == 30
    assert bound.reason == "memory: 2.9 of 3.9 GB available, 100 MB per environment"
    few_files = lambda which: (300, 300)  # noqa: E731
    assert MachineBound.measure(meminfo, few_files) == MachineBound(22, "open files: a limit of 300, 2 per environment")


def test_an_account_without_concurrency_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        LambdaAccount(0, machine=ROOMY)
