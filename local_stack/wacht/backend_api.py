"""A local stand-in for Wacht's Backend API: ``GET /users/{id}/details``.

Like the real one it wants ``Authorization: Bearer <backend secret>`` (401 otherwise), answers
the raw user object (no ``data`` envelope) and uses Wacht's error shape
``{"errors": [{"message", "code"}]}``.

Which users exist: the dev personas, with their own names and emails, and every other id that
could be a Wacht user id (a decimal snowflake: 1 to 2**63-1, no leading zero) with a made-up
record derived from the id alone, so ``/whoami`` works with any token the dev IdP mints and the
same id always gets the same record. The dev IdP signs any ``sub`` it is asked to, so "every
snowflake" and "every user the IdP minted a token for" are the same set as seen through the
gateway, without the stand-in having to remember what was minted. Any other id (``abc``,
``007``, ``-1``, one past 2**63-1) is 404 ``User not found``: mint ``sub="not-a-snowflake"`` to
see ``/whoami``'s 404.
"""

from __future__ import annotations

import hmac
import re

from ..http_service import HttpRequest, HttpResponse, HttpService, json_response
from .personas import Persona, persona_by_user_id

__all__ = ["BackendApiStandIn", "is_snowflake", "made_up_user_details", "user_details"]

_USER_DETAILS = re.compile(r"^/users/([^/]+)/details$")
_DECIMAL = re.compile(r"[1-9][0-9]{0,18}")
_MAX_SNOWFLAKE = 2**63 - 1
"""Wacht ids are signed 64-bit integers rendered as decimal strings."""
_CREATED_AT = "2026-01-01T00:00:00Z"
_DEPLOYMENT_ID = "72170100000000001"


def is_snowflake(user_id: str) -> bool:
    """True when ``user_id`` is written as Wacht writes ids: a positive 64-bit decimal, no leading zero."""
    return _DECIMAL.fullmatch(user_id) is not None and int(user_id) <= _MAX_SNOWFLAKE


def user_details(persona: Persona, deployment_id: str = _DEPLOYMENT_ID) -> dict:
    """The raw user object the Backend API returns for ``persona``."""
    return _user_object(persona.user_id, persona.first_name, persona.last_name, persona.id, persona.email,
                        persona.created_at, deployment_id)


def made_up_user_details(user_id: str, deployment_id: str = _DEPLOYMENT_ID) -> dict:
    """A deterministic, obviously made-up user object for a snowflake that is not a persona."""
    if not is_snowflake(user_id):
        raise ValueError("user_id must be a decimal snowflake")
    return _user_object(user_id, "Dev", f"User {user_id[-4:]}", f"dev-user-{user_id}", f"user-{user_id}@dev-users.test",
                        _CREATED_AT, deployment_id)


def _user_object(user_id: str, first_name: str, last_name: str, username: str, email: str, created_at: str,
                 deployment_id: str) -> dict:
    return {
        "id": user_id,
        "created_at": created_at,
        "updated_at": created_at,
        "first_name": first_name,
        "last_name": last_name,
        "username": username,
        "profile_picture_url": "",
        "primary_email_address": email,
        "primary_phone_number": None,
        "email_addresses": [
            {
                "id": str(int(user_id) % _MAX_SNOWFLAKE + 1000),
                "created_at": created_at,
                "updated_at": created_at,
                "deployment_id": deployment_id,
                "user_id": user_id,
                "email": email,
                "is_primary": True,
                "verified": True,
                "verified_at": created_at,
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
        self.failure_status: int | None = None

    def serve(self, port: int = 0) -> HttpService:
        return HttpService("backend-api", self.handle, port).start()

    def handle(self, request: HttpRequest) -> HttpResponse:
        self.requests += 1
        if self.failure_status is not None:  # the chaos run's "Backend API failing" (local_stack.drills.faults)
            return _error(self.failure_status, "Backend API failing (fault injected)")
        presented = (request.header("Authorization") or "").encode()
        if not hmac.compare_digest(presented, self._expected):
            return _error(401, "Invalid or missing backend API key")
        match = _USER_DETAILS.match(request.path)
        if match is None or request.method != "GET":
            return _error(404, "Not found")
        user_id = match.group(1)
        persona = persona_by_user_id(user_id)
        if persona is not None:
            return json_response(200, user_details(persona))
        if is_snowflake(user_id):
            return json_response(200, made_up_user_details(user_id))
        return _error(404, "User not found")
