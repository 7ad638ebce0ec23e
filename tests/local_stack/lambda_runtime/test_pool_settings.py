"""How much concurrency each function gets in the stack: the account's quota and the template's reservation."""

from __future__ import annotations

import pytest

from local_stack.api_gateway import sam_template
from local_stack.config import StackConfig, StackConfigError
from local_stack.lambda_runtime.account import LambdaAccount, MachineBound
from local_stack.lambda_runtime.pool import LocalFunction
from tests.local_stack.conftest import template_parameters


def test_the_default_is_the_accounts_1000_and_no_fault_injection():
    config = StackConfig.from_environ({})
    assert (config.lambda_concurrency, config.fault_injection) == (1000, False)


def test_both_settings_are_read():
    config = StackConfig.from_environ({"LOCAL_LAMBDA_CONCURRENCY": "32", "LOCAL_STACK_FAULTS": "1"})
    assert (config.lambda_concurrency, config.fault_injection) == (32, True)


@pytest.mark.parametrize(("name", "value"), [
    ("LOCAL_LAMBDA_CONCURRENCY", "0"), ("LOCAL_LAMBDA_CONCURRENCY", "100001"), ("LOCAL_LAMBDA_CONCURRENCY", "many"),
    ("LOCAL_STACK_FAULTS", "yes please"),
])
def test_a_bad_value_is_an_error_naming_the_variable(name, value):
    with pytest.raises(StackConfigError, match=name):
        StackConfig.from_environ({name: value})


def _limits(**overrides: str) -> dict[str, int]:
    """Each function's concurrency limit as the stack sets it, for the real template with ``overrides``."""
    parameters = template_parameters(**overrides)
    source = sam_template.load_source()
    translated = sam_template.translate(parameters)
    account = LambdaAccount(machine=MachineBound(1000, "test"))
    functions = [LocalFunction(sam_template.function_spec(source, translated, logical_id, parameters, {"DataTable": "table"}),
                               {}, region="us-east-1", account_id="123456789012", account=account)
                 for logical_id in sam_template.function_ids(source)]
    return {function.name: function.concurrency_limit for function in functions}


def test_without_a_reservation_every_function_shares_the_accounts_unreserved_concurrency():
    assert set(_limits().values()) == {1000}


def test_the_authorizers_reserved_concurrency_parameter_caps_it_and_leaves_the_rest_to_the_others():
    limits = _limits(AuthorizerReservedConcurrency="3")
    assert limits.pop("AuthorizerFunction") == 3
    assert set(limits.values()) == {997}
