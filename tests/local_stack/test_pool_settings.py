"""How many execution environments each function may have: LOCAL_LAMBDA_CONCURRENCY and the template's reservation."""

from __future__ import annotations

import pytest

from local_stack.api_gateway import sam_template
from local_stack.config import StackConfig, StackConfigError
from local_stack.stack import concurrency_limit
from tests.local_stack.conftest import template_parameters


def test_the_default_is_ten_environments_per_function_and_no_fault_injection():
    config = StackConfig.from_environ({})
    assert (config.lambda_concurrency, config.fault_injection) == (10, False)


def test_both_settings_are_read():
    config = StackConfig.from_environ({"LOCAL_LAMBDA_CONCURRENCY": "32", "LOCAL_STACK_FAULTS": "1"})
    assert (config.lambda_concurrency, config.fault_injection) == (32, True)


@pytest.mark.parametrize(("name", "value"), [
    ("LOCAL_LAMBDA_CONCURRENCY", "0"), ("LOCAL_LAMBDA_CONCURRENCY", "1001"), ("LOCAL_LAMBDA_CONCURRENCY", "many"),
    ("LOCAL_STACK_FAULTS", "yes please"),
])
def test_a_bad_value_is_an_error_naming_the_variable(name, value):
    with pytest.raises(StackConfigError, match=name):
        StackConfig.from_environ({name: value})


def _limits(**overrides: str) -> dict[str, int]:
    """Each function's environment limit as the stack sets it, for the real template with ``overrides``."""
    parameters = template_parameters(**overrides)
    source = sam_template.load_source()
    translated = sam_template.translate(parameters)
    config = StackConfig(lambda_concurrency=7)
    return {logical_id: concurrency_limit(sam_template.function_spec(source, translated, logical_id, parameters,
                                                                     {"DataTable": "table"}), config)
            for logical_id in sam_template.function_ids(source)}


def test_without_a_reservation_every_function_gets_local_lambda_concurrency():
    assert set(_limits().values()) == {7}


def test_the_authorizers_reserved_concurrency_parameter_caps_its_environments():
    limits = _limits(AuthorizerReservedConcurrency="3")
    assert limits.pop("AuthorizerFunction") == 3
    assert set(limits.values()) == {7}
