"""template.yaml as data: translated by aws-sam-translator, then read like API Gateway would.

The translated REST API's ``Body`` is an OpenAPI document holding every path and method, its
security (authorizer or NONE), the authorizer's identity source and TTL, the integration naming
the function, the CORS preflight methods and the gateway responses. The tests and the local
gateway both read it here, instead of re-parsing SAM by hand.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = PROJECT_ROOT / "template.yaml"
API_ID = "Api"

_FUNCTION_IN_URI = re.compile(r"\$\{(\w+)\.Arn\}")


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    function: str
    """Logical id of the function the integration invokes."""
    authorizer: str | None
    """Name of the authorizer guarding the route; None when the route is open (Authorizer: NONE)."""


@dataclass(frozen=True)
class AuthorizerSpec:
    name: str
    function: str
    type: str
    """"request" or "token"."""
    identity_headers: tuple[str, ...]
    ttl_seconds: int


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    layer_dirs: tuple[Path, ...] = ()
    """Local folders of the function's layers, in order (Lambda mounts each under /opt/python)."""
    timeout_seconds: int = 3
    memory_mb: int = 128
    reserved_concurrency: int | None = None
    """ReservedConcurrentExecutions as deployed with the given parameters; None when the template sets none."""


def load_source(path: Path = TEMPLATE_PATH) -> dict:
    """template.yaml parsed with intrinsic-function tags (!Ref, !Sub, ...) as dicts."""
    from samtranslator.yaml_helper import yaml_parse

    return yaml_parse(path.read_text())


def parameter_defaults(source: dict) -> dict[str, str]:
    return {name: str(spec["Default"]) for name, spec in source.get("Parameters", {}).items() if "Default" in spec}


def translate(parameters: dict[str, str] | None = None, path: Path = TEMPLATE_PATH, region: str = "us-east-1") -> dict:
    """The CloudFormation template `sam deploy` would create, made offline."""
    return copy.deepcopy(_translate_cached(tuple(sorted((parameters or {}).items())), str(path), region))


@lru_cache(maxsize=8)
def _translate_cached(parameters: tuple, path: str, region: str) -> dict:
    import os

    from samtranslator.translator.transform import transform

    os.environ.setdefault("AWS_DEFAULT_REGION", region)  # the translator builds its own boto3 session

    source = load_source(Path(path))
    sections = [resource.get("Properties", {}) for resource in source.get("Resources", {}).values()]
    sections.append(source.get("Globals", {}).get("Function", {}))  # a CodeUri may be global too
    for properties in sections:
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):  # local folders become dummy S3 locations
                properties[key] = f"s3://local-bucket/{properties[key].strip('/')}"

    class _NoManagedPolicies:
        def load(self) -> dict:
            return {}

    return transform(source, dict(parameters), _NoManagedPolicies())


def api_body(translated: dict) -> dict:
    return translated["Resources"][API_ID]["Properties"]["Body"]


def api_routes(translated: dict) -> list[ApiRoute]:
    """Every method of the REST API except the CORS preflight (``options``) ones."""
    routes = []
    for path, methods in api_body(translated)["paths"].items():
        for method, operation in methods.items():
            if method == "options":
                continue
            uri = operation["x-amazon-apigateway-integration"]["uri"]
            uri_text = uri["Fn::Sub"] if isinstance(uri, dict) else uri
            match = _FUNCTION_IN_URI.search(uri_text if isinstance(uri_text, str) else uri_text[0])
            security = operation.get("security") or []
            names = [name for requirement in security for name in requirement]
            authorizer = next((n for n in names if n != "NONE"), None)
            routes.append(ApiRoute(method.upper(), path, match.group(1) if match else "", authorizer))
    return routes


def preflight_paths(translated: dict) -> dict[str, dict]:
    """Path -> the preflight ``options`` operation (a MOCK integration, no authorizer)."""
    return {path: methods["options"] for path, methods in api_body(translated)["paths"].items() if "options" in methods}


