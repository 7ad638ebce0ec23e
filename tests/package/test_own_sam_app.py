"""README "Use it in your own SAM app", as written: its blocks become a temporary SAM app that is
translated with aws-sam-translator, and whose authorizer and handler run on the wheel alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from local_stack.events import gateway_context_value
from local_stack.iam import Decision, evaluate
from local_stack.sam_template import resolve, translate
from tests.support.tokens import SigningKey, jwks, session_claims

README = Path(__file__).resolve().parents[2] / "README.md"
ISSUER = "https://frontend.example.com"
ORIGIN = "https://app.example.com"
STAGE_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod"
_BLOCK = re.compile(r"<!-- own-sam-app: (\S+) -->\n```\w+\n(.*?)```", re.DOTALL)

INVOKE = """
import json, sys
sys.path.insert(0, "src")
given = json.load(sys.stdin)
handler = __import__(given["module"]).lambda_handler
answers = []
for event in given["events"]:
    try:
        answers.append({"result": handler(event, None)})
    except Exception as error:
        answers.append({"error": str(error)})
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def own_app(tmp_path_factory) -> Path:
    blocks = dict(_BLOCK.findall(README.read_text()))
    assert set(blocks) == {"template.yaml", "src/routes.py", "src/authorizer.py", "src/orders.py"}
    app = tmp_path_factory.mktemp("own-sam-app")
    for name, text in blocks.items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(text)
    return app


@pytest.fixture(scope="module")
def translated(own_app) -> dict:
    return translate({"WachtDeploymentUrl": ISSUER, "AllowedOrigin": ORIGIN}, path=own_app / "template.yaml", region="eu-west-1")


def test_the_snippet_translates_to_one_stage_with_a_request_authorizer_on_authorization(translated):
    resources = translated["Resources"]
    assert [r["Type"] for r in resources.values()].count("AWS::ApiGateway::Stage") == 1
    assert all("StageName" not in r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::Deployment")
    body = resources["OrdersApi"]["Properties"]["Body"]
    scheme = body["components"]["securitySchemes"]["Wacht"]["x-amazon-apigateway-authorizer"]
    assert scheme["type"] == "request"
    assert scheme["identitySource"] == "method.request.header.Authorization"
    assert scheme["authorizerResultTtlInSeconds"] == 300
    orders = body["paths"]["/orders"]
    assert orders["get"]["security"] == [{"Wacht": []}]
    assert "security" not in orders["options"]  # the preflight runs without the authorizer
    for response in ("DEFAULT_4XX", "DEFAULT_5XX"):
        headers = body["x-amazon-apigateway-gateway-responses"][response]["responseParameters"]
        origin = resolve(headers["gatewayresponse.header.Access-Control-Allow-Origin"], {"AllowedOrigin": ORIGIN})
        assert origin == f"'{ORIGIN}'"


def test_the_snippet_redeploys_its_stage_when_the_allowed_origin_changes(own_app, monkeypatch):
    # As template.yaml: SAM hashes "${AllowedOrigin}", not its value; AlwaysDeploy gives each deploy a new Deployment.
    deployments = []
    for instant, origin in ((1_800_000_000.0, "https://one.example.com"), (1_800_000_600.0, "https://two.example.com")):
        monkeypatch.setattr("time.time", lambda instant=instant: instant)
        resources = translate({"WachtDeploymentUrl": ISSUER, "AllowedOrigin": origin}, path=own_app / "template.yaml", region="eu-west-1")["Resources"]
        deployments.append([name for name, r in resources.items() if r["Type"] == "AWS::ApiGateway::Deployment"])
    assert len(deployments[0]) == len(deployments[1]) == 1
    assert deployments[0] != deployments[1]


def _authorizer_event(authorization: str | None) -> dict:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return {
        "type": "REQUEST",
        "methodArn": f"{STAGE_ARN}/GET/orders",
        "resource": "/orders",
        "path": "/orders",
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "requestContext": {"requestId": "r-1", "stage": "prod"},
    }


def _proxy_event(context: dict) -> dict:
    """What API Gateway hands the function: the authorizer's context, every value a string."""
    authorizer = {name: gateway_context_value(value) for name, value in context.items()}
    return {"resource": "/orders", "path": "/orders", "httpMethod": "GET", "headers": {},
            "requestContext": {"requestId": "r-2", "authorizer": authorizer}}


def test_the_snippets_authorizer_and_handler_answer_as_the_readme_says(own_app, fresh_venv):
    key = SigningKey("k1")
    reader = key.sign(session_claims(ISSUER, organization_permissions=["orders:read"]))
    outsider = key.sign(session_claims(ISSUER, organization_permissions=["organization:member"]))
    expired = key.sign(session_claims(ISSUER, organization_permissions=["orders:read"], now=1_700_000_000))
    environment = {"WACHT_DEPLOYMENT_URL": ISSUER, "WACHT_JWKS": json.dumps(jwks(key))}
    events = [_authorizer_event(f"Bearer {token}") for token in (reader, outsider, expired, "not-a-jwt")]
    answers = fresh_venv.run(INVOKE, cwd=own_app, env=environment, payload={"module": "authorizer", "events": events})

    allowed, denied = answers[0]["result"], answers[1]["result"]
    assert evaluate(allowed["policyDocument"], f"{STAGE_ARN}/GET/orders") is Decision.ALLOW
    assert evaluate(denied["policyDocument"], f"{STAGE_ARN}/GET/orders") is Decision.EXPLICIT_DENY
    assert answers[2] == {"error": "Unauthorized"} and answers[3] == {"error": "Unauthorized"}

    handled = fresh_venv.run(
        INVOKE,
        cwd=own_app,
        payload={"module": "orders", "events": [_proxy_event(allowed["context"]), _proxy_event(denied["context"]),
                                                  {**_proxy_event({}), "requestContext": {}}]},
    )
    ok, forbidden, anonymous = (answer["result"] for answer in handled)
    assert ok["statusCode"] == 200 and json.loads(ok["body"])["organization"] == "72170190012345601"
    assert forbidden["statusCode"] == 403
    assert anonymous["statusCode"] == 401
