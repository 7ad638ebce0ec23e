"""Does a SAM template serve exactly the route table? A check to run before every deploy.

A route the template has and the table lacks gets no Allow in the authorizer's policy (every
caller: API Gateway's 403) and no requirement in its function (RouteNotDeclared: 500); a route the
table names but the template lacks never reaches its function; a public route behind the
authorizer answers 401/403, a protected one without it lets anyone through to the function. This
reads the template's ``AWS::Serverless::Function`` events of ``Type: Api`` directly (no SAM
transform): their path, method, API, authorizer (the event's ``Auth.Authorizer``, else the API's
``DefaultAuthorizer``, ``NONE`` for none) and function, and says what to change.

YAML templates need PyYAML (``pip install "wacht-auth[check]"``); CloudFormation's short tags
(``!Ref``, ``!Sub``, ``!GetAtt``, ...) are read as their long forms. JSON templates need nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from os import PathLike
from typing import Any

from .policy import RouteTableError, check_route_table
from .routes import ANY, Route

__all__ = ["TemplateError", "TemplateRoute", "check_template", "load_template", "template_routes"]

_IMPLICIT_API = "ServerlessRestApi"
"""The logical id SAM gives the API of events without RestApiId."""


class TemplateError(ValueError):
    """Raised when a template cannot be read at all (missing file, not YAML/JSON, no PyYAML for YAML)."""


@dataclass(frozen=True)
class TemplateRoute:
    """One ``Type: Api`` event of a function, as the template declares it."""

    method: str
    """In capitals; ``ANY`` for SAM's ``any``."""
    path: str
    function: str
    """Logical id of the AWS::Serverless::Function the event belongs to."""
    event: str
    """The event's name under the function's ``Events``."""
    api: str
    """Logical id of the API (``ServerlessRestApi`` for SAM's implicit one)."""
    authorizer: str | None
    """The authorizer guarding the route; None for ``NONE`` or an API without a default authorizer."""


def load_template(path: str | PathLike[str]) -> dict[str, Any]:
    """A SAM template file as data; CloudFormation short tags become ``{"Ref": ...}``, ``{"Fn::Sub": ...}``, ...

    Raises TemplateError naming the file and what to do (install ``wacht-auth[check]`` for YAML).
    """
    from pathlib import Path

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise TemplateError(f"{path}: cannot be read ({error.strerror or error})") from None
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as error:
            raise TemplateError(f"{path}: not valid JSON ({error})") from None
    else:
        document = _load_yaml(text, path)
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{path}: not a SAM template (no Resources mapping)")
    return document