def security_schemes(translated: dict) -> dict[str, dict]:
    """Name -> security scheme: OpenAPI 3 keeps them under ``components.securitySchemes``,
    Swagger 2.0 under ``securityDefinitions`` (the template uses 3.0, which has no extra stage)."""
    body = api_body(translated)
    return {**body.get("securityDefinitions", {}), **body.get("components", {}).get("securitySchemes", {})}


def authorizers(translated: dict) -> dict[str, AuthorizerSpec]:
    specs = {}
    for name, definition in security_schemes(translated).items():
        config = definition.get("x-amazon-apigateway-authorizer")
        if not config:
            continue
        uri = config["authorizerUri"]
        function = uri["Fn::Sub"][1]["__FunctionArn__"]["Fn::GetAtt"][0]
        sources = [s.strip() for s in config.get("identitySource", "").split(",") if s.strip()]
        headers = tuple(s.removeprefix("method.request.header.") for s in sources if s.startswith("method.request.header."))
        specs[name] = AuthorizerSpec(
            name=name,
            function=function,
            type=config["type"],
            identity_headers=headers,
            ttl_seconds=int(config.get("authorizerResultTtlInSeconds", 300)),
        )
    return specs


def gateway_responses(translated: dict, parameters: dict[str, str]) -> dict[str, dict[str, str]]:
    """Response type (UNAUTHORIZED, ...) -> the headers API Gateway adds, values resolved."""
    responses = {}
    for kind, spec in api_body(translated).get("x-amazon-apigateway-gateway-responses", {}).items():
        headers = {}
        for key, value in spec.get("responseParameters", {}).items():
            name = key.removeprefix("gatewayresponse.header.")
            headers[name] = _unquote(resolve(value, parameters))
        responses[kind] = headers
    return responses


