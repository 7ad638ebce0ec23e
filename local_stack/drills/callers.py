"""The kinds of caller the drills send, and what each may get on each route.

    session       a persona in a workspace; tokens from the dev IdP (``POST /tokens``)
    api_key       a customer API key of one organization and workspace; from Wacht's gateway
                  stand-in (``POST /api-keys``), revoked with ``DELETE /api-keys/{key_id}``
    oauth_jwt     an OAuth client acting for a user; RS256 JWTs from the dev OAuth app
                  (``POST /oauth/tokens`` ``"format": "jwt"``), not revocable before they expire
    oauth_opaque  the same with opaque tokens, judged by the gateway; ``POST /oauth/revoke``

What each may do follows the route table (layers/common/api_routes.py): /me takes every caller;
/whoami every caller with a user (an OAuth token needs the ``profile`` scope; the stand-in's keys
have no owner user: 403); the /documents routes take sessions and API keys (the key's workspace and
permissions); /members takes sessions only (403 for the others); /hello greets session tokens only
(any other bearer is a stranger there, never a 401). The load's clients ask these questions, so
one loop judges every kind of caller.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from ..wacht.personas import ACME, ACME_DOCS, ACME_LEGAL, GLOBEX, GLOBEX_MAIN, find_persona

__all__ = ["EVERY_CALLER", "GATEWAY_JUDGED", "OTHER_CALLERS", "SESSIONS", "ApiKeyCaller", "Caller", "Credential",
           "Endpoints", "OAuthCaller", "SessionCaller", "issue_json"]

GATEWAY_JUDGED = ("api_key", "oauth_opaque")
"""The caller kinds Wacht's gateway judges on every request (the others are verified locally)."""
OAUTH_CLIENT_ID = "72170500000000001"


@dataclass(frozen=True)
class Endpoints:
    """Where credentials come from: the dev IdP, and (for the other callers) the OAuth app and the gateway stand-in."""

    idp: str
    oauth: str | None = None
    gateway: str | None = None


@dataclass(frozen=True)
class Credential:
    """What goes after ``Bearer``, and what revokes it (an API key's id)."""

    value: str
    key_id: str | None = None


