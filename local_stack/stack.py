"""The whole API on 127.0.0.1: dev IdP (sessions, and its OAuth app), Wacht's gateway and Backend API
stand-ins, DynamoDB, API Gateway, admin.

Everything about the API (routes, authorizer wiring and TTL, CORS, gateway responses, each
function's environment, the tables) comes from template.yaml through local_stack.api_gateway.sam_template;
only the values that differ locally (issuers, Backend API and gateway URLs, table endpoint) are substituted.
All three kinds of caller are on: session tokens, OAuth access tokens (JWT and opaque) and API keys
(prefix ``DEV_API_KEY_PREFIX``).
Each function gets a pool of execution environments (local_stack.lambda_runtime.pool), all of
them within one account (local_stack.lambda_runtime.account): its concurrency quota, 1000 as AWS's
default unless LOCAL_LAMBDA_CONCURRENCY says less, the template's ReservedConcurrentExecutions,
and what this machine can hold. With
LOCAL_STACK_FAULTS=1 the functions reach DynamoDB through a fault proxy and the admin port
offers the fault switches (local_stack.drills.faults) the chaos run uses.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from .admin import AdminApi
from .api_gateway import sam_template
from .api_gateway.events import ApiIdentity
from .api_gateway.gateway import LocalGateway
from .api_gateway.routing import ApiDefinition
from .config import StackConfig
from .drills.fault_proxy import FaultProxy
from .drills.faults import FaultSwitches
from .dynamodb.embedded import LOCAL_CREDENTIALS, EmbeddedDynamoDB, ensure_tables
from .frontend_hint import frontend_hint
from .http_service import HttpService
from .lambda_runtime.account import ACCOUNT_CONCURRENCY, LambdaAccount
from .lambda_runtime.pool import LocalFunction
from .wacht.backend_api import BackendApiStandIn
from .wacht.dev_idp import DevIdentityProvider
from .wacht.gateway import CredentialBook, GatewayStandIn, sample_credentials
from .wacht.oauth_app import DevOAuthApp

__all__ = ["DEV_API_KEY_PREFIX", "DEV_OAUTH_AUDIENCE", "LocalStack", "READY_PREFIX", "StackUrls", "lambda_like_environ"]

READY_PREFIX = "local-stack ready: "
"""Followed by the StackUrls as JSON on one line: what tests/support/stack.py waits for."""
ACCOUNT_ID = "123456789012"
API_ID = "local"
STACK_NAME = "wacht-local"
DEV_API_KEY_PREFIX = "dev_live_"
"""WachtApiKeyPrefix locally: the gateway stand-in's keys start with it."""
DEV_OAUTH_AUDIENCE = "wacht-local-api"
"""WachtOAuthAudience locally: the dev OAuth app's JWTs carry it as aud unless asked otherwise."""

SAMPLE_CREDENTIALS = sam_template.PROJECT_ROOT / "events" / "dev-keys" / "gateway-credentials.json"
"""The sample events' API keys and opaque OAuth token (``make events``): the gateway stand-in knows them."""

_KEPT_VARIABLES = {"PATH", "HOME", "LANG", "TZ", "TMPDIR", "VIRTUAL_ENV", "SSL_CERT_FILE", "SSL_CERT_DIR", "SYSTEMROOT"}
_KEPT_PREFIXES = ("LC_", "PYTHON", "MOTO_", "COVERAGE_")


@dataclass(frozen=True)
class StackUrls:
    api: str
    idp: str
    backend_api: str
    dynamodb: str
    admin: str
    oauth: str
    gateway: str


def lambda_like_environ(environ: dict[str, str]) -> dict[str, str]:
    """The process environment functions start from: your shell's WACHT_*/AWS_* do not leak in."""
    kept = {k: v for k, v in environ.items() if k in _KEPT_VARIABLES or k.startswith(_KEPT_PREFIXES)}
    kept.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    return kept


