"""The fault switches of a stack started with LOCAL_STACK_FAULTS=1, set through the admin port.

    POST /faults {"jwks": "down"|"up", "dynamodb": "refuse"|"slow"|"pass",
                  "dynamodb_delay_seconds": 1.5, "backend_api": "down"|"up", "gateway": "down"|"slow"|"up"}

Every key is optional; the answer (and ``GET /faults``) is the state after the change. What each
does: the dev IdP's JWKS endpoint answers 503 (tokens are still minted); the fault proxy in
front of DynamoDB resets connections or delays them (local_stack.drills.fault_proxy); the Backend API
stand-in answers 503 to everything; Wacht's gateway stand-in answers its checks with 503 ("down") or
only after 5 s ("slow": past the 3 s the authorizer and functions allow), local_stack.wacht.gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..wacht.backend_api import BackendApiStandIn
from ..wacht.dev_idp import DevIdentityProvider
from ..wacht.gateway import GATEWAY_MODES, GatewayStandIn
from .fault_proxy import MODES, FaultProxy

__all__ = ["FaultRequestError", "FaultSwitches"]

_KEYS = {"jwks", "dynamodb", "dynamodb_delay_seconds", "backend_api", "gateway"}
_BACKEND_FAILURE_STATUS = 503


class FaultRequestError(ValueError):
    """Raised for a ``POST /faults`` body that is not valid; the message says why."""


class FaultSwitches:
    def __init__(self, idp: DevIdentityProvider, backend_api: BackendApiStandIn, dynamodb: FaultProxy,
                 gateway: GatewayStandIn | None = None) -> None:
        self._idp = idp
        self._gateway = gateway
        self._backend_api = backend_api
        self._dynamodb = dynamodb

    def state(self) -> dict:
        state = {
            "jwks": "up" if self._idp.jwks_available else "down",
            "dynamodb": self._dynamodb.mode,
            "dynamodb_delay_seconds": self._dynamodb.delay_seconds,
            "backend_api": "up" if self._backend_api.failure_status is None else "down",
        }
        if self._gateway is not None:
            state["gateway"] = self._gateway.mode
        return state

    def apply(self, body: Any) -> dict:
        """Validate the whole request, then switch; FaultRequestError names the bad field."""
        if not isinstance(body, Mapping) or set(body) - _KEYS:
            raise FaultRequestError(f"body must be an object with some of: {', '.join(sorted(_KEYS))}")
        for key in ("jwks", "backend_api"):
            if key in body and body[key] not in ("up", "down"):
                raise FaultRequestError(f'{key} must be "up" or "down"')
        if "gateway" in body and (self._gateway is None or body["gateway"] not in GATEWAY_MODES):
            raise FaultRequestError(f"gateway must be one of {', '.join(GATEWAY_MODES)}")
        mode = body.get("dynamodb", self._dynamodb.mode)
        if mode not in MODES:
            raise FaultRequestError(f"dynamodb must be one of {', '.join(MODES)}")
        delay = body.get("dynamodb_delay_seconds", self._dynamodb.delay_seconds)
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 60:
            raise FaultRequestError("dynamodb_delay_seconds must be a number between 0 and 60")
        if "jwks" in body:
            self._idp.jwks_available = body["jwks"] == "up"
        if "backend_api" in body:
            self._backend_api.failure_status = None if body["backend_api"] == "up" else _BACKEND_FAILURE_STATUS
        if "gateway" in body and self._gateway is not None:
            self._gateway.mode = body["gateway"]
        if "dynamodb" in body or "dynamodb_delay_seconds" in body:
            self._dynamodb.set_mode(mode, float(delay))
        return self.state()
