"""Fixtures for the functions: moto's DynamoDB server, a JWKS server and a Wacht Backend API
server, all real HTTP on 127.0.0.1, and every function loaded once with its template environment."""

from __future__ import annotations

import itertools
import random

import boto3
import pytest
from moto.server import ThreadedMotoServer

from local_stack.api_gateway.sam_template import load_source, table_definitions
from tests.functions.events import ALLOWED_ORIGIN
from tests.functions.harness import load_function
from tests.functions.servers import WachtApiServer, wacht_user
from tests.support.servers import JwksServer
from tests.support.tokens import SigningKey, jwks
from wacht_auth import AuthContext

BACKEND_SECRET = "sk_test_local_backend_secret"
TABLE_NAME = "wacht-test-data"
KNOWN_USER_ID = "72170182881052673"
FUNCTIONS = ("HealthFunction", "HelloFunction", "MeFunction", "DocumentsFunction", "MembersFunction")

_ids = itertools.count(1)
_run = random.Random().randrange(10**6, 10**7)


def new_id() -> str:
    """A fresh snowflake-like id, unique in this test run (tests share one table, never ids)."""
    return f"{_run}{next(_ids):010d}"


def session_of(
    *,
    organization: str | None = None,
    workspace: str | None = None,
    organization_permissions: tuple[str, ...] = (),
    workspace_permissions: tuple[str, ...] = (),
    user_id: str | None = None,
) -> AuthContext:
    """An AuthContext as the authorizer would have produced it from verified claims."""
    return AuthContext(
        user_id=user_id or new_id(),
        session_id=new_id(),
        organization_id=organization,
        workspace_id=workspace,
        organization_permissions=organization_permissions if organization else (),
        workspace_permissions=workspace_permissions if workspace else (),
        expires_at=4_102_444_800,
    )


@pytest.fixture(scope="session", autouse=True)
def aws_environment():
    """Fake credentials and a region; nothing here may reach real AWS."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "WACHT_BACKEND_SECRET"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        yield


@pytest.fixture(scope="session")
def moto_url():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def dynamodb(moto_url):
    return boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")


@pytest.fixture(scope="session")
def table_name(dynamodb):
    """The template's DataTable, created in moto from the template's own definition."""
    definition = table_definitions(load_source())["DataTable"]
    dynamodb.create_table(TableName=TABLE_NAME, **definition)
    return TABLE_NAME


@pytest.fixture(scope="session")
def signing_key():
    return SigningKey("test-key-1")


@pytest.fixture(scope="session")
def jwks_server(signing_key):
    with JwksServer(jwks(signing_key)) as server:
        yield server


@pytest.fixture(scope="session")
def wacht_server():
    with WachtApiServer(BACKEND_SECRET, {KNOWN_USER_ID: wacht_user(KNOWN_USER_ID)}) as server:
        yield server


@pytest.fixture
def wacht_api(wacht_server):
    """The Backend API server, answering normally again after each test."""
    wacht_server.mode = "ok"
    yield wacht_server
    wacht_server.mode = "ok"


@pytest.fixture(scope="session")
def parameters(jwks_server, wacht_server):
    """The stack parameters a test deployment uses (the origin of the JWKS server is the issuer)."""
    return {"WachtDeploymentUrl": jwks_server.origin, "AllowedOrigin": ALLOWED_ORIGIN, "WachtApiUrl": wacht_server.url}


@pytest.fixture(scope="session")
def local_environment(moto_url):
    """What the local stack adds to a function's environment: the local DynamoDB and backend secret."""
    return {"DYNAMODB_ENDPOINT_URL": moto_url, "WACHT_BACKEND_SECRET": BACKEND_SECRET}


@pytest.fixture(scope="session")
def functions(parameters, table_name, local_environment):
    """Every API function, loaded once (a warm container each), keyed by logical id."""
    return {
        logical_id: load_function(logical_id, parameters, {"DataTable": table_name}, local_environment)
        for logical_id in FUNCTIONS
    }


@pytest.fixture
def documents(functions):
    return functions["DocumentsFunction"]


@pytest.fixture
def members(functions):
    return functions["MembersFunction"]
