"""The package README's minimal app, as an adopter gets it: its blocks (``<!-- own-sam-app: path -->``)
become a fresh SAM app, installed by the README's own commands, built with ``sam build``, checked by
``mypy --strict`` and ``python -m wacht_auth check-template``, and run on the wheel alone:
valid, expired, forged, missing permission, public and optional routes, CORS on every answer."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from local_stack.api_gateway.events import gateway_context_value
from local_stack.api_gateway.iam import Decision, evaluate
from local_stack.api_gateway.sam_template import api_routes, resolve, translate
from tests.package.conftest import PACKAGE
from tests.support.tokens import SigningKey, jwks, session_claims
from tests.template.test_sam_build import SAM, ELF_MACHINE_AARCH64, elf_machine, python313_dir

README = PACKAGE / "README.md"
ISSUER = "https://frontend.example.com"
ORIGIN = "https://app.example.com"
STAGE_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod"
BLOCKS = {"install.sh", "template.yaml", "src/routes.py", "src/authorizer.py", "src/orders.py", "src/public.py"}
FUNCTIONS = {"WachtAuthorizerFunction": "authorizer.py", "OrdersFunction": "orders.py", "PublicFunction": "public.py"}
_BLOCK = re.compile(r"<!-- own-sam-app: (\S+) -->\n```\w+\n(.*?)```", re.DOTALL)

INVOKE = """
import contextlib, io, json, logging, sys
sys.path.insert(0, "src")
given = json.load(sys.stdin)
logged = []

class Keep(logging.Handler):
    def emit(self, record):
        logged.append({"level": record.levelname, "message": record.getMessage(), "reason": getattr(record, "reason", None)})

logging.getLogger().addHandler(Keep())
logging.getLogger().setLevel(logging.INFO)  # what Lambda's JSON log format sets by default
handler = __import__(given["module"]).lambda_handler
answers = []
for event in given["events"]:
    del logged[:]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            answer = {"result": handler(event, None)}
        except Exception as error:
            answer = {"error": str(error)}
    answer.update(stdout=out.getvalue(), logged=list(logged))
    answers.append(answer)
