"""template.yaml as CloudFormation will see it: translated by aws-sam-translator, linted by
cfn-lint, and its wiring checked against the one route table (api_routes.ROUTES)."""

from __future__ import annotations

import json
import re

import pytest
from cfnlint.api import lint
from cfnlint.config import ManualArgs

from local_stack.sam_template import (
    TEMPLATE_PATH,
    api_body,
    api_routes,
    authorizers,
    function_ids,
    function_spec,
    gateway_responses,
    load_source,
    parameter_defaults,
    preflight_headers,
    preflight_paths,
    translate,
)
from api_routes import ROUTES
from wacht_auth import check_template
from wacht_auth.template_check import load_template, template_routes

PARAMETERS = {"WachtDeploymentUrl": "https://frontend.example.com", "AllowedOrigin": "https://app.example.com"}
DATA_ACTIONS = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"}


@pytest.fixture(scope="module")
def translated():
    return translate(PARAMETERS)


def _statements(translated, function):
    role = translated["Resources"][f"{function}Role"]["Properties"]
    return [s for policy in role.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _actions(statement) -> list:
    action = statement["Action"]
    if isinstance(action, dict) and "Fn::If" in action:  # both branches count
        return [a for branch in action["Fn::If"][1:] for a in (branch if isinstance(branch, list) else [branch])]
    return action if isinstance(action, list) else [action]


def test_translated_template_passes_cfn_lint(translated):
    matches = lint(json.dumps(translated), config=ManualArgs(regions=["us-east-1"]))
    # W2001 "AuthorizerCacheTtlSeconds not used" is a translation artefact: SAM inlines the Ref'd
    # TTL into the OpenAPI body (the next test proves the parameter's value lands there).
    findings = [
        f"{m.rule.id} {m.message}" for m in matches
        if not (m.rule.id == "W2001" and "AuthorizerCacheTtlSeconds" in m.message)
    ]
    assert findings == []


@pytest.mark.parametrize("ttl", ["0", "120", "3600"])
def test_authorizer_cache_ttl_parameter_flows_into_the_translated_authorizer(ttl):
    spec = authorizers(translate({**PARAMETERS, "AuthorizerCacheTtlSeconds": ttl}))["WachtAuthorizer"]
    assert spec.ttl_seconds == int(ttl)


def test_authorizer_ttl_defaults_to_300_seconds():
    assert parameter_defaults(load_source())["AuthorizerCacheTtlSeconds"] == "300"
    assert authorizers(translate(PARAMETERS))["WachtAuthorizer"].ttl_seconds == 300


def test_the_authorizer_is_a_request_authorizer_on_the_authorization_header(translated):
    (spec,) = authorizers(translated).values()
    assert spec.type == "request"
    assert spec.identity_headers == ("Authorization",)
    assert spec.function == "AuthorizerFunction"


def test_the_template_serves_exactly_the_route_table_by_the_packages_own_check():
    # What adopters run (python -m wacht_auth check-template): paths, methods, functions, authorizer or NONE.
    assert check_template(load_template(TEMPLATE_PATH), ROUTES) == []


def test_the_packages_reading_of_the_template_is_what_sam_translates(translated):
    # check_template reads the Api events without the SAM transform: it must see what SAM builds.
    read = {(r.method, r.path, r.function, r.authorizer) for r in template_routes(load_template(TEMPLATE_PATH))}
    assert read == {(r.method, r.path, r.function, r.authorizer) for r in api_routes(translated)}


def test_only_public_and_optional_routes_bypass_the_authorizer(translated):
    requirement = {(r.method, r.path): r.requirement for r in ROUTES}
    for route in api_routes(translated):
        expected = "WachtAuthorizer" if requirement[(route.method, route.path)].behind_authorizer else None
        assert route.authorizer == expected, f"{route.method} {route.path}"
    assert {(r.method, r.path) for r in api_routes(translated) if r.authorizer is None} == {("GET", "/health"), ("GET", "/hello")}


def test_cors_preflight_is_a_mock_on_every_path_without_any_authorizer(translated):
    paths = {r.path for r in ROUTES}
    preflights = preflight_paths(translated)
    assert set(preflights) == paths
    for path, operation in preflights.items():
        assert operation["x-amazon-apigateway-integration"]["type"] == "mock", path
        assert all(name == "NONE" for requirement in operation.get("security", []) for name in requirement), path
        headers = preflight_headers(operation, PARAMETERS)
        assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert set(headers["Access-Control-Allow-Headers"].split(",")) >= {"Authorization", "Content-Type"}
        assert {r.method for r in ROUTES if r.path == path} <= set(headers["Access-Control-Allow-Methods"].split(","))


def test_gateway_made_errors_carry_cors_headers_for_the_allowed_origin(translated):
    responses = gateway_responses(translated, PARAMETERS)
    for kind in ("UNAUTHORIZED", "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX"):
        assert responses[kind]["Access-Control-Allow-Origin"] == "https://app.example.com", kind
        assert "Authorization" in responses[kind]["Access-Control-Allow-Headers"], kind


def test_data_functions_may_only_get_query_put_and_delete_on_the_one_table(translated):
    for function in ("DocumentsFunction", "MembersFunction"):
        statements = [s for s in _statements(translated, function) if any(str(a).startswith("dynamodb:") for a in _actions(s))]
        assert statements, function
        for statement in statements:
            assert set(_actions(statement)) <= DATA_ACTIONS, function
            assert statement["Resource"] == {"Fn::GetAtt": ["DataTable", "Arn"]}, function


def test_no_function_may_scan_or_use_dynamodb_wildcards(translated):
    for function in function_ids(load_source()):
        for statement in _statements(translated, function):
            for action in _actions(statement):
                assert action not in ("dynamodb:Scan", "dynamodb:*", "*"), (function, action)
                if str(action).startswith("dynamodb:"):
                    assert statement["Resource"] != "*", function


BASIC_EXECUTION_ROLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
XRAY_WRITE_ONLY = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"
"""What SAM adds to a function with ``Tracing`` (Active or PassThrough): put segments, read sampling rules."""


def _dynamodb_grants(translated, function) -> set[str]:
    """Every action by which ``function``'s role could reach DynamoDB: its inline policies, any
    AWS::IAM::Policy attached to it, and any wildcard (``*``, ``dynamodb:*``, or a NotAction Allow)."""
    role = f"{function}Role"
    statements = list(_statements(translated, function))
    for resource in translated["Resources"].values():
        attached = {"Ref": role} in resource.get("Properties", {}).get("Roles", [])
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and attached:
            statements += resource["Properties"]["PolicyDocument"]["Statement"]
    grants = set()
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            grants.add(f"NotAction {statement['NotAction']}")
            continue
        grants |= {str(a) for a in _actions(statement) if str(a) == "*" or str(a).lower().startswith("dynamodb:")}
    return grants


def test_the_data_functions_grants_are_found_by_the_check_below(translated):
    # The control: the same check does see the table access the data functions are given.
    for function in ("DocumentsFunction", "MembersFunction"):
        assert _dynamodb_grants(translated, function) == DATA_ACTIONS, function


def test_functions_without_tenant_data_have_no_table_access(translated):
    resources = translated["Resources"]
    for function in ("AuthorizerFunction", "HealthFunction", "HelloFunction", "MeFunction"):
        properties = resources[function]["Properties"]
        assert properties["Role"] == {"Fn::GetAtt": [f"{function}Role", "Arn"]}, function
        role = resources[f"{function}Role"]["Properties"]
        traced = function != "AuthorizerFunction"  # the authorizer is not traced
        assert role["ManagedPolicyArns"] == [BASIC_EXECUTION_ROLE] + [XRAY_WRITE_ONLY] * traced, function  # logs (+ traces)
        assert _dynamodb_grants(translated, function) == set(), function
        assert "DataTable" not in json.dumps(properties), function  # not even the table's name


def test_the_backend_secret_is_a_reference_read_at_runtime_never_a_plain_value(translated):
    text = TEMPLATE_PATH.read_text()
    assert not re.search(r"sk_(live|test)_", text)
    for function in function_ids(load_source()):
        environment = translated["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {})
        assert "WACHT_BACKEND_SECRET" not in environment, function
    me = translated["Resources"]["MeFunction"]["Properties"]["Environment"]["Variables"]
    assert me["WACHT_BACKEND_SECRET_NAME"] == {"Ref": "WachtBackendSecretName"}
    (statement,) = _statements(translated, "MeFunction")
    assert set(_actions(statement)) == {"ssm:GetParameter", "secretsmanager:GetSecretValue"}
    resources = json.dumps(statement["Resource"])
    assert "${WachtBackendSecretName}" in resources and '"*"' not in resources


def test_the_table_is_on_demand_with_point_in_time_recovery_and_tenant_keys():
    table = load_source()["Resources"]["DataTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]


def test_every_function_runs_python_3_13_on_arm64_with_the_common_layer(translated):
    for function in function_ids(load_source()):
        properties = translated["Resources"][function]["Properties"]
        assert properties["Runtime"] == "python3.13", function
        assert properties["Architectures"] == ["arm64"], function
        assert properties["Layers"] == [{"Ref": _layer_version_id(translated)}], function


def test_functions_get_the_environment_their_code_reads(translated):
    source, names = load_source(), {"DataTable": "table"}
    parameters = {**parameter_defaults(source), **PARAMETERS}
    environments = {f: function_spec(source, translated, f, parameters, names).environment for f in function_ids(source)}
    for function, environment in environments.items():
        assert environment["ALLOWED_ORIGIN"] == "https://app.example.com", function
        assert environment["WACHT_DEPLOYMENT_URL"] == "https://frontend.example.com", function
    for function in ("DocumentsFunction", "MembersFunction"):
        assert environments[function]["TABLE_NAME"] == "table"
    assert environments["MeFunction"]["WACHT_API_URL"] == "https://api.wacht.dev"
    assert environments["MeFunction"]["WACHT_BACKEND_SECRET_STORE"] == "secretsmanager"


def test_the_api_url_is_an_output(translated):
    assert "ApiUrl" in translated["Outputs"]
    assert api_body(translated)["paths"]


def _layer_version_id(translated) -> str:
    (layer,) = [k for k, v in translated["Resources"].items() if v["Type"] == "AWS::Lambda::LayerVersion"]
    return layer
