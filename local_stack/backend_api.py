"""A local stand-in for Wacht's Backend API: ``GET /users/{id}/details`` for the dev personas.

Like the real one it wants ``Authorization: Bearer <backend secret>`` (401 otherwise), answers
the raw user object (no ``data`` envelope) and uses Wacht's error shape
``{"errors": [{"message", "code"}]}`` (404 for an unknown user).
"""

from __future__ import annotations

import hmac
import re

from .http_service import HttpRequest, HttpResponse, HttpService, json_response
from .personas import Persona, persona_by_user_id

__all__ = ["BackendApiStandIn", "user_details"]

_USER_DETAILS = re.compile(r"^/users/([^/]+)/details$")


def user_details(persona: Persona, deployment_id: str = "72170100000000001") -> dict:
    """The raw user object the Backend API returns for ``persona``."""
    email_id = str(int(persona.user_id) + 1000)
    return {
        "id": persona.user_id,
        "created_at": persona.created_at,
        "updated_at": persona.created_at,
        "first_name": persona.first_name,
        "last_name": persona.last_name,
        "username": persona.id,
        "profile_picture_url": "",
        "primary_email_address": persona.email,
        "primary_phone_number": None,
        "email_addresses": [
            {
                "id": email_id,
                "created_at": persona.created_at,
                "updated_at": persona.created_at,
                "deployment_id": deployment_id,
                "user_id": persona.user_id,
                "email": persona.email,
                "is_primary": True,
                "verified": True,
                "verified_at": persona.created_at,
                "verification_strategy": "otp",
            }
        ],
        "public_metadata": {},
        "disabled": False,
    }


def _error(status: int, message: str) -> HttpResponse:
    return json_response(status, {"errors": [{"message": message, "code": status}]})


class BackendApiStandIn:
    def __init__(self, secret: str) -> None:
        self._expected = f"Bearer {secret}".encode()
        self.requests = 0

    def serve(self, port: int = 0) -> HttpService:
        return HttpService("backend-api", self.handle, port).start()

    def handle(self, request: HttpRequest) -> HttpResponse:
        self.requests += 1
        presented = (request.header("Authorization") or "").encode()
        if not hmac.compare_digest(presented, self._expected):
            return _error(401, "Invalid or missing backend API key")
        match = _USER_DETAILS.match(request.path)
        if match is None or request.method != "GET":
            return _error(404, "Not found")
        persona = persona_by_user_id(match.group(1))
        if persona is None:
            return _error(404, "User not found")
        return json_response(200, user_details(persona))
