"""The real template, translated once, as the local gateway reads it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from local_stack.api_gateway import sam_template
from local_stack.config import StackConfig
from local_stack.api_gateway.events import ApiIdentity
from local_stack.http_service import HttpRequest
from local_stack.lambda_runtime.pool import FunctionError
from local_stack.api_gateway.routing import ApiDefinition

ISSUER = "http://127.0.0.1:3001"
IDENTITY = ApiIdentity("us-east-1", "123456789012", "api1", "prod")
STAGE_ARN = "arn:aws:execute-api:us-east-1:123456789012:api1/prod"


def template_parameters(**overrides: str) -> dict[str, str]:
    parameters = sam_template.parameter_defaults(sam_template.load_source())
    # AllowedOrigin has no template default (deploys must name an https origin): the local stack's own.
    parameters.update(WachtDeploymentUrl=ISSUER, AllowedOrigin=StackConfig().allowed_origin, **overrides)
    return parameters


@pytest.fixture(scope="session")
def api() -> ApiDefinition:
    parameters = template_parameters()
    return ApiDefinition.from_template(sam_template.translate(parameters), parameters)


def http_request(method: str, path: str, *, headers: tuple = (), query: str = "", body: bytes = b"") -> HttpRequest:
    return HttpRequest(method, path, query, (("Host", "127.0.0.1:3000"), *headers), body, "127.0.0.1")


class StubFunction:
    """A function whose behaviour the test sets: returns ``answer(event)`` and records events.

    Stands in for a handler only where the real ones cannot misbehave on demand (an authorizer
    raising something other than Unauthorized, a malformed answer); the stack tests run the real ones.
    """

    def __init__(self, name: str, answer: Callable[[dict], Any]) -> None:
        self.name = name
        self.answer = answer
        self.events: list[dict] = []

    def invoke(self, event: Any, request_id: str | None = None) -> Any:
        self.events.append(event)
        return self.answer(event)


def raising(message: str, kind: str = "Exception") -> Callable[[dict], Any]:
    def answer(event: dict) -> Any:
        raise FunctionError(kind, message)

    return answer
