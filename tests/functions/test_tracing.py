"""Powertools Tracer in the API functions: on in Lambda with tracing active (each function patching
only what it calls out with: botocore for DynamoDB, requests too for Wacht), off everywhere else
(not even imported: no X-Ray SDK on the import path), never on the authorizer's import path.

Each case runs in a fresh interpreter: Tracer's state and X-Ray's patches are process-wide. The
"X-Ray daemon" is a UDP socket on 127.0.0.1 that the SDK sends its subsegments to.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from local_stack.api_gateway.sam_template import PROJECT_ROOT
from tests.functions.conftest import BACKEND_SECRET, KNOWN_USER_ID
from tests.functions.events import ALLOWED_ORIGIN

TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
LAMBDA = {"LAMBDA_TASK_ROOT": str(PROJECT_ROOT / "functions" / "documents"), "AWS_LAMBDA_FUNCTION_NAME": "DocumentsFunction", "_X_AMZN_TRACE_ID": TRACE_HEADER}

# A UDP socket on 127.0.0.1 stands in for the X-Ray daemon; what the SDK sends it is collected after the call.
_FAKE_DAEMON = """
import json, os, socket, sys
daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
daemon.bind(("127.0.0.1", 0))
daemon.settimeout(1.0)
os.environ["AWS_XRAY_DAEMON_ADDRESS"] = "127.0.0.1:%d" % daemon.getsockname()[1]
"""
_COLLECT_SEGMENTS = """
datagrams = []
for _ in range(20):
    try:
        datagrams.append(daemon.recv(65536).decode())
    except TimeoutError:
        break
"""

_INVOKE = _FAKE_DAEMON + """from aws_xray_sdk.core import patcher
from tests.functions.events import proxy_event
from tests.functions.harness import load_function
from wacht_auth import AuthContext
setup = json.loads(sys.argv[1])
documents = load_function("DocumentsFunction", setup["parameters"], {"DataTable": setup["table"]}, {"DYNAMODB_ENDPOINT_URL": setup["dynamodb"]})
auth = AuthContext(user_id="1", session_id="2", organization_id="3", workspace_id=setup["workspace"], workspace_permissions=("documents:write",), expires_at=4102444800)
created = documents.invoke(proxy_event("POST", "/documents", auth=auth, body={"title": "secret-plan-title"}))
""" + _COLLECT_SEGMENTS + """
print(json.dumps({"status": created.status, "disabled": documents.module.tracer.disabled, "patched": sorted(patcher._PATCHED_MODULES), "datagrams": datagrams}))
"""


def run_python(code: str, environment: dict[str, str], *arguments: str) -> str:
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{PROJECT_ROOT}:{PROJECT_ROOT / 'layers' / 'common'}:{PROJECT_ROOT / 'packages' / 'wacht-auth' / 'src'}",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true"}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *arguments], env={**base, **environment},
                            capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def invoke_documents(environment: dict[str, str], moto_url: str, parameters: dict, table_name: str, tracing: str = "true") -> dict:
    """POST /documents in a fresh interpreter; ``tracing``: the template's TracingEnabled parameter."""
    setup = {"parameters": {**parameters, "TracingEnabled": tracing}, "table": table_name, "dynamodb": moto_url, "workspace": "traced-workspace"}
    return json.loads(run_python(_INVOKE, environment, json.dumps(setup)))


