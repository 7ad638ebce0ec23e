"""check_template and `python -m wacht_auth check-template`: a route table against a SAM template's
Api events, read without the SAM transform, and each mismatch said with its fix."""

from __future__ import annotations

import copy
import json
import sys

import pytest

from wacht_auth import AUTHENTICATED, OPTIONAL, PUBLIC, WORKSPACE, Route, Scope, TemplateError, check_template, permission
from wacht_auth.__main__ import main
from wacht_auth.template_check import TemplateRoute, load_template, template_routes

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.13, CodeUri: src/}
Resources:
  OrdersApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Wacht
        Authorizers:
          Wacht:
            FunctionPayloadType: REQUEST
            FunctionArn: !GetAtt AuthorizerFunction.Arn
            Identity: {Headers: [Authorization]}
      Cors: {AllowOrigin: !Sub "'${AllowedOrigin}'"}
  AuthorizerFunction:
    Type: AWS::Serverless::Function
    Properties: {Handler: authorizer.lambda_handler}
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: orders.lambda_handler
      Environment: {Variables: {TABLE: !Ref Table, ARN: !GetAtt [Table, Arn], JOINED: !Join ["", [a, b]]}}
      Events:
        ListOrders:
          Type: Api
          Properties: {RestApiId: !Ref OrdersApi, Path: /orders, Method: get}
        CreateOrder:
          Type: Api
          Properties: {RestApiId: !Ref OrdersApi, Path: /orders, Method: POST}
        Me:
          Type: Api
          Properties: {RestApiId: !Ref OrdersApi, Path: /me, Method: GET}
        Queue:
          Type: SQS
          Properties: {Queue: !GetAtt Queue.Arn}
  PublicFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: public.lambda_handler
      Events:
        Health:
          Type: Api
          Properties: {RestApiId: !Ref OrdersApi, Path: /health, Method: GET, Auth: {Authorizer: NONE}}
        Hello:
          Type: Api
          Properties: {RestApiId: !Ref OrdersApi, Path: /hello, Method: GET, Auth: {Authorizer: NONE}}
"""
ROUTES = (
    Route("GET", "/orders", WORKSPACE, "OrdersFunction"),
    Route("POST", "/orders", permission("orders:write", Scope.WORKSPACE), "OrdersFunction"),
    Route("GET", "/me", AUTHENTICATED, "OrdersFunction"),
    Route("GET", "/health", PUBLIC, "PublicFunction"),
    Route("GET", "/hello", OPTIONAL, "PublicFunction"),
)


@pytest.fixture(autouse=True)
def no_routes_module_left_behind():
    """The CLI imports the adopter's routes module; each test gets its own, and leaves none."""
    sys.modules.pop("routes", None)
    yield
    sys.modules.pop("routes", None)


@pytest.fixture
def template(tmp_path) -> dict:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return load_template(path)


def events(template: dict, function: str) -> dict:
    return template["Resources"][function]["Properties"]["Events"]


def test_a_template_that_serves_exactly_the_table_has_nothing_to_fix(template):
    assert check_template(template, ROUTES) == []


def test_short_tags_are_read_as_their_long_forms(template):
    environment = template["Resources"]["OrdersFunction"]["Properties"]["Environment"]["Variables"]
    assert environment == {"TABLE": {"Ref": "Table"}, "ARN": {"Fn::GetAtt": ["Table", "Arn"]}, "JOINED": {"Fn::Join": ["", ["a", "b"]]}}
    assert template["Resources"]["OrdersApi"]["Properties"]["Auth"]["Authorizers"]["Wacht"]["FunctionArn"] == {
        "Fn::GetAtt": ["AuthorizerFunction", "Arn"]
    }


def test_the_template_routes_are_its_api_events_with_their_effective_authorizer(template):
    assert template_routes(template) == (
        TemplateRoute("GET", "/orders", "OrdersFunction", "ListOrders", "OrdersApi", "Wacht"),
        TemplateRoute("POST", "/orders", "OrdersFunction", "CreateOrder", "OrdersApi", "Wacht"),
        TemplateRoute("GET", "/me", "OrdersFunction", "Me", "OrdersApi", "Wacht"),
        TemplateRoute("GET", "/health", "PublicFunction", "Health", "OrdersApi", None),
        TemplateRoute("GET", "/hello", "PublicFunction", "Hello", "OrdersApi", None),
    )