print(json.dumps(answers))
"""


def readme_blocks() -> dict[str, str]:
    found = _BLOCK.findall(README.read_text())
    names = [name for name, _ in found]
    assert len(names) == len(set(names)) and set(names) == BLOCKS, names
    return dict(found)


@pytest.fixture(scope="module")
def own_app(tmp_path_factory) -> Path:
    """A clone's package and an empty app folder; the README's files written, then its install commands run."""
    blocks = readme_blocks()
    root = tmp_path_factory.mktemp("adoption")
    clone = root / "clone"
    shutil.copytree(PACKAGE, clone / "packages" / "wacht-auth", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    app = root / "myapp"
    for name, text in blocks.items():
        if name != "install.sh":
            (app / name).parent.mkdir(parents=True, exist_ok=True)
            (app / name).write_text(text)
    installed = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", blocks["install.sh"]],
        cwd=clone,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    return app


@pytest.fixture(scope="module")
def built(own_app, tmp_path_factory) -> Path:
    build = tmp_path_factory.mktemp("own-sam-build")
    result = subprocess.run(
        [str(SAM), "build", "--build-dir", str(build / "out"), "--cache-dir", str(build / "cache")],
        cwd=own_app,  # the README's path rule: sam build runs in the app's root
        env={**os.environ, "PATH": f"{python313_dir()}:{os.environ['PATH']}", "SAM_CLI_TELEMETRY": "0"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return build / "out"


def test_the_install_commands_vendor_the_wheel_named_by_the_packages_version(own_app):
    version = tomllib.loads((PACKAGE / "pyproject.toml").read_text())["project"]["version"]
    wheel = f"wacht_auth-{version}-py3-none-any.whl"
    assert [path.name for path in (own_app / "vendor").iterdir()] == [wheel]
    assert (own_app / "src" / "requirements.txt").read_text() == f"./vendor/{wheel}\n"


def test_sam_build_installs_the_wheel_and_its_own_dependencies_only_for_arm64(built):
    for function, module in FUNCTIONS.items():
        folder = built / function
        assert (folder / module).is_file() and (folder / "routes.py").is_file(), function
        assert (folder / "wacht_auth" / "py.typed").is_file(), function
        for dependency in ("jwt", "cryptography", "requests"):
            assert (folder / dependency / "__init__.py").is_file(), (function, dependency)
        assert not (folder / "yaml").exists(), function  # the check extra is a development tool
        extensions = list((folder / "cryptography").rglob("*.so"))
        assert extensions and {elf_machine(path) for path in extensions} == {ELF_MACHINE_AARCH64}, function


@pytest.fixture(scope="module")
def translated(own_app) -> dict:
    return translate({"WachtDeploymentUrl": ISSUER, "AllowedOrigin": ORIGIN}, path=own_app / "template.yaml", region="eu-west-1")


def test_the_template_translates_to_one_stage_with_the_routes_the_table_declares(translated):
    resources = translated["Resources"]
    assert [r["Type"] for r in resources.values()].count("AWS::ApiGateway::Stage") == 1
    assert all("StageName" not in r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::Deployment")
    body = resources["OrdersApi"]["Properties"]["Body"]
    scheme = body["components"]["securitySchemes"]["Wacht"]["x-amazon-apigateway-authorizer"]
    assert (scheme["type"], scheme["identitySource"], scheme["authorizerResultTtlInSeconds"]) == (
        "request", "method.request.header.Authorization", 300
    )
    as_read = api_routes({"Resources": {"Api": resources["OrdersApi"]}})  # the reader takes this app's API id
    assert {(r.method, r.path, r.function, r.authorizer) for r in as_read} == {
        ("GET", "/orders", "OrdersFunction", "Wacht"),
        ("POST", "/orders", "OrdersFunction", "Wacht"),
        ("GET", "/health", "PublicFunction", None),
        ("GET", "/hello", "PublicFunction", None),
    }
    assert all("security" not in body["paths"][path]["options"] for path in body["paths"])  # preflight: no authorizer
    for response in ("DEFAULT_4XX", "DEFAULT_5XX"):
        headers = body["x-amazon-apigateway-gateway-responses"][response]["responseParameters"]
        assert resolve(headers["gatewayresponse.header.Access-Control-Allow-Origin"], {"AllowedOrigin": ORIGIN}) == f"'{ORIGIN}'"
    assert resources["WachtAuthorizerFunction"]["Properties"]["LoggingConfig"] == {"LogFormat": "JSON"}
    assert resources["KeysUnavailableAlarm"]["Properties"]["MetricName"] == "KeysUnavailable"


def test_the_translated_template_passes_cfn_lint(translated):
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs

    assert [f"{m.rule.id} {m.message}" for m in lint(json.dumps(translated), config=ManualArgs(regions=["eu-west-1"]))] == []


def test_the_readme_example_passes_mypy_strict_against_the_installed_wheel(own_app, fresh_venv, tmp_path):
    def mypy(folder: Path, *files: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--python-executable", str(fresh_venv.python),
             "--cache-dir", str(tmp_path / "mypy-cache"), *files],
            cwd=folder, capture_output=True, text=True, timeout=300,
        )

    checked = mypy(own_app / "src", "routes.py", "authorizer.py", "orders.py", "public.py")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("Success: no issues found in 4 source files")
    # The control: the types are precise enough to catch a handler forgetting an anonymous caller.
    careless = own_app / "careless"
    careless.mkdir()
    shutil.copy(own_app / "src" / "routes.py", careless / "routes.py")
    (careless / "careless.py").write_text(
        "from typing import Any\n\nfrom routes import ROUTES\nfrom wacht_auth import request_auth\n\n\n"
        "def who(event: dict[str, Any]) -> str:\n"
        "    return request_auth(event, ROUTES, allow_anonymous=True).user_id\n"
    )
    refused = mypy(careless, "routes.py", "careless.py")
    assert refused.returncode == 1 and "union-attr" in refused.stdout, refused.stdout


def test_the_template_check_passes_on_the_app_and_names_the_fix_when_a_route_drifts(own_app, fresh_venv, tmp_path):
    arguments = ("-m", "wacht_auth", "check-template", "template.yaml", "--routes", "src/routes.py:ROUTES")
    agreed = fresh_venv.command(*arguments, cwd=own_app)
    assert (agreed.returncode, agreed.stdout) == (0, "template.yaml serves exactly the 4 routes of src/routes.py:ROUTES\n"), agreed.stderr
    drifted = tmp_path / "drifted"
    shutil.copytree(own_app, drifted, ignore=shutil.ignore_patterns("vendor", "careless"))
    template = drifted / "template.yaml"
    template.write_text(template.read_text().replace("Path: /health, Method: GET, Auth: {Authorizer: NONE}", "Path: /health, Method: GET"))
    refused = fresh_venv.command(*arguments, cwd=drifted)
    assert refused.returncode == 1
    assert refused.stdout.startswith("GET /health is public, but the template puts it behind Wacht")


def test_the_snippet_redeploys_its_stage_when_the_allowed_origin_changes(own_app, monkeypatch):
    # As template.yaml: SAM hashes "${AllowedOrigin}", not its value; AlwaysDeploy gives each deploy a new Deployment.
    deployments = []
    for instant, origin in ((1_800_000_000.0, "https://one.example.com"), (1_800_000_600.0, "https://two.example.com")):
        monkeypatch.setattr("time.time", lambda instant=instant: instant)
        resources = translate({"WachtDeploymentUrl": ISSUER, "AllowedOrigin": origin}, path=own_app / "template.yaml", region="eu-west-1")["Resources"]
        deployments.append([name for name, r in resources.items() if r["Type"] == "AWS::ApiGateway::Deployment"])
    assert len(deployments[0]) == len(deployments[1]) == 1
    assert deployments[0] != deployments[1]


def _authorizer_event(token: str | None, method: str = "GET") -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return {"type": "REQUEST", "methodArn": f"{STAGE_ARN}/{method}/orders", "resource": "/orders", "path": "/orders",
            "httpMethod": method, "headers": headers, "requestContext": {"requestId": "r-1", "stage": "prod"}}


def _proxy_event(method: str, resource: str, context: dict | None, headers: dict | None = None) -> dict:
    """What API Gateway hands a function: the authorizer's context (when it ran), every value a string."""
    request_context: dict = {"requestId": "r-2"}
    if context is not None:
        request_context["authorizer"] = {name: gateway_context_value(value) for name, value in context.items()}
    return {"resource": resource, "path": resource, "httpMethod": method, "headers": {"Origin": ORIGIN, **(headers or {})},
            "requestContext": request_context}


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey("k1")