class LocalStack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.idp = DevIdentityProvider(allowed_origin=config.allowed_origin)
        self.backend_api = BackendApiStandIn(config.backend_secret)
        credentials = CredentialBook()
        for value, credential in sample_credentials(json.loads(SAMPLE_CREDENTIALS.read_text())).items():
            credentials.add(value, credential)
        self.wacht_gateway = GatewayStandIn(DEV_API_KEY_PREFIX, credentials)
        self.oauth_app = DevOAuthApp(credentials, DEV_OAUTH_AUDIENCE)
        self.functions: dict[str, LocalFunction] = {}
        self.lambda_account = LambdaAccount(config.lambda_concurrency)
        self.gateway: LocalGateway | None = None
        self.urls: StackUrls | None = None
        self._services: list[HttpService] = []
        self._dynamodb: EmbeddedDynamoDB | None = None
        self._dynamodb_proxy: FaultProxy | None = None

    def start(self) -> StackUrls:
        """Start every server; on any failure stop what started and re-raise."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> StackUrls:
        config = self.config
        self._services.append(self.idp.serve(config.idp_port))
        backend = self.backend_api.serve(config.backend_api_port)
        self._services.append(backend)
        oauth = self.oauth_app.serve(config.oauth_port)
        self._services.append(oauth)
        wacht_gateway = self.wacht_gateway.serve(config.gateway_port)
        self._services.append(wacht_gateway)
        endpoint = config.dynamodb_endpoint_url
        if endpoint is None:
            self._dynamodb = EmbeddedDynamoDB(config.dynamodb_port).start()
            endpoint = self._dynamodb.endpoint_url

        source = sam_template.load_source()
        parameters = sam_template.parameter_defaults(source)
        parameters.update(WachtDeploymentUrl=self.idp.issuer, WachtApiUrl=backend.origin, AllowedOrigin=config.allowed_origin,
                          WachtOAuthIssuer=oauth.origin, WachtOAuthAudience=DEV_OAUTH_AUDIENCE,
                          WachtGatewayUrl=wacht_gateway.origin, WachtApiKeyPrefix=DEV_API_KEY_PREFIX)
        if config.authorizer_ttl_seconds is not None:
            parameters["AuthorizerCacheTtlSeconds"] = str(config.authorizer_ttl_seconds)
        translated = sam_template.translate(parameters, region=config.region)
        function_endpoint = endpoint
        if config.fault_injection:
            upstream = urlsplit(endpoint)
            self._dynamodb_proxy = FaultProxy(upstream.hostname or "127.0.0.1", upstream.port or 80).start()
            function_endpoint = self._dynamodb_proxy.origin
        tables = {logical_id: f"{STACK_NAME}-{logical_id}" for logical_id in sam_template.table_definitions(source)}
        ensure_tables(endpoint, config.region,
                      {tables[k]: v for k, v in sam_template.table_definitions(source).items()})

        for logical_id in sam_template.function_ids(source):
            spec = sam_template.function_spec(source, translated, logical_id, parameters, tables)
            self.functions[logical_id] = LocalFunction(
                spec, self._function_environment(spec, function_endpoint), region=config.region, account_id=ACCOUNT_ID,
                account=self.lambda_account,
            )
        api = ApiDefinition.from_template(translated, parameters)
        self.gateway = LocalGateway(api, self.functions, ApiIdentity(config.region, ACCOUNT_ID, API_ID, api.stage),
                                    access_log=_access_log)
        gateway_service = HttpService("api", self.gateway.handle, config.api_port).start()
        self._services.append(gateway_service)
        faults = FaultSwitches(self.idp, self.backend_api, self._dynamodb_proxy, self.wacht_gateway) if self._dynamodb_proxy else None
        admin = AdminApi(self.gateway, self.functions, self.idp, faults=faults, lambda_account=self.lambda_account,
                         wacht_gateway=self.wacht_gateway, oauth_app=self.oauth_app)
        admin_service = admin.serve(config.admin_port)
        self._services.append(admin_service)
        self.urls = StackUrls(gateway_service.origin, self.idp.issuer or "", backend.origin, endpoint,
                              admin_service.origin, oauth.origin, wacht_gateway.origin)
        return self.urls

    def _function_environment(self, spec: sam_template.FunctionSpec, dynamodb_endpoint: str) -> dict[str, str]:
        """The template's variables plus what Lambda itself sets, plus the local-only values."""
        env = dict(spec.environment)
        env.update(
            AWS_REGION=self.config.region,
            AWS_DEFAULT_REGION=self.config.region,
            AWS_ACCESS_KEY_ID=LOCAL_CREDENTIALS["aws_access_key_id"],
            AWS_SECRET_ACCESS_KEY=LOCAL_CREDENTIALS["aws_secret_access_key"],
            AWS_LAMBDA_FUNCTION_NAME=spec.logical_id,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(spec.memory_mb),
            AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
            AWS_LAMBDA_LOG_GROUP_NAME=f"/aws/lambda/{spec.logical_id}",
            AWS_EXECUTION_ENV="AWS_Lambda_python3.13",
            AWS_SAM_LOCAL="true",  # what `sam local` sets: Powertools Tracer stays off
            LAMBDA_TASK_ROOT=str(spec.code_dir),
            _HANDLER=spec.handler,
        )
        if "TABLE_NAME" in env:
            env["DYNAMODB_ENDPOINT_URL"] = dynamodb_endpoint
        if "WACHT_API_URL" in env:
            env["WACHT_BACKEND_SECRET"] = self.config.backend_secret
        return env

    def stop(self) -> None:
        for service in reversed(self._services):
            service.stop()
        self._services.clear()
        for function in self.functions.values():
            function.close()
        if self._dynamodb_proxy is not None:
            self._dynamodb_proxy.stop()
            self._dynamodb_proxy = None
        if self._dynamodb is not None:
            self._dynamodb.stop()
            self._dynamodb = None

    def missing_functions(self) -> list[str]:
        return [name for name, function in self.functions.items() if not function.code_exists]