def preflight_headers(operation: dict, parameters: dict[str, str]) -> dict[str, str]:
    params = operation["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
    return {k.removeprefix("method.response.header."): _unquote(resolve(v, parameters)) for k, v in params.items()}


def function_spec(source: dict, translated: dict, logical_id: str, parameters: dict[str, str], resource_names: dict[str, str]) -> FunctionSpec:
    """Where a function's code is and the environment the template gives it (intrinsics resolved)."""
    code_uri = source["Resources"][logical_id]["Properties"].get("CodeUri") or source.get("Globals", {}).get("Function", {}).get("CodeUri")
    properties = translated["Resources"][logical_id]["Properties"]
    variables = properties.get("Environment", {}).get("Variables", {})
    holds = conditions(source, parameters)
    environment = {name: str(resolve(value, parameters, resource_names, holds)) for name, value in variables.items()}
    return FunctionSpec(
        logical_id,
        PROJECT_ROOT / code_uri,
        properties["Handler"],
        environment,
        layer_dirs=_layer_dirs(source, logical_id),
        timeout_seconds=int(properties.get("Timeout", 3)),
        memory_mb=int(properties.get("MemorySize", 128)),
        reserved_concurrency=_optional_int(resolve(properties.get("ReservedConcurrentExecutions"), parameters, resource_names, holds)),
    )


def function_ids(source: dict) -> list[str]:
    """Logical ids of every AWS::Serverless::Function in the template."""
    return [name for name, r in source.get("Resources", {}).items() if r.get("Type") == "AWS::Serverless::Function"]


def stage_name(translated: dict, parameters: dict[str, str]) -> str:
    """The REST API's stage (``StageName``), resolved."""
    return str(resolve(translated["Resources"][API_ID + "Stage"]["Properties"]["StageName"], parameters))


def _layer_dirs(source: dict, logical_id: str) -> tuple[Path, ...]:
    """Import roots of the function's layers, in order (Globals first, as SAM merges lists).

    A layer is its ContentUri folder plus, for each local package its requirements.txt names
    (``./packages/wacht-auth``: a path from the project root, as ``sam build`` reads it), that
    package's import root: what ``sam build`` installs into the layer, read from the source so
    local runs always see the code as it is now.
    """
    resources = source.get("Resources", {})
    references = list(source.get("Globals", {}).get("Function", {}).get("Layers", []))
    references += resources[logical_id]["Properties"].get("Layers", [])
    folders: list[Path] = []
    for reference in references:
        name = reference.get("Ref") if isinstance(reference, dict) else None
        layer = resources.get(name, {}) if name else {}
        content_uri = layer.get("Properties", {}).get("ContentUri")
        if layer.get("Type") == "AWS::Serverless::LayerVersion" and isinstance(content_uri, str):
            folders.append(PROJECT_ROOT / content_uri)
            folders.extend(local_package_roots(PROJECT_ROOT / content_uri / "requirements.txt"))
    return tuple(folders)


def local_package_roots(requirements: Path) -> tuple[Path, ...]:
    """Import roots (``src/`` when the package has one) of the local paths in a requirements file."""
    if not requirements.is_file():
        return ()
    roots = []
    for line in requirements.read_text().splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry.startswith(("./", "../")):
            package = (PROJECT_ROOT / entry).resolve()
            roots.append(package / "src" if (package / "src").is_dir() else package)
    return tuple(roots)


def table_definitions(source: dict) -> dict[str, dict]:
    """Logical id -> ``create_table`` arguments for every DynamoDB table in the template."""
    tables = {}
    for logical_id, resource in source.get("Resources", {}).items():
        if resource.get("Type") not in ("AWS::DynamoDB::Table",):
            continue
        properties = resource["Properties"]
        definition = {
            "AttributeDefinitions": properties["AttributeDefinitions"],
            "KeySchema": properties["KeySchema"],
            "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
        }
        for optional in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if optional in properties:
                definition[optional] = properties[optional]
        tables[logical_id] = definition
    return tables


def conditions(source: dict, parameters: dict[str, str]) -> dict[str, bool]:
    """Every entry of the template's ``Conditions`` evaluated for ``parameters`` (defaults fill the rest).

    Understands what CloudFormation allows there: Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition
    and Ref to a parameter. A Ref to an unknown parameter raises KeyError naming it.
    """
    values = {**parameter_defaults(source), **parameters}
    definitions = source.get("Conditions", {})
    results: dict[str, bool] = {}

    def condition(name: str) -> bool:
        if name not in results:
            results[name] = bool(evaluate(definitions[name]))
        return results[name]

    def evaluate(node: Any) -> Any:
        if not (isinstance(node, dict) and len(node) == 1):
            return node
        (function, argument), = node.items()
        if function == "Ref":
            if argument not in values:
                raise KeyError(f"condition refers to unknown parameter {argument}")
            return values[argument]
        if function == "Condition":
            return condition(argument)
        if function == "Fn::Equals":
            left, right = (str(evaluate(side)) for side in argument)
            return left == right
        if function == "Fn::Not":
            return not evaluate(argument[0])
        if function == "Fn::And":
            return all(evaluate(part) for part in argument)
        if function == "Fn::Or":
            return any(evaluate(part) for part in argument)
        raise ValueError(f"unsupported function in a condition: {function}")

    return {name: condition(name) for name in definitions}


def resolve(
    value: Any,
    parameters: dict[str, str],
    resource_names: dict[str, str] | None = None,
    holds: dict[str, bool] | None = None,
) -> Any:
    """Resolve the intrinsics the template uses in environment and header values: Ref, string
    Fn::Sub, and Fn::If on a condition in ``holds`` (see ``conditions``)."""
    names = resource_names or {}
    if isinstance(value, dict) and len(value) == 1:
        (function, argument), = value.items()
        if function == "Fn::If":
            name, when_true, when_false = argument
            if holds is None or name not in holds:
                raise KeyError(f"cannot resolve Fn::If on condition {name}")
            return resolve(when_true if holds[name] else when_false, parameters, names, holds)
        if function == "Ref":
            if argument == "AWS::NoValue":
                return None
            if argument in parameters:
                return parameters[argument]
            if argument in names:
                return names[argument]
            raise KeyError(f"cannot resolve Ref {argument}")
        if function == "Fn::Sub" and isinstance(argument, str):
            return re.sub(r"\$\{([\w:.]+)\}", lambda m: str(resolve({"Ref": m.group(1)}, parameters, names)), argument)
    return value


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _unquote(value: Any) -> str:
    text = str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text
