"""/whoami: the caller's Wacht user, fetched within the request's budget, cut to what a browser may see.

Wacht's Backend API answers the full user object, which is meant for servers: it may carry
backend-only fields (private or unsafe metadata, sign-in details, ids of other records). The
answer is built field by field from an allowlist, so a field Wacht adds later never reaches the
browser until it is added here (and to the README's Routes table).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wacht_auth.wacht_api import WachtApi, WachtApiUnavailable

from .backend_secret import BackendSecret
from .budget import Budget

__all__ = ["PUBLIC_USER_FIELDS", "UserDirectory", "public_user"]

PUBLIC_USER_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "username",
    "profile_picture_url",
    "primary_email_address",
    "email_addresses",
    "created_at",
    "updated_at",
)
"""What /whoami answers, each a string or null except ``email_addresses``, a list of strings."""


def public_user(user: Mapping[str, Any], user_id: str) -> dict[str, Any]:
    """The allowlisted view of Wacht's user object for ``user_id``.

    Raises WachtApiUnavailable (our 502) when Wacht answered another user's object: never show it.
    """
    if user.get("id") != user_id:
        raise WachtApiUnavailable("Wacht API answered a user object for another id")
    answer: dict[str, Any] = {name: _text(user.get(name)) for name in PUBLIC_USER_FIELDS}
    answer["primary_email_address"] = _email(user.get("primary_email_address"))
    addresses = user.get("email_addresses")
    answer["email_addresses"] = [e for e in map(_email, addresses) if e] if isinstance(addresses, list) else []
    return answer


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _email(value: Any) -> str | None:
    # Wacht writes an address as a string or as a record {"email": ..., ...}: keep only the address.
    if isinstance(value, Mapping):
        value = value.get("email")
    return _text(value)


class UserDirectory:
    """Looks users up in Wacht with the backend secret. Build once per process with ``from_environ``."""

    def __init__(self, api: WachtApi, secret: BackendSecret) -> None:
        self._api = api
        self._secret = secret

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> UserDirectory:
        return cls(WachtApi.from_environ(environ), BackendSecret.from_environ(environ))

    def public_user(self, user_id: str, budget: Budget) -> dict[str, Any]:
        """The user's public fields; the secret fetch and the Wacht call share ``budget``.

        When Wacht refuses our secret (401/403) and the cached one may be stale (rotated in the
        store), it is fetched again and the call retried once, within the same budget.
        """
        secret = self._secret(budget)
        try:
            user = self._api.users.get_user(user_id, secret=secret, timeout_seconds=budget.remaining_seconds())
        except WachtApiUnavailable as refused:
            if refused.status not in (401, 403) or not self._secret.forget(secret):
                raise
            fresh = self._secret(budget)
            if fresh == secret:
                raise
            user = self._api.users.get_user(user_id, secret=fresh, timeout_seconds=budget.remaining_seconds())
        return public_user(user, user_id)