def _access_log(line: str) -> None:
    sys.stderr.write(f"[api] {line}\n")


def ready_line(urls: StackUrls) -> str:
    return READY_PREFIX + json.dumps(asdict(urls))


def _lambda_lines(account: LambdaAccount) -> str:
    """Where throttling starts here: AWS's quota, and this machine's room when that is smaller."""
    default = account.concurrency_limit == ACCOUNT_CONCURRENCY
    quota = "AWS's default account quota" if default else "LOCAL_LAMBDA_CONCURRENCY"
    machine = account.machine
    return (f"  Lambda concurrency  {account.concurrency_limit} ({quota}), less reservations\n"
            f"  Lambda environments at most {machine.environments} at once on this machine ({machine.reason})\n")


def banner(urls: StackUrls, config: StackConfig, lambda_account: LambdaAccount | None = None) -> str:
    """The ready-to-paste quick start printed at startup."""
    return f"""
Local stack is up (Ctrl-C stops it)
  API (API Gateway)   {urls.api}
  Dev IdP (issuer)    {urls.idp}          personas: {urls.idp}/personas
  OAuth app (issuer)  {urls.oauth}
  Wacht gateway       {urls.gateway}          API keys: POST {urls.gateway}/api-keys
  Backend API         {urls.backend_api}
  DynamoDB            {urls.dynamodb}
  Admin (tests)       {urls.admin}/stats
  CORS origin         {config.allowed_origin}
{_lambda_lines(lambda_account) if lambda_account else ""}
Try it:
  curl -s {urls.api}/health
  TOKEN=$(curl -s -X POST {urls.idp}/tokens -H 'Content-Type: application/json' \\
    -d '{{"sub":"72170182881052673","organization":"72170190012345601","workspace":"72170190012345777","permissions":{{"organization":["organization:admin","members:manage"],"workspace":["workspace:admin","documents:write"]}}}}' \\
    | python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["token"])')
  curl -s {urls.api}/me -H "Authorization: Bearer $TOKEN"
  curl -s {urls.api}/documents -H "Authorization: Bearer $TOKEN"
  curl -s -X POST {urls.api}/documents -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{{"title":"Hello"}}'
Or mint a persona's token: TOKEN=$(.venv/bin/python -m local_stack.mint --persona alice)
An OAuth access token (JWT; "format":"opaque" for one the gateway judges), for /me and /whoami:
  OAUTH=$(curl -s -X POST {urls.oauth}/oauth/tokens -H 'Content-Type: application/json' \\
    -d '{{"sub":"72170182881052673","client_id":"72170500000000001","scope":"profile","format":"jwt"}}' \\
    | python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["token"])')
  curl -s {urls.api}/me -H "Authorization: Bearer $OAUTH"
An API key (DELETE {urls.gateway}/api-keys/<key_id> revokes it):
  KEY=$(curl -s -X POST {urls.gateway}/api-keys -H 'Content-Type: application/json' \\
    -d '{{"name":"ci","organization":"72170190012345601","workspace":"72170190012345777","permissions":["documents:write"],"rate_limit_per_minute":60}}' \\
    | python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["key"])')
  curl -s {urls.api}/documents -H "Authorization: Bearer $KEY"
{frontend_hint(config.allowed_origin, urls.api, urls.idp)}
"""
