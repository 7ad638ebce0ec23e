"""local_stack.lambda_runtime.pool: a pool of execution environments (processes) per function."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from local_stack.api_gateway.sam_template import FunctionSpec
from local_stack.lambda_runtime.account import LambdaAccount
from local_stack.lambda_runtime.pool import THROTTLED, FunctionError, LocalFunction

FIXTURES = Path(__file__).parent / "fixture_functions"


def _function(name: str, environment: dict[str, str], *, timeout_seconds: float = 10, reserved: int | None = None,
              account: LambdaAccount | None = None, init_timeout_seconds: float = 10) -> LocalFunction:
    spec = FunctionSpec(name, FIXTURES / name, "app.lambda_handler", environment, layer_dirs=(FIXTURES / "layer",),
                        timeout_seconds=timeout_seconds, memory_mb=256, reserved_concurrency=reserved)
    return LocalFunction(spec, environment, region="us-east-1", account_id="123456789012", account=account,
                         init_timeout_seconds=init_timeout_seconds)


@pytest.fixture
def alpha():
    function = _function("alpha", {"GREETING": "hello from alpha"})
    yield function
    function.close()


@pytest.fixture
def beta():
    function = _function("beta", {"GREETING": "hello from beta"})
    yield function
    function.close()


def _in_parallel(*calls) -> list:
    """Run each ``(function, event)`` in its own thread; the answers (or FunctionErrors) in order."""
    answers: list = [None] * len(calls)

    def run(index: int, function: LocalFunction, event: dict) -> None:
        try:
            answers[index] = function.invoke(event)
        except FunctionError as failure:
            answers[index] = failure

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def _wait_until_busy(function: LocalFunction, busy: int) -> None:
    deadline = time.monotonic() + 30
    while function.stats_json()["busy"] < busy:
        assert time.monotonic() < deadline, f"{function.name} never had {busy} busy environments"
        time.sleep(0.01)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a discarded environment's process is killed and reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# --- what each function sees --------------------------------------------------------------------

def test_two_functions_named_app_keep_their_own_modules(alpha, beta):
    assert alpha.invoke({})["helper"] == "alpha"
    assert beta.invoke({})["helper"] == "beta"
    assert alpha.invoke({})["helper"] == "alpha"


def test_a_lazy_import_at_call_time_resolves_to_the_functions_own_module(alpha, beta):
    alpha.invoke({})
    assert beta.invoke({})["late"] == "beta"
    assert alpha.invoke({})["late"] == "alpha"


def test_layer_modules_are_private_to_each_function(alpha, beta):
    alpha.invoke({})
    beta.invoke({})
    assert alpha.invoke({})["layer_owners"] == ["alpha"]
    assert beta.invoke({})["layer_owners"] == ["beta"]


def test_each_function_sees_its_own_environment_at_import_and_at_call_time(alpha, beta):
    first = alpha.invoke({})
    second = beta.invoke({})
    assert (first["imported_with"], first["called_with"]) == ("hello from alpha", "hello from alpha")
    assert (second["imported_with"], second["called_with"]) == ("hello from beta", "hello from beta")


def test_the_stack_process_environment_and_modules_are_never_touched(alpha, monkeypatch):
    monkeypatch.setenv("GREETING", "the test's own value")
    assert alpha.invoke({})["called_with"] == "hello from alpha"
    assert os.environ["GREETING"] == "the test's own value"
    assert "app" not in sys.modules and "helper" not in sys.modules and "layer_state" not in sys.modules
    assert str(FIXTURES / "alpha") not in sys.path


def test_functions_running_at_the_same_time_never_see_each_others_environment_or_modules(alpha, beta):
    event = {"sleep": 0.3}
    answers = _in_parallel((alpha, event), (beta, event), (alpha, event), (beta, event))
    for answer, name in zip(answers, ("alpha", "beta", "alpha", "beta"), strict=True):
        assert not isinstance(answer, FunctionError), answer
        assert (answer["helper"], answer["late"], answer["layer_owners"]) == (name, name, [name])
        assert (answer["imported_with"], answer["called_with"]) == (f"hello from {name}",) * 2
    assert alpha.stats.peak_concurrency == beta.stats.peak_concurrency == 2  # they did overlap


def test_each_environment_of_one_function_has_its_own_module_state(alpha):
    first, second = _in_parallel((alpha, {"sleep": 0.3}), (alpha, {"sleep": 0.3}))
    assert first["pid"] != second["pid"]
    assert first["calls"] == second["calls"] == 1  # neither saw the other's call


# --- the pool ------------------------------------------------------------------------------------

def test_the_first_call_is_a_cold_start_and_the_next_reuses_the_idle_environment(alpha):
    first = alpha.invoke({}, request_id="req-9")
    second = alpha.invoke({})
    assert first["pid"] == second["pid"] and second["calls"] == 2
    stats = alpha.stats_json()
    assert (stats["cold_starts"], stats["environments_created"], stats["invocations"], stats["environments"]) == (1, 1, 2, 1)
    assert (first["function_name"], first["request_id"]) == ("alpha", "req-9")
    assert 0 < first["remaining_ms"] <= 10_000


def test_a_new_environment_starts_only_when_every_existing_one_is_busy(alpha):
    answers = _in_parallel(*[(alpha, {"sleep": 0.5})] * 3)
    assert len({answer["pid"] for answer in answers}) == 3
    after = alpha.invoke({})  # all three idle now: one is reused, none started
    assert after["pid"] in {answer["pid"] for answer in answers}
    stats = alpha.stats_json()
    assert (stats["cold_starts"], stats["environments"], stats["peak_concurrency"], stats["invocations"]) == (3, 3, 3, 4)


def test_beyond_its_reserved_concurrency_an_invocation_is_throttled_like_lambda():
    limited = _function("alpha", {"GREETING": "x"}, reserved=2)
    try:
        holders = [threading.Thread(target=limited.invoke, args=({"sleep": 1.0},)) for _ in range(2)]
        for holder in holders:
            holder.start()
        _wait_until_busy(limited, 2)
        with pytest.raises(FunctionError) as throttled:
            limited.invoke({})
        for holder in holders:
            holder.join(30)
        assert (throttled.value.kind, throttled.value.message) == (THROTTLED, "Rate Exceeded.")
        stats = limited.stats_json()
        assert (stats["throttles"], stats["environments_created"], stats["invocations"], stats["errors"]) == (1, 2, 2, 0)
        assert limited.invoke({})["helper"] == "alpha"  # a free environment serves again
    finally:
        limited.close()


def test_an_invocation_past_the_timeout_is_stopped_and_its_environment_discarded():
    slow = _function("alpha", {"GREETING": "x"}, timeout_seconds=0.5)
    try:
        before = slow.invoke({})["pid"]
        with pytest.raises(FunctionError) as failure:
            slow.invoke({"sleep": 5})
        assert (failure.value.kind, failure.value.message) == ("Sandbox.Timedout", "Task timed out after 0.50 seconds")
        assert not _alive(before)  # killed, not left running
        after = slow.invoke({})
        assert after["pid"] != before and after["calls"] == 1  # a cold start, fresh module state
        stats = slow.stats_json()
        assert (stats["timeouts"], stats["cold_starts"], stats["environments"]) == (1, 2, 1)
    finally:
        slow.close()


def test_a_crashed_environment_is_discarded_and_the_next_call_cold_starts(alpha):
    before = alpha.invoke({})["pid"]
    with pytest.raises(FunctionError) as failure:
        alpha.invoke({"exit": 3})
    assert (failure.value.kind, failure.value.message) == ("Runtime.ExitError", "Runtime exited with error: exit status 3")
    assert alpha.invoke({})["pid"] != before
    assert alpha.stats_json()["crashes"] == 1


def test_a_killed_environment_names_the_signal(alpha):
    with pytest.raises(FunctionError) as failure:
        alpha.invoke({"signal": 9})
    assert (failure.value.kind, failure.value.message) == ("Runtime.ExitError", "Runtime exited with error: signal: SIGKILL")
    assert alpha.invoke({})["calls"] == 1  # a fresh environment


def test_a_handler_exception_is_reported_like_lambda_and_keeps_the_environment(alpha):
    before = alpha.invoke({})["pid"]
    with pytest.raises(FunctionError) as failure:
        alpha.invoke({"raise": True})
    assert (failure.value.kind, failure.value.message) == ("RuntimeError", "asked to fail")
    assert alpha.invoke({})["pid"] == before
    assert alpha.stats.errors == 1 and alpha.stats.cold_starts == 1


def test_a_result_lambda_cannot_serialize_is_a_marshal_error(alpha):
    with pytest.raises(FunctionError) as failure:
        alpha.invoke({"unserializable": True})
    assert failure.value.kind == "Runtime.MarshalError"


def test_an_init_error_fails_the_call_and_the_next_call_initializes_again():
    broken = _function("broken", {"FAIL_AT_IMPORT": "yes"})
    try:
        with pytest.raises(FunctionError) as failure:
            broken.invoke({})
        assert failure.value.kind == "Runtime.InitError"
        assert "configuration error at cold start" in failure.value.message
        assert broken.stats_json()["environments"] == 0  # a failed init leaves no environment behind
        broken.environment["FAIL_AT_IMPORT"] = "no"  # the cause is fixed: a new cold start succeeds
        assert broken.invoke({}) == {"ok": True}
        assert broken.stats.cold_starts == 2
    finally:
        broken.close()


def test_an_init_past_the_init_limit_is_stopped_and_fails_the_call():
    spec = FunctionSpec("broken", FIXTURES / "broken", "app.lambda_handler", {}, timeout_seconds=10, memory_mb=128)
    slow = LocalFunction(spec, {"SLEEP_AT_IMPORT": "5"}, region="us-east-1", account_id="123456789012",
                         init_timeout_seconds=0.5)
    try:
        with pytest.raises(FunctionError) as failure:
            slow.invoke({})
        assert (failure.value.kind, failure.value.message) == ("Runtime.InitError", "init timed out after 0.50 seconds")
        assert slow.stats_json()["environments"] == 0
    finally:
        slow.close()


def test_a_missing_handler_module_is_an_import_module_error():
    nowhere = _function("nowhere", {})
    try:
        with pytest.raises(FunctionError) as failure:
            nowhere.invoke({})
        assert failure.value.kind == "Runtime.ImportModuleError"
    finally:
        nowhere.close()


def test_recycle_discards_idle_environments_and_close_stops_them_all(alpha):
    pid = alpha.invoke({})["pid"]
    assert alpha.recycle() == 1 and not _alive(pid)
    assert alpha.invoke({})["pid"] != pid
    pid = alpha.invoke({})["pid"]
    alpha.close()
    assert not _alive(pid) and alpha.stats_json()["environments"] == 0


def test_a_reserved_concurrency_of_zero_throttles_every_invocation_as_on_aws():
    disabled = _function("alpha", {}, reserved=0)
    with pytest.raises(FunctionError) as throttled:
        disabled.invoke({})
    assert throttled.value.kind == THROTTLED
    assert disabled.stats_json()["environments_created"] == 0


def test_a_negative_reserved_concurrency_is_refused():
    with pytest.raises(ValueError, match="reserved concurrency"):
        _function("alpha", {}, reserved=-1)


def test_missing_code_is_visible_before_the_first_call():
    assert _function("alpha", {}).code_exists
    assert not _function("nowhere", {}).code_exists