def test_in_lambda_with_tracing_the_handler_and_dynamodb_are_traced_without_the_answer(moto_url, parameters, table_name):
    traced = invoke_documents(LAMBDA, moto_url, parameters, table_name)
    assert traced["status"] == 201
    assert traced["disabled"] is False
    assert traced["patched"] == ["botocore"]  # DynamoDB; /documents never calls out with requests
    segments = [json.loads(line) for datagram in traced["datagrams"] for line in datagram.splitlines() if line.startswith("{\"id\"")]
    by_name = {segment["name"]: segment for segment in segments}
    assert by_name["## lambda_handler"]["trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert by_name["## lambda_handler"]["annotations"]["Service"] == "documents"
    assert by_name["dynamodb"]["parent_id"] == by_name["## lambda_handler"]["id"], traced["datagrams"]
    assert "secret-plan-title" not in json.dumps(traced["datagrams"])  # answers hold users' data: never in a trace


@pytest.mark.parametrize(
    ("environment", "tracing"),
    [({}, "true"), (LAMBDA, "false"), ({**LAMBDA, "AWS_SAM_LOCAL": "true"}, "true")],
    ids=["outside-lambda", "in-lambda-with-tracing-off-in-the-template", "sam-local-and-the-local-stack"],
)
def test_tracing_is_off_and_patches_nothing_outside_active_lambda_tracing(moto_url, parameters, table_name, environment, tracing):
    # TracingEnabled=false makes the template set POWERTOOLS_TRACE_DISABLED=true for the functions.
    untraced = invoke_documents(environment, moto_url, parameters, table_name, tracing)
    assert untraced["status"] == 201
    assert untraced["disabled"] is True
    assert untraced["patched"] == []
    assert untraced["datagrams"] == []


def test_the_authorizer_never_imports_api_support_nor_tracer_even_in_lambda():
    code = """
    import sys
    sys.path.insert(0, "authorizer")
    import app
    print(",".join(m for m in ("api_support", "aws_xray_sdk", "boto3", "requests") if m in sys.modules))
    """
    environment = {**LAMBDA, "WACHT_DEPLOYMENT_URL": "https://issuer.example", "ALLOWED_ORIGIN": ALLOWED_ORIGIN,
                   "WACHT_JWKS": (PROJECT_ROOT / "events" / "dev-keys" / "jwks.json").read_text()}
    assert run_python(code, environment) == ""


_WHOAMI = _FAKE_DAEMON + """from tests.functions.events import proxy_event
from tests.functions.harness import load_function
from wacht_auth import AuthContext
setup = json.loads(sys.argv[1])
me = load_function("MeFunction", setup["parameters"], {"DataTable": "unused"}, {"WACHT_BACKEND_SECRET": setup["secret"]})
answer = me.invoke(proxy_event("GET", "/whoami", auth=AuthContext(user_id=setup["user"], session_id="2", expires_at=4102444800)))
""" + _COLLECT_SEGMENTS + """
print(json.dumps({"status": answer.status, "datagrams": datagrams}))
"""


def test_the_wacht_call_made_in_its_worker_thread_is_traced_too(parameters, wacht_api):
    setup = {"parameters": {**parameters, "TracingEnabled": "true"}, "secret": BACKEND_SECRET, "user": KNOWN_USER_ID}
    traced = json.loads(run_python(_WHOAMI, {**LAMBDA, "AWS_LAMBDA_FUNCTION_NAME": "MeFunction"}, json.dumps(setup)))
    assert traced["status"] == 200
    segments = [json.loads(line) for datagram in traced["datagrams"] for line in datagram.splitlines() if line.startswith("{\"id\"")]
    calls = [segment for segment in segments if segment.get("http", {}).get("request", {}).get("url", "").startswith(wacht_api.url)]
    assert [call["http"]["response"]["status"] for call in calls] == [200]
    assert BACKEND_SECRET not in json.dumps(traced["datagrams"])  # the Authorization header is not recorded
    assert "ada@example.com" not in json.dumps(traced["datagrams"])


_IMPORTED = """
import json, sys
sys.path.insert(0, sys.argv[1])
import app
print(json.dumps(sorted(m for m in ("aws_xray_sdk", "requests", "jwt", "cryptography") if m in sys.modules)))
"""


@pytest.mark.parametrize(
    ("function", "tracing_disabled", "expected"),
    [
        ("documents", "true", []),
        ("documents", "false", ["aws_xray_sdk"]),
        ("members", "false", ["aws_xray_sdk"]),
        ("health", "true", []),
        ("me", "true", ["requests"]),  # the Wacht client is built at init
        ("hello", "true", ["cryptography", "jwt"]),  # it verifies tokens itself
    ],
)
def test_a_function_imports_only_what_its_requests_need(function, tracing_disabled, expected):
    """No X-Ray SDK when tracing is off, no requests where nothing calls Wacht, no PyJWT and
    cryptography where the authorizer already verified the token (issue 15)."""
    environment = {**LAMBDA, "POWERTOOLS_TRACE_DISABLED": tracing_disabled, "WACHT_DEPLOYMENT_URL": "https://issuer.example",
                   "ALLOWED_ORIGIN": ALLOWED_ORIGIN, "TABLE_NAME": "t", "WACHT_API_URL": "https://api.wacht.dev",
                   "WACHT_BACKEND_SECRET_NAME": "wacht/backend-secret", "WACHT_BACKEND_SECRET_STORE": "secretsmanager",
                   "WACHT_JWKS": (PROJECT_ROOT / "events" / "dev-keys" / "jwks.json").read_text()}
    imported = json.loads(run_python(_IMPORTED, environment, str(PROJECT_ROOT / "functions" / function)))
    assert imported == expected
