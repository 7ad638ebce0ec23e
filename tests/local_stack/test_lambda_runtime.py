"""local_stack.lambda_runtime: real handlers in-process, each with its own modules and environment."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from local_stack.lambda_runtime import FunctionError, LocalFunction
from local_stack.sam_template import FunctionSpec

FIXTURES = Path(__file__).parent / "fixture_functions"


def _function(name: str, environment: dict[str, str], *, timeout_seconds: int = 10) -> LocalFunction:
    spec = FunctionSpec(name, FIXTURES / name, "app.lambda_handler", environment, layer_dirs=(FIXTURES / "layer",),
                        timeout_seconds=timeout_seconds, memory_mb=256)
    return LocalFunction(spec, environment, region="us-east-1", account_id="123456789012")


@pytest.fixture
def alpha():
    return _function("alpha", {"GREETING": "hello from alpha"})


@pytest.fixture
def beta():
    return _function("beta", {"GREETING": "hello from beta"})


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


def test_the_process_environment_and_modules_are_restored_after_a_call(alpha, monkeypatch):
    monkeypatch.setenv("GREETING", "the test's own value")
    alpha.invoke({})
    assert os.environ["GREETING"] == "the test's own value"
    monkeypatch.delenv("GREETING")
    alpha.invoke({})
    assert "GREETING" not in os.environ
    assert "app" not in sys.modules and "helper" not in sys.modules and "layer_state" not in sys.modules
    assert str(FIXTURES / "alpha") not in sys.path


def test_concurrent_calls_of_different_functions_never_see_each_others_environment(alpha, beta):
    wrong: list[str] = []

    def hammer(function: LocalFunction, expected: str) -> None:
        for _ in range(50):
            answer = function.invoke({})
            if answer["called_with"] != expected or answer["helper"] != function.name:
                wrong.append(f"{function.name}: {answer}")

    threads = [threading.Thread(target=hammer, args=(f, f"hello from {f.name}")) for f in (alpha, beta, alpha, beta)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


def test_the_first_call_is_a_cold_start_and_gets_a_lambda_context(alpha):
    answer = alpha.invoke({}, request_id="req-9")
    alpha.invoke({})
    assert alpha.stats.cold_starts == 1 and alpha.stats.invocations == 2
    assert (answer["function_name"], answer["request_id"]) == ("alpha", "req-9")
    assert 0 < answer["remaining_ms"] <= 10_000


def test_a_handler_exception_is_reported_like_lambda(alpha):
    with pytest.raises(FunctionError) as failure:
        alpha.invoke({"raise": True})
    assert (failure.value.kind, failure.value.message) == ("RuntimeError", "asked to fail")
    assert alpha.stats.errors == 1


def test_a_result_lambda_cannot_serialize_is_a_marshal_error(alpha):
    with pytest.raises(FunctionError) as failure:
        alpha.invoke({"unserializable": True})
    assert failure.value.kind == "Runtime.MarshalError"


def test_an_init_error_fails_the_call_and_the_next_call_initializes_again():
    broken = _function("broken", {"FAIL_AT_IMPORT": "yes"})
    with pytest.raises(FunctionError) as failure:
        broken.invoke({})
    assert failure.value.kind == "Runtime.InitError"
    broken.environment["FAIL_AT_IMPORT"] = "no"  # the cause is fixed: a new cold start succeeds
    assert broken.invoke({}) == {"ok": True}
    assert broken.stats.cold_starts == 2


def test_a_call_longer_than_the_timeout_is_reported_as_timed_out():
    slow = _function("alpha", {"GREETING": "x"}, timeout_seconds=0)
    with pytest.raises(FunctionError) as failure:
        slow.invoke({})
    assert failure.value.kind == "Sandbox.Timedout"


def test_missing_code_is_visible_before_the_first_call():
    assert _function("alpha", {}).code_exists
    assert not _function("nowhere", {}).code_exists
