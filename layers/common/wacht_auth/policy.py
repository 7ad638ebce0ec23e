"""The IAM policy an authorizer returns: one decision for every route of the stage.

API Gateway caches an authorizer's result per identity source and reuses it for every route
the caller hits next; a policy that only allows the triggering method ARN yields random 403s
elsewhere. So the policy lists every route behind the authorizer: Allow where the session meets
the route's requirement, an explicit Deny where it does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .context import AuthContext
from .routes import gateway_routes

__all__ = ["InvalidMethodArn", "MethodArn", "build_policy"]

_PATH_PARAMETER = re.compile(r"\{[^/{}]+\}")


class InvalidMethodArn(ValueError):
    """Raised when an authorizer event's ``methodArn`` is missing or not an execute-api method ARN."""


@dataclass(frozen=True)
class MethodArn:
    """``arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>``."""

    partition: str
    region: str
    account_id: str
    api_id: str
    stage: str
    method: str
    resource_path: str

    @classmethod
    def parse(cls, arn: str) -> MethodArn:
        """Raise InvalidMethodArn when ``arn`` is not an execute-api method ARN."""
        parts = arn.split(":", 5) if isinstance(arn, str) else []
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != "execute-api":
            raise InvalidMethodArn("not an execute-api method ARN")
        _, partition, _, region, account_id, rest = parts
        api_id, _, rest = rest.partition("/")
        stage, _, rest = rest.partition("/")
        method, _, path = rest.partition("/")
        if not all((partition, region, account_id, api_id, stage, method)):
            raise InvalidMethodArn("method ARN is missing a part")
        return cls(partition, region, account_id, api_id, stage, method, "/" + path)

    @property
    def stage_arn(self) -> str:
        """The ARN prefix shared by every route of this API stage."""
        return f"arn:{self.partition}:execute-api:{self.region}:{self.account_id}:{self.api_id}/{self.stage}"


def build_policy(auth: AuthContext, stage_arn: str) -> dict:
    """A policy document allowing exactly the routes ``auth`` may call, denying the rest.

    A fresh document each call (callers may keep or change it); which routes are allowed is
    memoised per set of grants, since many sessions share the same ones.
    """
    allowed_flags = _decisions(
        auth.organization_id is not None,
        auth.workspace_id is not None,
        auth.organization_permissions,
        auth.workspace_permissions,
    )
    allowed: list[str] = []
    denied: list[str] = []
    for (route, pattern), allow in zip(_GATEWAY_ROUTES, allowed_flags, strict=True):
        (allowed if allow else denied).append(f"{stage_arn}/{route.method}{pattern}")
    statements = []
    if allowed:
        statements.append({"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": allowed})
    if denied:
        statements.append({"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": denied})
    return {"Version": "2012-10-17", "Statement": statements}


# Each gateway route with its method-ARN path pattern: every ``{parameter}`` becomes ``*``.
_GATEWAY_ROUTES = tuple((route, _PATH_PARAMETER.sub("*", route.path)) for route in gateway_routes())


@lru_cache(maxsize=1024)
def _decisions(
    has_organization: bool,
    has_workspace: bool,
    organization_permissions: tuple[str, ...],
    workspace_permissions: tuple[str, ...],
) -> tuple[bool, ...]:
    """Allow/deny for each gateway route, from what a session's grants are (not who it is)."""
    grants = AuthContext(
        user_id="grants",
        session_id="grants",
        organization_id="organization" if has_organization else None,
        workspace_id="workspace" if has_workspace else None,
        organization_permissions=organization_permissions,
        workspace_permissions=workspace_permissions,
    )
    return tuple(route.requirement.is_met_by(grants) for route, _ in _GATEWAY_ROUTES)
