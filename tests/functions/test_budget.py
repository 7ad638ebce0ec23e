"""The invocation's time budget: how much is left, which timeouts fit, and retries that stop in time.

Pure logic with an injected clock and sleep (no waiting here); the real servers that hang and
drip are in test_time_budgets.py.
"""

from __future__ import annotations

import pytest

from api_support.budget import ANSWER_MARGIN_SECONDS, LADDER, AttemptTimeouts, Budget, ClientsByTimeouts, OutOfTime, call_with_retries


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class Retryable(Exception):
    pass


def test_the_budget_is_the_lambda_remaining_time_minus_the_margin_to_answer():
    clock = FakeClock()
    budget = Budget.from_context(Context(10_000), clock=clock)
    assert budget.remaining_seconds() == pytest.approx(10.0 - ANSWER_MARGIN_SECONDS)
    clock.now += 4
    assert budget.remaining_seconds() == pytest.approx(5.0)
    clock.now += 60
    assert budget.remaining_seconds() == 0.0


def test_without_a_lambda_context_the_budget_is_the_templates_timeout():
    clock = FakeClock()
    assert Budget.from_context(None, clock=clock).remaining_seconds() == pytest.approx(10.0 - ANSWER_MARGIN_SECONDS)


@pytest.mark.parametrize(
    ("remaining", "expected"),
    [(9.0, LADDER[0]), (3.0, LADDER[0]), (2.9, LADDER[1]), (1.5, LADDER[1]), (0.8, LADDER[2]), (0.4, LADDER[3]), (0.3, None), (0.0, None)],
)
def test_timeouts_are_the_most_generous_rung_that_fits(remaining, expected):
    assert Budget.seconds(remaining, clock=FakeClock()).timeouts() == expected


def test_a_ceiling_caps_the_rung_even_with_time_to_spare():
    assert Budget.seconds(9, clock=FakeClock()).timeouts(LADDER[1]) == LADDER[1]


def test_one_client_per_rung_is_built_and_then_reused():
    built: list[AttemptTimeouts] = []
    clients = ClientsByTimeouts(lambda timeouts: built.append(timeouts) or object())
    first = clients(LADDER[0])
    assert clients(LADDER[0]) is first
    assert clients(LADDER[1]) is not first
    assert built == [LADDER[0], LADDER[1]]


def test_a_success_after_retryable_failures_is_returned():
    clock = FakeClock()
    outcomes = [Retryable(), Retryable(), "item"]

    def attempt(timeouts):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    result = call_with_retries(Budget.seconds(9, clock=clock), attempt, is_retryable=lambda e: isinstance(e, Retryable), sleep=clock.sleep, jitter=lambda: 1.0)
    assert result == "item"
    assert clock.now == pytest.approx(1000.0 + 0.1 + 0.2)  # full-jitter backoff at its maximum: 0.1 s, then 0.2 s


def test_a_non_retryable_error_propagates_at_once():
    calls = []

    def attempt(timeouts):
        calls.append(timeouts)
        raise KeyError("not ours to retry")

    with pytest.raises(KeyError):
        call_with_retries(Budget.seconds(9, clock=FakeClock()), attempt, is_retryable=lambda e: isinstance(e, Retryable))
    assert len(calls) == 1


def test_attempts_stop_at_max_attempts_with_the_last_failure_as_cause():
    clock = FakeClock()
    failures = [Retryable("1"), Retryable("2"), Retryable("3"), Retryable("4")]

    def attempt(timeouts):
        raise failures.pop(0)

    with pytest.raises(OutOfTime) as gave_up:
        call_with_retries(Budget.seconds(9, clock=clock), attempt, is_retryable=lambda e: True, max_attempts=3, sleep=clock.sleep)
    assert str(gave_up.value.cause) == "3"


def test_every_attempt_fits_in_what_is_left_and_the_last_ends_before_the_deadline():
    # Each attempt "hangs" for its whole connect + read timeout: the worst case of a stuck endpoint.
    clock = FakeClock()
    budget = Budget.seconds(9.0, clock=clock)
    used: list[AttemptTimeouts] = []

    def attempt(timeouts):
        assert timeouts.total_seconds <= budget.remaining_seconds()
        used.append(timeouts)
        clock.now += timeouts.total_seconds
        raise Retryable()

    with pytest.raises(OutOfTime):
        call_with_retries(budget, attempt, is_retryable=lambda e: True, sleep=clock.sleep, jitter=lambda: 1.0)
    assert used == [LADDER[0], LADDER[0], LADDER[1]]  # 3 s + 0.1 + 3 s + 0.2 + 1.5 s = 7.8 s
    assert clock.now <= budget.deadline


def test_no_attempt_is_made_when_no_rung_fits():
    with pytest.raises(OutOfTime) as gave_up:
        call_with_retries(Budget.seconds(0.2, clock=FakeClock()), lambda t: pytest.fail("must not be called"), is_retryable=lambda e: True)
    assert gave_up.value.cause is None
