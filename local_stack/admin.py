"""A side door for tests and curious developers, on its own port (never on the API's).

    GET  /stats                  gateway counters (authorizer invocations, cache hits, statuses),
                                 per function its execution environments (created, alive, busy),
                                 cold starts, peak concurrency, invocations, throttles, timeouts,
                                 crashes and errors; the account's concurrency and this
                                 machine's bound on environments (and throttles for it);
                                 the dev IdP's JWKS requests; the Wacht gateway stand-in's checks by
                                 outcome (allowed, permission_denied, rate_limited, rejected,
                                 bad_request, faulted); the OAuth app's JWKS requests
    POST /authorizer-cache/flush empty the authorizer caches (like flush-stage-authorizers-cache)
    POST /environments/recycle   discard every idle execution environment (next calls cold-start)
    GET  /faults, POST /faults   the fault switches (local_stack.drills.faults), with LOCAL_STACK_FAULTS=1
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping

from .api_gateway.gateway import LocalGateway
from .drills.faults import FaultRequestError, FaultSwitches
from .http_service import HttpRequest, HttpResponse, HttpService, json_response
from .lambda_runtime.account import LambdaAccount
from .lambda_runtime.pool import LocalFunction
from .wacht.dev_idp import DevIdentityProvider
from .wacht.gateway import GatewayStandIn
from .wacht.oauth_app import DevOAuthApp

__all__ = ["AdminApi"]

_ROUTES = "GET /stats, POST /authorizer-cache/flush, POST /environments/recycle, GET|POST /faults"


class AdminApi:
    def __init__(
        self,
        gateway: LocalGateway,
        functions: Mapping[str, LocalFunction],
        idp: DevIdentityProvider,
        clock: Callable[[], float] = time.time,
        faults: FaultSwitches | None = None,
        lambda_account: LambdaAccount | None = None,
        wacht_gateway: GatewayStandIn | None = None,
        oauth_app: DevOAuthApp | None = None,
    ) -> None:
        self._gateway = gateway
        self._functions = functions
        self._idp = idp
        self._clock = clock
        self._faults = faults
        self._lambda_account = lambda_account
        self._wacht_gateway = wacht_gateway
        self._oauth_app = oauth_app

    def serve(self, port: int = 0) -> HttpService:
        return HttpService("admin", self.handle, port).start()

    def handle(self, request: HttpRequest) -> HttpResponse:
        route = (request.method, request.path)
        if route == ("GET", "/stats"):
            return json_response(200, self.stats())
        if route == ("POST", "/authorizer-cache/flush"):
            self._gateway.flush_authorizer_caches()
            return HttpResponse(204)
        if route == ("POST", "/environments/recycle"):
            return json_response(200, {"discarded": {name: f.recycle() for name, f in self._functions.items()}})
        if request.path == "/faults" and request.method in ("GET", "POST"):
            return self._fault_switches(request)
        return json_response(404, {"message": _ROUTES})

    def _fault_switches(self, request: HttpRequest) -> HttpResponse:
        if self._faults is None:
            return json_response(404, {"message": "fault injection is off: start the stack with LOCAL_STACK_FAULTS=1"})
        if request.method == "GET":
            return json_response(200, self._faults.state())
        try:
            return json_response(200, self._faults.apply(json.loads(request.body or b"null")))
        except (ValueError, UnicodeDecodeError) as error:  # FaultRequestError is a ValueError, so is bad JSON
            message = str(error) if isinstance(error, FaultRequestError) else "body must be JSON"
            return json_response(400, {"message": message})

    def stats(self) -> dict:
        last = self._idp.jwks_stats.last_request_at
        return {
            "gateway": self._gateway.stats.to_json(),
            "authorizer_cache_entries": {name: len(cache) for name, cache in self._gateway.caches.items()},
            "functions": {name: f.stats_json() for name, f in self._functions.items()},
            "lambda": self._lambda_account.stats_json() if self._lambda_account else None,
            "idp": {
                "jwks_requests": self._idp.jwks_stats.requests,
                "seconds_since_last_jwks_request": None if last is None else round(self._clock() - last, 3),
                "current_kid": self._idp.keys.current_kid,
            },
            "wacht_gateway": self._wacht_gateway.stats.to_json() if self._wacht_gateway else None,
            "oauth": {"jwks_requests": self._oauth_app.jwks_requests} if self._oauth_app else None,
        }
