"""The REST API as API Gateway holds it: resources, their methods, preflights and authorizers.

Built from the translated template (``local_stack.api_gateway.sam_template``), never from a second list.
Matching follows API Gateway: a literal segment beats a ``{parameter}``, which beats a greedy
``{proxy+}``; a trailing slash is ignored (deployed REST APIs route ``/hello/`` to ``/hello``),
and the method ARN uses the same normalised path (``canonical_path``); path parameters are
percent-decoded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import unquote

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
        segments = _segments(raw_path)
        best: tuple[tuple[int, ...], RouteMatch] | None = None
        for resource in self.resources:
            parameters = _bind(resource.segments, segments)
            if parameters is None:
                continue
            rank = tuple(0 if s.endswith("+}") else 1 if s.startswith("{") else 2 for s in resource.segments)
            if best is None or rank > best[0]:
                best = (rank, RouteMatch(resource, MappingProxyType(parameters)))
        return best[1] if best else None


def canonical_path(raw_path: str) -> str:
    """``raw_path`` as matching reads it: no empty segment, no trailing slash (``/`` for the root).

    The method ARN is built from this, so ``/me/``, routed to ``GET /me``, is judged by the
    authorizer's policy as ``GET/me``: what is routed and what is authorized never differ.
    """
    return "/" + "/".join(_segments(raw_path))


def _segments(path: str) -> tuple[str, ...]:
    return tuple(s for s in path.strip("/").split("/") if s) if path.strip("/") else ()


def _bind(template: tuple[str, ...], actual: tuple[str, ...]) -> dict[str, str] | None:
    parameters: dict[str, str] = {}
    for index, part in enumerate(template):
        if part.startswith("{") and part.endswith("+}"):
            rest = actual[index:]
            if not rest:
                return None
            parameters[part[1:-2]] = unquote("/".join(rest))
            return parameters
        if index >= len(actual):
            return None
        if part.startswith("{") and part.endswith("}"):
            parameters[part[1:-1]] = unquote(actual[index])
        elif part != actual[index]:
            return None
    return parameters if len(actual) == len(template) else None