@pytest.fixture(scope="module")
def tokens(key) -> dict[str, str]:
    return {
        "writer": key.sign(session_claims(ISSUER, workspace_permissions=["orders:write"])),
        "reader": key.sign(session_claims(ISSUER, workspace_permissions=["workspace:member"])),
        "expired": key.sign(session_claims(ISSUER, workspace_permissions=["orders:write"], now=1_700_000_000)),
        "forged": SigningKey("k1").sign(session_claims(ISSUER, workspace_permissions=["orders:write"])),
    }


@pytest.fixture(scope="module")
def environment(key) -> dict[str, str]:
    return {"WACHT_DEPLOYMENT_URL": ISSUER, "WACHT_JWKS": json.dumps(jwks(key)), "ALLOWED_ORIGIN": ORIGIN}


def _decisions(answer: dict) -> list[tuple[str, str | None]]:
    blobs = [json.loads(line) for line in answer["stdout"].splitlines()]
    return [(blob["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], blob.get("Reason")) for blob in blobs]


@pytest.fixture(scope="module")
def authorized(own_app, fresh_venv, tokens, environment) -> dict[str, dict]:
    names = ["writer", "reader", "expired", "forged"]
    events = [_authorizer_event(tokens[name]) for name in names]
    answers = fresh_venv.run(INVOKE, cwd=own_app, env=environment, payload={"module": "authorizer", "events": events})
    return dict(zip(names, answers, strict=True))


def test_the_authorizer_allows_each_route_the_session_meets_and_denies_the_rest(authorized):
    writer, reader = authorized["writer"]["result"], authorized["reader"]["result"]
    for method in ("GET", "POST"):
        assert evaluate(writer["policyDocument"], f"{STAGE_ARN}/{method}/orders") is Decision.ALLOW
    assert evaluate(reader["policyDocument"], f"{STAGE_ARN}/GET/orders") is Decision.ALLOW
    assert evaluate(reader["policyDocument"], f"{STAGE_ARN}/POST/orders") is Decision.EXPLICIT_DENY  # missing permission
    assert _decisions(authorized["writer"]) == [("Allow", None)]


@pytest.mark.parametrize(("name", "reason"), [("expired", "expired"), ("forged", "bad_signature")])
def test_the_authorizer_refuses_with_401_logs_the_reason_and_counts_it(authorized, tokens, name, reason):
    answer = authorized[name]
    assert answer["error"] == "Unauthorized"
    assert answer["logged"] == [{"level": "INFO", "message": "token refused", "reason": reason}]
    assert _decisions(answer) == [("Unauthorized", reason)]
    assert tokens[name] not in json.dumps(answer)


@pytest.fixture(scope="module")
def functions(own_app, fresh_venv, authorized, tokens, environment):
    def invoke(module: str, *events: dict) -> list[dict]:
        answers = fresh_venv.run(INVOKE, cwd=own_app, env=environment, payload={"module": module, "events": list(events)})
        for answer in answers:
            assert "result" in answer, answer  # a function answers; it never raises to Lambda
            assert answer["result"]["headers"]["Access-Control-Allow-Origin"] == ORIGIN  # CORS on every answer
        return [{"status": a["result"]["statusCode"], "body": json.loads(a["result"]["body"])} for a in answers]

    return invoke


def test_the_orders_function_serves_a_valid_session_in_its_workspace(functions, authorized):
    context = authorized["writer"]["result"]["context"]
    listed, created = functions("orders", _proxy_event("GET", "/orders", context), _proxy_event("POST", "/orders", context))
    assert listed == {"status": 200, "body": {"workspace": "72170190012345777", "orders": []}}
    assert created == {"status": 201, "body": {"workspace": "72170190012345777", "created_by": "72170182881052673"}}


def test_the_orders_function_refuses_expired_missing_permission_and_missing_context(functions, authorized):
    cached = {**authorized["writer"]["result"]["context"], "tokenExpiresAt": int(time.time()) - 6}  # past exp + 5 s skew
    expired, forbidden, anonymous = functions(
        "orders",
        _proxy_event("GET", "/orders", cached),
        _proxy_event("POST", "/orders", authorized["reader"]["result"]["context"]),
        _proxy_event("GET", "/orders", None),
    )
    assert expired == {"status": 401, "body": {"message": "token expired"}}
    assert forbidden == {"status": 403, "body": {"message": "Missing required permission: orders:write"}}
    assert anonymous == {"status": 401, "body": {"message": "unauthenticated"}}


def test_the_public_function_serves_health_and_an_optional_session(functions, tokens):
    health, known, forged, stranger = functions(
        "public",
        _proxy_event("GET", "/health", None),
        _proxy_event("GET", "/hello", None, {"Authorization": f"Bearer {tokens['writer']}"}),
        _proxy_event("GET", "/hello", None, {"Authorization": f"Bearer {tokens['forged']}"}),
        _proxy_event("GET", "/hello", None),
    )
    assert health == {"status": 200, "body": {"status": "ok"}}
    assert known == {"status": 200, "body": {"message": "hello 72170182881052673"}}
    assert forged == stranger == {"status": 200, "body": {"message": "hello stranger"}}