def test_a_route_missing_from_the_template_says_which_event_to_add(template):
    del events(template, "OrdersFunction")["CreateOrder"]
    assert check_template(template, ROUTES) == [
        "POST /orders: in the route table but not in the template; add to OrdersFunction's Events a Type: Api "
        "event with Path: /orders, Method: POST"
    ]


def test_an_event_missing_from_the_table_says_what_users_would_get_and_which_route_to_add(template):
    (problem,) = check_template(template, ROUTES[1:])
    assert problem.startswith("GET /orders: the template's OrdersFunction.ListOrders serves it but the route table lacks it")
    assert "every caller gets 403" in problem and 'add Route("GET", "/orders", <requirement>, "OrdersFunction")' in problem


def test_a_route_wired_to_another_function_is_named(template):
    (problem,) = check_template(template, (*ROUTES[:2], Route("GET", "/me", AUTHENTICATED, "PublicFunction"), *ROUTES[3:]))
    assert problem == (
        "GET /me: the template wires it to OrdersFunction (Me), the route table to PublicFunction; make them name the same function"
    )


def test_a_function_the_template_does_not_declare_is_named(template):
    problems = check_template(template, (*ROUTES[:2], Route("GET", "/me", AUTHENTICATED, "MeFunction"), *ROUTES[3:]))
    assert problems[0].startswith("GET /me: the route table names MeFunction, which is not an AWS::Serverless::Function")


def test_a_public_route_behind_the_authorizer_must_say_authorizer_none(template):
    del events(template, "PublicFunction")["Health"]["Properties"]["Auth"]
    (problem,) = check_template(template, ROUTES)
    assert problem.startswith("GET /health is public, but the template puts it behind Wacht")
    assert problem.endswith("add Auth: {Authorizer: NONE} to PublicFunction.Health")


def test_a_protected_route_without_the_authorizer_is_an_open_door(template):
    events(template, "OrdersFunction")["Me"]["Properties"]["Auth"] = {"Authorizer": "NONE"}
    (problem,) = check_template(template, ROUTES)
    assert problem.startswith("GET /me requires a session, but the template runs no authorizer for it")
    assert "anyone reaches OrdersFunction" in problem


def test_an_api_without_a_default_authorizer_leaves_its_routes_open(template):
    del template["Resources"]["OrdersApi"]["Properties"]["Auth"]["DefaultAuthorizer"]
    assert len(check_template(template, ROUTES)) == 3  # the three protected routes


def test_the_default_authorizer_may_come_from_globals(template):
    auth = template["Resources"]["OrdersApi"]["Properties"].pop("Auth")
    template["Globals"]["Api"] = {"Auth": auth}
    assert check_template(template, ROUTES) == []


def test_an_undeclared_or_token_authorizer_is_refused(template):
    events(template, "OrdersFunction")["Me"]["Properties"]["Auth"] = {"Authorizer": "Other"}
    assert check_template(template, ROUTES) == ["GET /me: its authorizer Other is not declared in OrdersApi's Auth.Authorizers"]
    del events(template, "OrdersFunction")["Me"]["Properties"]["Auth"]
    template["Resources"]["OrdersApi"]["Properties"]["Auth"]["Authorizers"]["Wacht"]["FunctionPayloadType"] = "TOKEN"
    assert len(check_template(template, ROUTES)) == 3
    assert "must be a Lambda REQUEST authorizer" in check_template(template, ROUTES)[0]


def test_duplicates_and_an_inconsistent_table_are_reported(template):
    events(template, "PublicFunction")["Again"] = copy.deepcopy(events(template, "PublicFunction")["Health"])
    problems = check_template(template, (*ROUTES, ROUTES[0]))
    assert any(p.startswith("GET /health: declared by 2 events") for p in problems)
    assert "GET /orders: in the route table twice; keep one row" in problems
    nested = (*ROUTES, Route("GET", "/orders/{id}", WORKSPACE, "OrdersFunction"), Route("GET", "/orders/{id}/audit", AUTHENTICATED, "OrdersFunction"))
    assert any(p.startswith("route table: ") for p in check_template(template, nested))


