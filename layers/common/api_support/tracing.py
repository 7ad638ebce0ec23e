"""X-Ray tracing of the API functions with Powertools Tracer: the handler, and the DynamoDB,
Secrets Manager / SSM and Wacht calls beneath it (botocore and requests patched).

Tracer turns itself off outside Lambda, under ``sam local`` and the local stack (AWS_SAM_LOCAL),
and with ``POWERTOOLS_TRACE_DISABLED=true`` (what the template sets when its Tracing parameter
is off); switched off, it patches nothing. The authorizer never imports this module (nor
anything in api_support): its cold start stays free of X-Ray.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PATCHED_MODULES", "make_tracer"]

PATCHED_MODULES = ("botocore", "requests")
"""Only what the functions call out with; Tracer's default would patch every library it knows."""


def make_tracer() -> Any:
    """The Powertools Tracer for a function (one shared state per process, as Powertools keeps it).

    Decorate the handler with ``capture_lambda_handler(capture_response=False)``: answers hold
    users' data (documents, e-mail addresses), which has no place in traces.
    """
    from aws_lambda_powertools import Tracer

    return Tracer(patch_modules=PATCHED_MODULES)
