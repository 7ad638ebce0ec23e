"""A side door for tests and curious developers, on its own port (never on the API's).

    GET  /stats                  gateway counters (authorizer invocations, cache hits, statuses),
                                 per-function invocations and cold starts, dev IdP JWKS requests
    POST /authorizer-cache/flush empty the authorizer caches (like flush-stage-authorizers-cache)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict

from .dev_idp import DevIdentityProvider
from .gateway import LocalGateway
from .http_service import HttpRequest, HttpResponse, HttpService, json_response
from .lambda_runtime import LocalFunction

__all__ = ["AdminApi"]


class AdminApi:
    def __init__(
        self,
        gateway: LocalGateway,
        functions: Mapping[str, LocalFunction],
        idp: DevIdentityProvider,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._gateway = gateway
        self._functions = functions
        self._idp = idp
        self._clock = clock

    def serve(self, port: int = 0) -> HttpService:
        return HttpService("admin", self.handle, port).start()

    def handle(self, request: HttpRequest) -> HttpResponse:
        if (request.method, request.path) == ("GET", "/stats"):
            return json_response(200, self.stats())
        if (request.method, request.path) == ("POST", "/authorizer-cache/flush"):
            self._gateway.flush_authorizer_caches()
            return HttpResponse(204)
        return json_response(404, {"message": "GET /stats or POST /authorizer-cache/flush"})

    def stats(self) -> dict:
        last = self._idp.jwks_stats.last_request_at
        return {
            "gateway": self._gateway.stats.to_json(),
            "authorizer_cache_entries": {name: len(cache) for name, cache in self._gateway.caches.items()},
            "functions": {name: asdict(f.stats) for name, f in self._functions.items()},
            "idp": {
                "jwks_requests": self._idp.jwks_stats.requests,
                "seconds_since_last_jwks_request": None if last is None else round(self._clock() - last, 3),
                "current_kid": self._idp.keys.current_kid,
            },
        }
