"""The REST API as API Gateway holds it: resources, their methods, preflights and authorizers.

Built from the translated template (``local_stack.api_gateway.sam_template``), never from a second list.
Which resource serves a path is decided by ``wacht_auth.routes.best_resource``, the one
implementation of API Gateway's choice (a literal segment beats a ``{parameter}``, which beats a
greedy ``{proxy+}``) that the authorizer's policy check uses too. What is the gateway's own: a
trailing slash or an empty segment is ignored (deployed REST APIs route ``/hello/`` to ``/hello``),
the method ARN uses the same normalised path (``canonical_path``), and path parameters are
percent-decoded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import unquote

from wacht_auth.routes import best_resource

from . import sam_template
from .sam_template import ApiRoute, AuthorizerSpec

__all__ = ["ApiDefinition", "Resource", "RouteMatch", "canonical_path"]


@dataclass(frozen=True)
class Resource:
    path: str
    """The resource path as declared, e.g. ``/documents/{documentId}``."""
    methods: Mapping[str, ApiRoute]
    preflight_headers: Mapping[str, str] | None
    """Headers of the mock OPTIONS integration; None when the resource has no preflight."""

    @property
    def segments(self) -> tuple[str, ...]:
        return _segments(self.path)


@dataclass(frozen=True)
class RouteMatch:
    resource: Resource
    path_parameters: Mapping[str, str]


@dataclass(frozen=True)
class ApiDefinition:
    resources: tuple[Resource, ...]
    authorizers: Mapping[str, AuthorizerSpec]
    gateway_responses: Mapping[str, Mapping[str, str]]
    """Response type (UNAUTHORIZED, DEFAULT_4XX, ...) -> headers added to gateway-made answers."""
    stage: str

    @classmethod
    def from_template(cls, translated: dict, parameters: dict[str, str]) -> ApiDefinition:
        by_path: dict[str, dict[str, ApiRoute]] = {}
        for route in sam_template.api_routes(translated):
            by_path.setdefault(route.path, {})[route.method] = route
        preflights = sam_template.preflight_paths(translated)
        resources = tuple(
            Resource(
                path,
                MappingProxyType(by_path.get(path, {})),
                MappingProxyType(sam_template.preflight_headers(preflights[path], parameters)) if path in preflights else None,
            )
            for path in sorted(set(by_path) | set(preflights))
        )
        return cls(
            resources=resources,
            authorizers=MappingProxyType(sam_template.authorizers(translated)),
            gateway_responses=MappingProxyType(sam_template.gateway_responses(translated, parameters)),
            stage=sam_template.stage_name(translated, parameters),
        )

    def match(self, raw_path: str) -> RouteMatch | None:
        """The resource serving ``raw_path`` (percent-encoded, as received), or None."""
        found = best_resource(_segments(raw_path), self.resources, lambda resource: resource.segments)
        if found is None:
            return None
        resource, parameters = found
        return RouteMatch(resource, MappingProxyType({name: unquote(value) for name, value in parameters.items()}))


def canonical_path(raw_path: str) -> str:
    """``raw_path`` as matching reads it: no empty segment, no trailing slash (``/`` for the root).

    The method ARN is built from this, so ``/me/``, routed to ``GET /me``, is judged by the
    authorizer's policy as ``GET/me``: what is routed and what is authorized never differ.
    """
    return "/" + "/".join(_segments(raw_path))


def _segments(path: str) -> tuple[str, ...]:
    return tuple(s for s in path.strip("/").split("/") if s) if path.strip("/") else ()
