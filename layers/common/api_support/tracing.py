"""X-Ray tracing of the API functions with Powertools Tracer: the handler, and the outbound calls
each function makes beneath it (botocore for DynamoDB, Secrets Manager / SSM; requests for Wacht).

Tracer is off outside Lambda, under ``sam local`` and the local stack (AWS_SAM_LOCAL), and with
``POWERTOOLS_TRACE_DISABLED=true`` (what the template sets when its Tracing parameter is off).
Off, ``make_tracer`` does not even import Tracer: Powertools' Tracer loads the X-Ray SDK (and, through
it, botocore) whether it is disabled or not, which a cold start with tracing off should not pay.
The authorizer never imports this module (nor anything in api_support): its cold start stays free of X-Ray.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["PATCHED_MODULES", "DisabledTracer", "carry_trace_context", "make_tracer", "tracing_disabled"]

PATCHED_MODULES = ("botocore", "requests")
"""Everything the functions call out with; each function patches only what it uses of these
(Tracer's default would patch, and so import, every library it knows)."""

_tracer: Any = None
"""The process's Tracer once make_tracer built it (Powertools keeps one shared state per process)."""


def tracing_disabled(environ: Mapping[str, str] | None = None) -> bool:
    """Powertools Tracer's own rule: off when POWERTOOLS_TRACE_DISABLED is true, outside Lambda
    (no LAMBDA_TASK_ROOT) and under SAM local or Chalice local."""
    from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

    env = os.environ if environ is None else environ
    if resolve_truthy_env_var_choice(env=env.get("POWERTOOLS_TRACE_DISABLED", "false")):
        return True
    return not env.get("LAMBDA_TASK_ROOT") or bool(env.get("AWS_SAM_LOCAL") or env.get("AWS_CHALICE_CLI_MODE"))


class DisabledTracer:
    """What a function uses of Tracer, doing nothing: its decorators hand the function back unchanged."""

    disabled = True

    def capture_lambda_handler(self, handler: Callable | None = None, **_options: Any) -> Callable:
        return handler if handler is not None else (lambda function: function)


def make_tracer(patch_modules: Sequence[str] = PATCHED_MODULES) -> Any:
    """The Powertools Tracer for a function (one shared state per process, as Powertools keeps it),
    patching ``patch_modules`` (a subset of PATCHED_MODULES: what the function calls out with); a
    DisabledTracer when tracing is off.

    Decorate the handler with ``capture_lambda_handler(capture_response=False)``: answers hold
    users' data (documents, e-mail addresses), which has no place in traces.
    """
    global _tracer
    unknown = set(patch_modules) - set(PATCHED_MODULES)
    if unknown:
        raise ValueError(f"not a module the functions call out with: {sorted(unknown)}")
    if tracing_disabled():
        _tracer = DisabledTracer()
        return _tracer
    from aws_lambda_powertools import Tracer

    _tracer = Tracer(patch_modules=tuple(patch_modules))
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
