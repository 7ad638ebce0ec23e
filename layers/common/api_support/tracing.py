"""X-Ray tracing of the API functions with Powertools Tracer: the handler, and the DynamoDB,
Secrets Manager / SSM and Wacht calls beneath it (botocore and requests patched).

Tracer turns itself off outside Lambda, under ``sam local`` and the local stack (AWS_SAM_LOCAL),
and with ``POWERTOOLS_TRACE_DISABLED=true`` (what the template sets when its Tracing parameter
is off); switched off, it patches nothing. The authorizer never imports this module (nor
anything in api_support): its cold start stays free of X-Ray.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["PATCHED_MODULES", "carry_trace_context", "make_tracer"]

PATCHED_MODULES = ("botocore", "requests")
"""Only what the functions call out with; Tracer's default would patch every library it knows."""

_tracer: Any = None
"""The process's Tracer once make_tracer built it (Powertools keeps one shared state per process)."""


def make_tracer() -> Any:
    """The Powertools Tracer for a function (one shared state per process, as Powertools keeps it).

    Decorate the handler with ``capture_lambda_handler(capture_response=False)``: answers hold
    users' data (documents, e-mail addresses), which has no place in traces.
    """
    global _tracer
    from aws_lambda_powertools import Tracer

    _tracer = Tracer(patch_modules=PATCHED_MODULES)
    return _tracer


def carry_trace_context() -> Callable[[], None]:
    """Called in the handler's thread: a function that, run in a worker thread, makes the handler's
    current X-Ray entity that thread's too, so the calls the worker makes nest under the handler
    (X-Ray keeps its context per thread). A no-op when tracing is off."""
    tracer = _tracer
    if tracer is None or tracer.disabled:
        return _nothing
    try:
        entity = tracer.provider.get_trace_entity()
    except Exception:  # noqa: BLE001 - no trace context (X-Ray's context-missing strategy): trace nothing, fail nothing
        return _nothing
    return lambda: tracer.provider.set_trace_entity(entity)


def _nothing() -> None:
    pass