def _load_yaml(text: str, path: str | PathLike[str]) -> Any:
    try:
        import yaml
    except ImportError:
        raise TemplateError(
            f"{path}: reading a YAML template needs PyYAML: pip install \"wacht-auth[check]\" (or pass a JSON template)"
        ) from None

    class _CloudFormationLoader(yaml.SafeLoader):
        """SafeLoader plus CloudFormation's short tags, read as their long forms."""

    def _short_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        if suffix == "Ref" or suffix == "Condition":
            return {suffix: value}
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{suffix}": value}

    _CloudFormationLoader.add_multi_constructor("!", _short_tag)
    try:
        return yaml.load(text, Loader=_CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise TemplateError(f"{path}: not valid YAML ({error})") from None


def template_routes(template: Mapping[str, Any]) -> tuple[TemplateRoute, ...]:
    """Every ``Type: Api`` event of every AWS::Serverless::Function, in template order."""
    return _read(template)[0]


def check_template(
    template: Mapping[str, Any] | str | PathLike[str],
    routes: Iterable[Route],
    *,
    api: str | None = None,
) -> list[str]:
    """What to change so that ``template`` serves exactly ``routes``: one sentence per problem, [] when none.

    ``template`` is the parsed template or a path (``load_template``). ``api`` limits the check to the
    events of one API (its logical id), for a template with several. Compared, for each route: that
    the template has an Api event with its path and method, on the function the route names, with the
    authorizer when the route requires a session and ``Auth: {Authorizer: NONE}`` when it is PUBLIC
    or OPTIONAL; that the authorizer is a declared REQUEST authorizer of its API; and that the
    template has no Api event the table lacks. The table's own consistency (``check_route_table``)
    is reported too. Raises TemplateError when a path cannot be read.
    """
    document = load_template(template) if not isinstance(template, Mapping) else template
    routes = tuple(routes)
    problems: list[str] = []
    try:
        check_route_table(routes)
    except RouteTableError as error:
        problems.append(f"route table: {error}")
    declared, unreadable = _read(document)
    problems += unreadable
    if api is not None:
        declared = tuple(event for event in declared if event.api == api)
    functions = _functions(document)
    by_key: dict[tuple[str, str], list[TemplateRoute]] = {}
    for event in declared:
        by_key.setdefault((event.method, event.path), []).append(event)
    for (method, path), events in by_key.items():
        if len(events) > 1:
            names = ", ".join(f"{e.function}.{e.event}" for e in events)
            problems.append(f"{method} {path}: declared by {len(events)} events ({names}); API Gateway keeps one, keep one")

    seen: set[tuple[str, str]] = set()
    for route in routes:
        key = (route.method, route.path)
        if key in seen:
            problems.append(f"{route.method} {route.path}: in the route table twice; keep one row")
            continue
        seen.add(key)
        if route.function not in functions:
            problems.append(
                f"{route.method} {route.path}: the route table names {route.function}, which is not an "
                f"AWS::Serverless::Function of the template; fix the name in the table or declare the function"
            )
        events = by_key.get(key)
        if not events:
            problems.append(
                f"{route.method} {route.path}: in the route table but not in the template; add to {route.function}'s "
                f"Events a Type: Api event with Path: {route.path}, Method: {route.method}"
                + ("" if route.requirement.behind_authorizer else " and Auth: {Authorizer: NONE}")
            )
            continue
        event = events[0]
        if event.function != route.function:
            problems.append(
                f"{route.method} {route.path}: the template wires it to {event.function} ({event.event}), the route "
                f"table to {route.function}; make them name the same function"
            )
        problems += _authorizer_problems(route, event, document)

    for event in declared:
        if (event.method, event.path) not in seen:
            problems.append(
                f"{event.method} {event.path}: the template's {event.function}.{event.event} serves it but the route "
                f"table lacks it (the authorizer's policy never allows it: every caller gets 403; its function "
                f"refuses it as RouteNotDeclared: 500); add Route(\"{event.method}\", \"{event.path}\", <requirement>, "
                f"\"{event.function}\") or remove the event"
            )
    return problems


def _authorizer_problems(route: Route, event: TemplateRoute, template: Mapping[str, Any]) -> list[str]:
    where = f"{route.method} {route.path}"
    if not route.requirement.behind_authorizer:
        if event.authorizer is not None:
            return [
                f"{where} is {route.requirement.access.value}, but the template puts it behind {event.authorizer} "
                f"(no token: 401; a token: 403, the policy covers only routes behind the authorizer); add "
                f"Auth: {{Authorizer: NONE}} to {event.function}.{event.event}"
            ]
        return []
    if event.authorizer is None:
        return [
            f"{where} requires {route.requirement}, but the template runs no authorizer for it (Authorizer: NONE, or "
            f"no DefaultAuthorizer on {event.api}): anyone reaches {event.function}; remove Auth: {{Authorizer: NONE}} "
            f"from {event.function}.{event.event} or set the API's DefaultAuthorizer"
        ]
    spec = _api_auth(template, event.api).get("Authorizers", {}).get(event.authorizer)
    if not isinstance(spec, Mapping):
        return [f"{where}: its authorizer {event.authorizer} is not declared in {event.api}'s Auth.Authorizers"]
    if spec.get("FunctionPayloadType") != "REQUEST":
        return [
            f"{where}: its authorizer {event.authorizer} must be a Lambda REQUEST authorizer "
            f"(FunctionPayloadType: REQUEST, Identity: {{Headers: [Authorization]}}): the Authorizer reads the event's headers"
        ]
    return []


def _functions(template: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {
        name: resource.get("Properties") or {}
        for name, resource in (template.get("Resources") or {}).items()
        if isinstance(resource, Mapping) and resource.get("Type") == "AWS::Serverless::Function"
    }


def _api_auth(template: Mapping[str, Any], api: str) -> dict[str, Any]:
    """The API's Auth, over the template's Globals.Api.Auth (SAM merges the two)."""
    globals_auth = ((template.get("Globals") or {}).get("Api") or {}).get("Auth") or {}
    resource = (template.get("Resources") or {}).get(api) or {}
    own_auth = (resource.get("Properties") or {}).get("Auth") or {} if isinstance(resource, Mapping) else {}
    return {**globals_auth, **own_auth}


def _read(template: Mapping[str, Any]) -> tuple[tuple[TemplateRoute, ...], list[str]]:
    """The Api events, and a sentence for each one whose method, path or API cannot be read."""
    resources = template.get("Resources") or {}
    found: list[TemplateRoute] = []
    problems: list[str] = []
    for function, properties in _functions(template).items():
        for name, event in (properties.get("Events") or {}).items():
            if not isinstance(event, Mapping) or event.get("Type") != "Api":
                continue
            spec = event.get("Properties") or {}
            where = f"{function}.{name}"
            path, method = spec.get("Path"), spec.get("Method")
            if not isinstance(path, str) or not isinstance(method, str):
                problems.append(f"{where}: Path and Method must be plain strings to be checked")
                continue
            rest_api = spec.get("RestApiId")
            if rest_api is None:
                api = _IMPLICIT_API
            elif isinstance(rest_api, Mapping) and isinstance(rest_api.get("Ref"), str):
                api = rest_api["Ref"]
                if (resources.get(api) or {}).get("Type") != "AWS::Serverless::Api":
                    problems.append(f"{where}: RestApiId !Ref {api} is not an AWS::Serverless::Api of this template")
                    continue
            else:
                problems.append(f"{where}: RestApiId must be a !Ref to an AWS::Serverless::Api of this template to be checked")
                continue
            auth = spec.get("Auth") or {}
            authorizer = auth.get("Authorizer") if isinstance(auth, Mapping) and "Authorizer" in auth else _api_auth(
                template, api
            ).get("DefaultAuthorizer")
            method = method.upper()
            found.append(
                TemplateRoute(
                    method=ANY if method == "ANY" else method,
                    path=path,
                    function=function,
                    event=name,
                    api=api,
                    authorizer=None if authorizer in (None, "NONE") else str(authorizer),
                )
            )
    return tuple(found), problems