def test_events_on_an_api_that_cannot_be_read_are_reported_not_guessed(template):
    events(template, "OrdersFunction")["Me"]["Properties"]["RestApiId"] = {"Fn::ImportValue": "shared-api"}
    problems = check_template(template, ROUTES)
    assert "OrdersFunction.Me: RestApiId must be a !Ref to an AWS::Serverless::Api of this template to be checked" in problems


def test_api_limits_the_check_to_one_api(template):
    template["Resources"]["OtherApi"] = {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "x"}}
    events(template, "PublicFunction")["Elsewhere"] = {"Type": "Api", "Properties": {"RestApiId": {"Ref": "OtherApi"}, "Path": "/x", "Method": "GET"}}
    assert len(check_template(template, ROUTES)) == 1
    assert check_template(template, ROUTES, api="OrdersApi") == []


def test_a_json_template_needs_no_yaml(tmp_path, template, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)  # PyYAML not installed
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    assert check_template(path, ROUTES) == []
    with pytest.raises(TemplateError, match=r'needs PyYAML: pip install "wacht-auth\[check\]"'):
        check_template(tmp_path / "template.yaml", ROUTES)


@pytest.mark.parametrize(("text", "message"), [(None, "cannot be read"), ("a: [b", "not valid YAML"), ("{", "not valid JSON"), ("a: 1", "no Resources mapping")])
def test_an_unreadable_template_is_a_template_error_naming_the_file(tmp_path, text, message):
    path = tmp_path / "template.yaml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(TemplateError, match=message) as raised:
        load_template(path)
    assert str(path) in str(raised.value)


def write_app(tmp_path, template_text: str = TEMPLATE):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "routes.py").write_text(
        "from wacht_auth import AUTHENTICATED, OPTIONAL, PUBLIC, WORKSPACE, Route, Scope, permission\n"
        "ROUTES = (\n"
        '    Route("GET", "/orders", WORKSPACE, "OrdersFunction"),\n'
        '    Route("POST", "/orders", permission("orders:write", Scope.WORKSPACE), "OrdersFunction"),\n'
        '    Route("GET", "/me", AUTHENTICATED, "OrdersFunction"),\n'
        '    Route("GET", "/health", PUBLIC, "PublicFunction"),\n'
        '    Route("GET", "/hello", OPTIONAL, "PublicFunction"),\n'
        ")\n"
    )
    (tmp_path / "template.yaml").write_text(template_text)


def test_the_cli_exits_0_when_the_template_serves_the_table(tmp_path, monkeypatch, capsys):
    write_app(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert main(["check-template", "template.yaml", "--routes", "src/routes.py:ROUTES"]) == 0
    assert capsys.readouterr().out == "template.yaml serves exactly the 5 routes of src/routes.py:ROUTES\n"


def test_the_cli_exits_1_with_one_line_per_fix(tmp_path, monkeypatch, capsys):
    write_app(tmp_path, TEMPLATE.replace("Path: /me, Method: GET}", "Path: /me, Method: GET, Auth: {Authorizer: NONE}}"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    assert main(["check-template", "template.yaml", "--routes", "routes:ROUTES"]) == 1
    output = capsys.readouterr()
    assert output.out.startswith("GET /me requires a session, but the template runs no authorizer for it")
    assert output.err == "template.yaml: 1 to fix\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.yaml", "--routes", "src/routes.py:ROUTES"], "missing.yaml: cannot be read"),
        (["template.yaml", "--routes", "src/routes.py"], "expected MODULE:NAME"),
        (["template.yaml", "--routes", "src/nothing.py:ROUTES"], "no such file src/nothing.py"),
        (["template.yaml", "--routes", "src/routes.py:TABLE"], "has no TABLE"),
        (["template.yaml", "--routes", "nosuchmodule:ROUTES"], "no module nosuchmodule"),
        (["template.yaml", "--routes", "src/routes.py:Route"], "is not a sequence of wacht_auth.Route"),
        (["template.yaml", "--routes", "src/routes.py:__builtins__"], "holds something other than wacht_auth.Route"),
    ],
)
def test_the_cli_exits_2_saying_what_it_could_not_read(tmp_path, monkeypatch, capsys, arguments, message):
    write_app(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert main(["check-template", *arguments]) == 2
    assert message in capsys.readouterr().err
