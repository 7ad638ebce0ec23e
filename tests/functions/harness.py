"""Load the functions as Lambda would, with the environment template.yaml gives each of them.

Every function's entry module is ``app.py``, so each is imported under its own module name
(``function_<LogicalId>_<n>``); a fresh load is a fresh cold start.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest

from local_stack.api_gateway.sam_template import function_spec, load_source, parameter_defaults, translate

_LOADS = itertools.count()


@dataclass
class LambdaContext:
    """The attributes Powertools' inject_lambda_context reads, and the remaining time Lambda counts down."""

    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "00000000-0000-0000-0000-000000000001"
    timeout_seconds: float = 10.0
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any
    """Parsed JSON, or the raw string when empty / not JSON."""


class LoadedFunction:
    """A function's module, loaded once; ``invoke(event)`` calls its handler like Lambda does."""

    def __init__(self, logical_id: str, module: ModuleType, handler: str, environment: dict[str, str], timeout_seconds: float = 10.0) -> None:
        self.logical_id = logical_id
        self.timeout_seconds = timeout_seconds
        """The template's Timeout: each invocation's context counts down from it, as Lambda's does."""
        self.module = module
        self.handler = getattr(module, handler.rpartition(".")[2])
        self.environment = environment

    def invoke(self, event: dict[str, Any], *, timeout_seconds: float | None = None) -> Answer:
        """Call the handler; ``timeout_seconds`` overrides the template's Timeout for this invocation."""
        context = LambdaContext(function_name=self.logical_id, timeout_seconds=timeout_seconds or self.timeout_seconds)
        response = self.handler(event, context)
        raw = response.get("body") or ""
        try:
            body = json.loads(raw) if raw else raw
        except ValueError:
            body = raw
        # API Gateway merges both header maps into the HTTP response.
        headers = dict(response.get("headers") or {})
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers[name] = ",".join(values)
        return Answer(response["statusCode"], headers, body)


def load_function(
    logical_id: str,
    parameters: dict[str, str],
    resource_names: dict[str, str],
    extra_environment: dict[str, str] | None = None,
) -> LoadedFunction:
    """Import ``logical_id``'s handler module with its template environment (plus ``extra_environment``)."""
    source = load_source()
    resolved = {**parameter_defaults(source), **parameters}
    spec = function_spec(source, translate(parameters), logical_id, resolved, resource_names)
    environment = {**spec.environment, **(extra_environment or {})}
    module_name = f"function_{logical_id}_{next(_LOADS)}"
    module_spec = importlib.util.spec_from_file_location(module_name, spec.code_dir / f"{spec.handler.partition('.')[0]}.py")
    module = importlib.util.module_from_spec(module_spec)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        sys.modules[module_name] = module
        module_spec.loader.exec_module(module)
    return LoadedFunction(logical_id, module, spec.handler, environment, spec.timeout_seconds)