def issue_json(url: str, body: Mapping[str, object] | None, *, method: str = "POST", attempts: int = 3, timeout_seconds: float = 10.0) -> dict:
    """Ask a stand-in for a credential (or to revoke one); its JSON answer. The stand-ins are the
    harness, not what is measured: a refused connection is retried; an error answer is a RuntimeError."""
    data = json.dumps(body).encode() if body is not None else None
    for attempt in range(attempts):
        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout_seconds) as response:  # noqa: S310 - loopback URLs only
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{method} {url} answered {error.code}: {error.read()[:200]!r}") from None
        except (urllib.error.URLError, OSError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Caller:
    """What every kind of caller answers; the defaults are those of a caller without a tenant or a user."""

    kind: str = field(init=False, default="session")
    label: str = ""
    user_id: str | None = None
    organization: str | None = None
    workspace: str | None = None

    @property
    def judged_by_gateway(self) -> bool:
        return self.kind in GATEWAY_JUDGED

    @property
    def revocable(self) -> bool:
        """A credential its issuer can revoke: the next request with it must be a 401."""
        return self.judged_by_gateway

    @property
    def reads_documents(self) -> bool:
        return False

    @property
    def writes_documents(self) -> bool:
        return False

    @property
    def lists_members(self) -> bool:
        return False

    @property
    def manages_members(self) -> bool:
        return False

    @property
    def whoami_status(self) -> int:
        return 200 if self.user_id is not None else 403

    @property
    def greeted_as(self) -> str:
        """What GET /hello says to this caller: it reads session tokens only."""
        return "hello stranger"

    def issue(self, endpoints: Endpoints) -> Credential:
        raise NotImplementedError

    def revoke(self, endpoints: Endpoints, credential: Credential) -> None:
        raise NotImplementedError(f"a {self.kind} credential cannot be revoked")

    def me_mismatch(self, body: dict, credential: Credential) -> str | None:
        """Why GET /me's answer is not this caller (None when it is)."""
        seen = (body.get("principal_type"), body.get("user_id"), body.get("organization_id"), body.get("workspace_id"))
        wanted = (self.principal_type, self.user_id, self.organization, self.workspace)
        return None if seen == wanted else f"GET /me answered {seen} instead of {wanted}"

    @property
    def principal_type(self) -> str:
        return {"session": "session_token", "api_key": "api_key"}.get(self.kind, "oauth_access_token")


@dataclass(frozen=True)
class SessionCaller(Caller):
    """A persona in one of its workspaces (or none): ``body`` is its dev IdP token request."""

    kind: str = field(init=False, default="session")
    body: dict = field(default_factory=dict)

    @classmethod
    def of(cls, persona: str, workspace: str | None) -> SessionCaller:
        body = find_persona(persona).token_request(workspace_id=workspace)
        return cls(persona, body["sub"], body.get("organization"), body.get("workspace"), body)

    @property
    def persona(self) -> str:
        return self.label

    @property
    def reads_documents(self) -> bool:
        return self.workspace is not None

    @property
    def writes_documents(self) -> bool:
        return self.workspace is not None and "documents:write" in self.body["permissions"]["workspace"]

    @property
    def lists_members(self) -> bool:
        return self.organization is not None

    @property
    def manages_members(self) -> bool:
        return self.organization is not None and "members:manage" in self.body["permissions"]["organization"]

    @property
    def greeted_as(self) -> str:
        return f"hello {self.user_id}"

    def issue(self, endpoints: Endpoints) -> Credential:
        return Credential(issue_json(f"{endpoints.idp.rstrip('/')}/tokens", self.body)["token"])


@dataclass(frozen=True)
class ApiKeyCaller(Caller):
    """A customer API key of one organization and workspace, with ``permissions`` (no owner user, no rate limit)."""

    kind: str = field(init=False, default="api_key")
    permissions: tuple[str, ...] = ()

    @property
    def reads_documents(self) -> bool:
        return self.workspace is not None

    @property
    def writes_documents(self) -> bool:
        return self.workspace is not None and "documents:write" in self.permissions

    def issue(self, endpoints: Endpoints, *, rate_limit_per_minute: int | None = None) -> Credential:
        body: dict[str, object] = {"name": f"drill {self.label}", "organization": self.organization,
                                   "workspace": self.workspace, "permissions": list(self.permissions)}
        if rate_limit_per_minute is not None:
            body["rate_limit_per_minute"] = rate_limit_per_minute
        answer = issue_json(f"{_require(endpoints.gateway, 'gateway')}/api-keys", body)
        return Credential(answer["key"], answer["key_id"])

    def revoke(self, endpoints: Endpoints, credential: Credential) -> None:
        issue_json(f"{_require(endpoints.gateway, 'gateway')}/api-keys/{quote(credential.key_id or '', safe='')}", None,
                   method="DELETE")

    def me_mismatch(self, body: dict, credential: Credential) -> str | None:
        return super().me_mismatch(body, credential) or (
            None if body.get("key_id") == credential.key_id else f"GET /me named key {body.get('key_id')}, not {credential.key_id}")


@dataclass(frozen=True)
class OAuthCaller(Caller):
    """An OAuth client acting for ``user_id`` with ``scope``, its tokens JWTs or opaque."""

    kind: str = field(init=False, default="oauth_jwt")
    scope: str = ""
    token_format: str = "jwt"

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", f"oauth_{self.token_format}")

    @property
    def whoami_status(self) -> int:
        return 200 if "profile" in self.scope.split() else 403

    def issue(self, endpoints: Endpoints) -> Credential:
        body = {"sub": self.user_id, "client_id": OAUTH_CLIENT_ID, "scope": self.scope, "format": self.token_format}
        return Credential(issue_json(f"{_require(endpoints.oauth, 'oauth')}/oauth/tokens", body)["token"])

    def revoke(self, endpoints: Endpoints, credential: Credential) -> None:
        if self.token_format != "opaque":
            super().revoke(endpoints, credential)
        issue_json(f"{_require(endpoints.oauth, 'oauth')}/oauth/revoke", {"token": credential.value})

    def me_mismatch(self, body: dict, credential: Credential) -> str | None:
        return super().me_mismatch(body, credential) or (
            None if (body.get("client_id"), body.get("scopes")) == (OAUTH_CLIENT_ID, self.scope.split())
            else f"GET /me named client {body.get('client_id')} with scopes {body.get('scopes')}")


def _require(url: str | None, name: str) -> str:
    if not url:
        raise RuntimeError(f"this caller needs the stack's {name} URL")
    return url


def _user(persona: str) -> str:
    return find_persona(persona).user_id


SESSIONS = (SessionCaller.of("alice", None), SessionCaller.of("alice", "Acme Legal"), SessionCaller.of("bob", None),
            SessionCaller.of("carol", None), SessionCaller.of("dave", None))
"""One of each: alice in Acme Docs and in Acme Legal, bob (reader), carol (Globex), dave (no organization)."""
OTHER_CALLERS = (
    ApiKeyCaller("key Acme Docs (write)", None, ACME, ACME_DOCS, ("documents:write",)),
    OAuthCaller("OAuth opaque alice (profile)", _user("alice"), scope="profile", token_format="opaque"),
    OAuthCaller("OAuth JWT carol (profile)", _user("carol"), scope="profile email", token_format="jwt"),
    ApiKeyCaller("key Globex Main (write)", None, GLOBEX, GLOBEX_MAIN, ("documents:write",)),
    ApiKeyCaller("key Acme Legal (read)", None, ACME, ACME_LEGAL, ()),
    OAuthCaller("OAuth JWT bob (email)", _user("bob"), scope="email", token_format="jwt"),
)
"""Three keys (two that write, in Acme Docs and Globex Main; one that only reads, in Acme Legal) and
three OAuth clients (opaque and JWT with ``profile``; a JWT without it, refused by /whoami)."""
def _interleave(first: tuple[Caller, ...], second: tuple[Caller, ...]) -> tuple[Caller, ...]:
    merged: list[Caller] = []
    for i in range(max(len(first), len(second))):
        merged += first[i:i + 1] + second[i:i + 1]
    return tuple(merged)


EVERY_CALLER = _interleave(SESSIONS, OTHER_CALLERS)
"""Sessions and the others interleaved (a session first): six clients already have every kind."""
