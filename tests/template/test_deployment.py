"""What `sam deploy` puts around the API in production: one stage, throttling, optional WAF and
reserved concurrency, access and function logs with retention, alarms, tracing, IAM partition
conditions and https-only parameters. Read from the translated template (aws-sam-translator)."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib

import pytest

from api_support.documents import DocumentDraft, DocumentStore
from api_support.dynamodb import DataTable
from api_support.members import MemberRole, MemberStore
from api_support.pagination import PageRequest
from local_stack.api_gateway.sam_template import (
    PROJECT_ROOT,
    TEMPLATE_PATH,
    api_body,
    authorizers,
    conditions,
    function_ids,
    function_spec,
    load_source,
    parameter_defaults,
    security_schemes,
    translate,
)
from wacht_auth import AuthContext, decisions, to_gateway_context

PARAMETERS = {"WachtDeploymentUrl": "https://frontend.example.com", "AllowedOrigin": "https://app.example.com"}
SERVICE_DIMENSION = [{"Name": "service", "Value": decisions.SERVICE}]
"""The dimension set every decision metric is published under (wacht_auth.decisions)."""
DOWNSTREAM = ("HealthFunction", "HelloFunction", "MeFunction", "DocumentsFunction", "MembersFunction")


@pytest.fixture(scope="module")
def source():
    return load_source()


@pytest.fixture(scope="module")
def translated():
    return translate(PARAMETERS)


def _of_type(translated, kind: str) -> dict[str, dict]:
    return {name: r for name, r in translated["Resources"].items() if r["Type"] == kind}


def _holds(source, **parameters) -> dict[str, bool]:
    return conditions(source, {**PARAMETERS, **parameters})


def _stage(translated) -> dict:
    (stage,) = _of_type(translated, "AWS::ApiGateway::Stage").values()
    return stage["Properties"]


def _accepts(source, parameter: str, value: str) -> bool:
    """Whether CloudFormation would accept ``value`` for ``parameter`` (pattern, values, bounds)."""
    spec = source["Parameters"][parameter]
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
        return False
    if "AllowedValues" in spec and value not in [str(v) for v in spec["AllowedValues"]]:
        return False
    if spec["Type"] == "Number":
        if not re.fullmatch(r"-?\d+(\.\d+)?", value):
            return False
        if "MinValue" in spec and float(value) < spec["MinValue"]:
            return False
        if "MaxValue" in spec and float(value) > spec["MaxValue"]:
            return False
    return True


# ---- one stage ----

def test_exactly_one_stage_and_no_deployment_creates_another(translated):
    assert len(_of_type(translated, "AWS::ApiGateway::Stage")) == 1
    deployments = _of_type(translated, "AWS::ApiGateway::Deployment")
    assert deployments
    for name, deployment in deployments.items():
        assert "StageName" not in deployment["Properties"], name  # Swagger 2.0 would add StageName: Stage
    assert _stage(translated)["StageName"] == {"Ref": "StageName"}


def _deployment_of_stage(translated) -> str:
    (deployment,) = _of_type(translated, "AWS::ApiGateway::Deployment")
    assert _stage(translated)["DeploymentId"] == {"Ref": deployment}
    return deployment


def test_a_changed_allowed_origin_reaches_the_stage_as_a_new_deployment(monkeypatch):
    # CloudFormation redeploys a REST API only for a Deployment with a new logical id. SAM hashes
    # the unresolved template, where the origin is only "${AllowedOrigin}": without AlwaysDeploy
    # two origins give one id and the stage keeps the old preflight and gateway-response headers.
    # Two `sam deploy` runs happen at two different times; the translator reads the clock.
    deployments = []
    for instant, origin in ((1_800_000_000.0, "https://first-origin.example.com"), (1_800_000_600.0, "https://second-origin.example.com")):
        monkeypatch.setattr("time.time", lambda instant=instant: instant)
        translated = translate({**PARAMETERS, "AllowedOrigin": origin})
        assert "${AllowedOrigin}" in json.dumps(api_body(translated))  # resolved by CloudFormation, after SAM's hash
        deployments.append(_deployment_of_stage(translated))
    assert deployments[0] != deployments[1]


def test_the_layer_is_named_per_stack_and_its_old_versions_are_deleted(translated):
    (layer,) = _of_type(translated, "AWS::Lambda::LayerVersion").values()
    # One name per stack: two stacks in an account and region would otherwise share one layer's versions.
    assert layer["Properties"]["LayerName"] == {"Fn::Sub": "${AWS::StackName}-common"}
    # Delete, not SAM's default Retain: replaced versions and the last one go with the stack.
    assert layer["DeletionPolicy"] == "Delete"


def test_the_api_is_openapi_3_with_the_authorizer_under_components(translated):
    body = api_body(translated)
    assert body["openapi"].startswith("3.0")
    assert "securityDefinitions" not in body
    assert set(body["components"]["securitySchemes"]) == {"WachtAuthorizer"} == set(security_schemes(translated))
    assert authorizers(translated)["WachtAuthorizer"].function == "AuthorizerFunction"


# ---- throttling, WAF, reserved concurrency ----

def test_the_stage_is_throttled_by_parameters_with_sensible_defaults(source, translated):
    (setting,) = _stage(translated)["MethodSettings"]
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
    assert setting["ThrottlingRateLimit"] == {"Ref": "ThrottlingRateLimit"}
    assert setting["ThrottlingBurstLimit"] == {"Ref": "ThrottlingBurstLimit"}
    defaults = parameter_defaults(source)
    assert (defaults["ThrottlingRateLimit"], defaults["ThrottlingBurstLimit"]) == ("100", "200")
    assert _accepts(source, "ThrottlingRateLimit", "1000") and not _accepts(source, "ThrottlingRateLimit", "0")


def test_execution_logs_which_would_hold_the_token_stay_off(translated):
    (setting,) = _stage(translated)["MethodSettings"]
    assert setting["LoggingLevel"] == "OFF"
    assert setting["DataTraceEnabled"] is False


def test_the_api_is_regional_so_the_waf_and_the_access_log_see_the_clients_address(translated):
    # Edge-optimized (API Gateway's default) puts CloudFront in front: WAF's IP would be an edge's.
    api = translated["Resources"]["Api"]["Properties"]
    assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert api["Parameters"] == {"endpointConfigurationTypes": "REGIONAL"}  # how SAM applies it to an OpenAPI body
    (rule,) = translated["Resources"]["WebAcl"]["Properties"]["Rules"]
    statement = rule["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP"  # the connection's source address
    assert "ForwardedIPConfig" not in statement  # X-Forwarded-For's first address is whatever the client sent
    assert ".execute-api." in translated["Outputs"]["ApiUrl"]["Value"]["Fn::Sub"]


def test_the_waf_web_acl_is_off_by_default_and_limits_each_client_ip_when_on(source, translated):
    acl, association = translated["Resources"]["WebAcl"], translated["Resources"]["WebAclAssociation"]
    assert acl["Condition"] == association["Condition"] == "WafEnabled"
    assert _holds(source)["WafEnabled"] is False
    assert _holds(source, WafRateLimitPerIp="2000")["WafEnabled"] is True
    (rule,) = acl["Properties"]["Rules"]
    statement = rule["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP"
    assert statement["Limit"] == {"Ref": "WafRateLimitPerIp"}
    assert "Block" in rule["Action"]
    assert acl["Properties"]["Scope"] == "REGIONAL" and "Allow" in acl["Properties"]["DefaultAction"]
    # Attached to the one stage (SAM resolves ${Api.Stage} to the stage resource).
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn.endswith("/restapis/${Api}/stages/${ApiStage}")


@pytest.mark.parametrize(("value", "accepted"), [("0", True), ("10", True), ("2000", True), ("5", False), ("01", False), ("-1", False), ("", False)])
def test_the_waf_limit_is_zero_or_at_least_wafs_minimum_of_ten(source, value, accepted):
    assert _accepts(source, "WafRateLimitPerIp", value) is accepted


def test_the_reserved_concurrency_parameter_states_lambdas_unreserved_minimum(source):
    # Lambda refuses a reservation that leaves the account fewer than 100 unreserved executions;
    # new accounts start with a quota of 10 and can reserve nothing. The failure is at deploy time.
    description = source["Parameters"]["AuthorizerReservedConcurrency"]["Description"]
    assert "100 unreserved" in description and "get-account-settings" in description and "10" in description
    readme = (PROJECT_ROOT / "README.md").read_text()
    (row,) = [line for line in readme.splitlines() if line.startswith("| AuthorizerReservedConcurrency |")]
    assert "100" in row and "get-account-settings" in row
    assert parameter_defaults(source)["AuthorizerReservedConcurrency"] == "0"


def test_the_authorizer_reserves_concurrency_only_when_asked(source):
    parameters = {**parameter_defaults(source), **PARAMETERS}
    spec = function_spec(source, translate(parameters), "AuthorizerFunction", parameters, {})
    assert spec.reserved_concurrency is None
    reserved = {**parameters, "AuthorizerReservedConcurrency": "50"}
    assert function_spec(source, translate(reserved), "AuthorizerFunction", reserved, {}).reserved_concurrency == 50
    assert all(function_spec(source, translate(reserved), f, reserved, {"DataTable": "t"}).reserved_concurrency is None
               for f in DOWNSTREAM)


# ---- logs ----

def _access_log_format(translated) -> str:
    return _stage(translated)["AccessLogSetting"]["Format"]


def test_the_access_log_goes_to_its_own_log_group(translated):
    setting = _stage(translated)["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["AccessLogGroup", "Arn"]}
    assert translated["Resources"]["AccessLogGroup"]["Type"] == "AWS::Logs::LogGroup"


def test_the_access_log_is_one_json_line_with_the_request_authorizer_and_integration_fields(translated):
    text = _access_log_format(translated)
    assert "\n" not in text
    fields = json.loads(text)  # valid JSON once API Gateway substitutes the (quoted) variables
    values = set(fields.values())
    assert values >= {
        "$context.requestId", "$context.identity.sourceIp", "$context.httpMethod", "$context.resourcePath",
        "$context.status", "$context.responseLatency", "$context.authorizer.principalId",
        "$context.authorizer.status", "$context.authorizer.latency", "$context.authorizer.error",
        "$context.integration.status", "$context.integration.error",
    }


def test_the_access_log_names_the_organization_by_the_authorizer_context_key(translated):
    context = to_gateway_context(AuthContext("1", "2", organization_id="3", workspace_id="4", expires_at=5))
    (key,) = [k for k, v in context.items() if v == "3"]
    assert f"$context.authorizer.{key}" in json.loads(_access_log_format(translated)).values()


def test_the_access_log_holds_no_token_and_no_header_value(translated):
    text = _access_log_format(translated)
    variables = set(re.findall(r"\$[A-Za-z_.]+", text))
    assert not any(v.startswith(("$input", "$method", "$stageVariables", "$util")) for v in variables)
    identity = {v for v in variables if v.startswith("$context.identity.")}
    assert identity == {"$context.identity.sourceIp"}  # not userAgent, caller, apiKey, ... (headers or secrets)
    authorizer = {v.removeprefix("$context.authorizer.") for v in variables if v.startswith("$context.authorizer.")}
    assert authorizer <= {"principalId", "organizationId", "status", "latency", "error"}
    assert "Authorization" not in text and "header" not in text.lower()


def test_every_function_and_the_access_log_keep_logs_for_the_retention_parameter(source, translated):
    resources = translated["Resources"]
    groups = []
    for function in function_ids(source):
        reference = resources[function]["Properties"]["LoggingConfig"]["LogGroup"]
        groups.append(reference["Ref"])
    assert len(set(groups)) == len(groups)  # one log group per function
    for group in [*groups, "AccessLogGroup"]:
        assert resources[group]["Type"] == "AWS::Logs::LogGroup", group
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, group
    assert parameter_defaults(source)["LogRetentionDays"] == "30"
    assert not _accepts(source, "LogRetentionDays", "31")  # CloudWatch Logs allows only its fixed values


def test_the_account_logging_role_is_created_by_parameter_and_kept_when_the_stack_goes(source, translated):
    resources = translated["Resources"]
    role, account = resources["ApiGatewayLoggingRole"], resources["ApiGatewayAccount"]
    assert role["Condition"] == account["Condition"] == "CreateLoggingRole"
    assert _holds(source)["CreateLoggingRole"] is True
    assert _holds(source, CreateApiGatewayLoggingRole="false")["CreateLoggingRole"] is False
    assert role["DeletionPolicy"] == role["UpdateReplacePolicy"] == "Retain"
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}
    (policy,) = role["Properties"]["ManagedPolicyArns"]
    assert policy["Fn::Sub"].endswith(":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
    assert account["Properties"]["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayLoggingRole", "Arn"]}


def test_the_api_waits_for_the_account_setting_when_the_stack_creates_it(translated):
    resources = translated["Resources"]
    assert resources["Api"]["DependsOn"] == "ApiGatewayLoggingReady"
    ready = resources["ApiGatewayLoggingReady"]
    assert ready["Metadata"]["AccountSetting"]["Fn::If"][:2] == ["CreateLoggingRole", {"Ref": "ApiGatewayAccount"}]


# ---- alarms and dashboard ----

def _alarms(translated) -> dict[str, dict]:
    return {name: r["Properties"] for name, r in _of_type(translated, "AWS::CloudWatch::Alarm").items()}


def _metrics(alarm: dict) -> list[dict]:
    """Every metric an alarm reads: its single metric, or each MetricStat of its metric math."""
    if "MetricName" in alarm:
        return [{"Namespace": alarm["Namespace"], "MetricName": alarm["MetricName"], "Dimensions": alarm.get("Dimensions", [])}]
    return [q["MetricStat"]["Metric"] for q in alarm["Metrics"] if "MetricStat" in q]


def _expression(alarm: dict) -> str:
    (query,) = [q for q in alarm["Metrics"] if q.get("ReturnData")]
    return query["Expression"]


def test_every_alarm_notifies_the_topic_only_when_an_email_is_given(source, translated):
    topic = translated["Resources"]["AlarmTopic"]
    assert topic["Condition"] == "AlarmEmailGiven"
    assert topic["Properties"]["Subscription"] == [{"Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}]
    assert _holds(source)["AlarmEmailGiven"] is False
    assert _holds(source, AlarmEmail="ops@example.com")["AlarmEmailGiven"] is True
    assert not _accepts(source, "AlarmEmail", "not-an-address")
    alarms = _alarms(translated)
    assert len(alarms) == 9
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == {"Fn::If": ["AlarmEmailGiven", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]}, name
        assert alarm["TreatMissingData"] == "notBreaching", name  # no traffic is not an incident


def test_metric_math_alarms_sum_exactly_the_metrics_they_list(translated):
    for name, alarm in _alarms(translated).items():
        if "Metrics" not in alarm:
            continue
        ids = {q["Id"] for q in alarm["Metrics"] if "MetricStat" in q}
        referenced = set(re.findall(r"[a-z_][a-z0-9_]*", _expression(alarm))) - {"sum", "if"}
        assert referenced == ids, name
        assert len(ids) <= 10, name  # CloudWatch's limit of metrics per alarm


def test_keys_unavailable_alarms_on_the_first_one_in_a_minute(translated):
    alarm = _alarms(translated)["KeysUnavailableAlarm"]
    assert _metrics(alarm) == [{"Namespace": decisions.NAMESPACE, "MetricName": decisions.KEYS_UNAVAILABLE, "Dimensions": SERVICE_DIMENSION}]
    assert (alarm["Statistic"], alarm["Period"], alarm["EvaluationPeriods"]) == ("Sum", 60, 1)
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)


def test_gateway_unavailable_alarms_on_the_first_one_in_a_minute(translated):
    # API keys and opaque OAuth tokens answered 500 because Wacht's gateway could not judge them: an outage.
    # Both places that meet a gateway outage publish it: the authorizer, and the functions' per-request re-check.
    alarm = _alarms(translated)["GatewayUnavailableAlarm"]
    functions = [{"Name": "service", "Value": "wacht-functions"}]
    assert _metrics(alarm) == [
        {"Namespace": decisions.NAMESPACE, "MetricName": decisions.GATEWAY_UNAVAILABLE, "Dimensions": SERVICE_DIMENSION},
        {"Namespace": decisions.NAMESPACE, "MetricName": decisions.GATEWAY_UNAVAILABLE, "Dimensions": functions},
    ]
    assert _expression(alarm) == "FILL(authorizer, 0) + FILL(functions, 0)"
    assert {(q["MetricStat"]["Stat"], q["MetricStat"]["Period"]) for q in alarm["Metrics"] if "MetricStat" in q} == {("Sum", 60)}
    assert (alarm["EvaluationPeriods"], alarm["ComparisonOperator"], alarm["Threshold"]) == (1, "GreaterThanOrEqualToThreshold", 1)


def test_the_refusal_spike_alarm_reads_the_authorizers_total_of_refusals(translated):
    # Its metric math, with requests without a token left out: tests/template/test_alarm_math.py.
    alarm = _alarms(translated)["RefusalSpikeAlarm"]
    assert _metrics(alarm)[0] == {"Namespace": decisions.NAMESPACE, "MetricName": decisions.UNAUTHORIZED, "Dimensions": SERVICE_DIMENSION}
    assert {(q["MetricStat"]["Stat"], q["MetricStat"]["Period"]) for q in alarm["Metrics"] if "MetricStat" in q} == {("Sum", 300)}
    assert alarm["Threshold"] == {"Ref": "RefusalAlarmThreshold"}


def test_the_authorizers_other_failures_alarm_since_its_lambda_errors_count_401s(translated):
    metrics = _metrics(_alarms(translated)["AuthorizerFailuresAlarm"])
    assert {m["MetricName"] for m in metrics} == {decisions.BAD_EVENT, decisions.INTERNAL_ERROR}
    assert all(m["Namespace"] == decisions.NAMESPACE and m["Dimensions"] == SERVICE_DIMENSION for m in metrics)


def test_every_authorizer_metric_an_alarm_reads_is_one_the_authorizer_publishes(translated):
    read = {m["MetricName"] for a in _alarms(translated).values() for m in _metrics(a) if m["Namespace"] == decisions.NAMESPACE}
    assert read and read <= set(decisions.DECISIONS)


def test_the_5xx_alarm_is_a_rate_of_the_stages_requests(translated):
    alarm = _alarms(translated)["ServerErrorRateAlarm"]
    api_name = translated["Resources"]["Api"]["Properties"]["Name"]
    dimensions = [{"Name": "ApiName", "Value": api_name}, {"Name": "Stage", "Value": {"Ref": "StageName"}}]
    assert {m["MetricName"] for m in _metrics(alarm)} == {"5XXError", "Count"}
    assert all(m["Namespace"] == "AWS/ApiGateway" and m["Dimensions"] == dimensions for m in _metrics(alarm))
    assert "errors / requests" in _expression(alarm)
    assert alarm["Threshold"] == 0.05


def test_throttles_of_any_function_and_errors_of_every_downstream_function_alarm(source, translated):
    alarms = _alarms(translated)
    throttled = {m["Dimensions"][0]["Value"]["Ref"] for m in _metrics(alarms["FunctionThrottlesAlarm"]) if m["MetricName"] == "Throttles"}
    assert throttled == set(function_ids(source))
    failing = {m["Dimensions"][0]["Value"]["Ref"] for m in _metrics(alarms["FunctionErrorsAlarm"]) if m["MetricName"] == "Errors"}
    assert failing == set(function_ids(source)) - {"AuthorizerFunction"}  # its Errors count every 401


def test_dynamodb_throttled_reads_and_writes_alarm(translated):
    metrics = _metrics(_alarms(translated)["DataTableThrottlesAlarm"])
    assert {m["MetricName"] for m in metrics} == {"ReadThrottleEvents", "WriteThrottleEvents"}
    assert all(m["Dimensions"] == [{"Name": "TableName", "Value": {"Ref": "DataTable"}}] for m in metrics)


def test_the_dashboard_shows_decisions_latency_and_4xx_5xx(translated):
    body = translated["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))["widgets"]
    shown = json.dumps(widgets)
    for metric in (*decisions.DECISIONS, "Latency", "4XXError", "5XXError", "Throttles"):
        assert f'"{metric}"' in shown, metric
    assert "{WachtAuthorizer,Reason,service}" in shown  # refusals by reason


# ---- tracing ----

def test_tracing_is_a_parameter_for_the_stage_and_the_downstream_functions(source, translated):
    assert _stage(translated)["TracingEnabled"] == {"Fn::If": ["TracingOn", True, False]}
    for function in DOWNSTREAM:
        mode = translated["Resources"][function]["Properties"]["TracingConfig"]["Mode"]
        assert mode == {"Fn::If": ["TracingOn", "Active", "PassThrough"]}, function
    for value, disabled in (("true", "false"), ("false", "true")):
        parameters = {**parameter_defaults(source), **PARAMETERS, "TracingEnabled": value}
        for function in DOWNSTREAM:
            environment = function_spec(source, translate(parameters), function, parameters, {"DataTable": "t"}).environment
            assert environment["POWERTOOLS_TRACE_DISABLED"] == disabled, (function, value)
            assert environment["POWERTOOLS_SERVICE_NAME"], function


def test_the_authorizer_is_never_traced(source, translated):
    properties = translated["Resources"]["AuthorizerFunction"]["Properties"]
    assert "TracingConfig" not in properties
    parameters = {**parameter_defaults(source), **PARAMETERS}
    assert function_spec(source, translated, "AuthorizerFunction", parameters, {}).environment["POWERTOOLS_TRACE_DISABLED"] == "true"


# ---- IAM: each data function stays in its own kind of partition ----

class _RecordingDynamoDB:
    """The AWS boundary: records the partition key of every call and answers 'nothing there'."""

    def __init__(self) -> None:
        self.partition_keys: list[str] = []

    def get_item(self, **arguments):
        self.partition_keys.append(arguments["Key"]["pk"]["S"])
        return {}

    def put_item(self, **arguments):
        self.partition_keys.append(arguments["Item"]["pk"]["S"])
        return {}

    def delete_item(self, **arguments):
        self.partition_keys.append(arguments["Key"]["pk"]["S"])
        return {}

    def query(self, **arguments):
        self.partition_keys.append(arguments["ExpressionAttributeValues"][":pk"]["S"])
        return {"Items": []}


def _leading_keys(translated, function) -> list[str]:
    role = translated["Resources"][f"{function}Role"]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    (statement,) = [s for s in statements if any(str(a).startswith("dynamodb:") for a in s["Action"])]
    return statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]


def _partition_keys_used(store_calls) -> list[str]:
    dynamodb = _RecordingDynamoDB()
    table = DataTable(lambda timeouts: dynamodb, "table")
    auth = AuthContext("111", "222", organization_id="333", workspace_id="444",
                       organization_permissions=("members:manage",), workspace_permissions=("documents:write",), expires_at=9)
    for call in store_calls:
        try:
            call(table, auth)
        except Exception as error:  # noqa: BLE001 - NotFound on the empty table is expected
            assert type(error).__name__ == "NotFound", error
    assert dynamodb.partition_keys
    return dynamodb.partition_keys


def test_the_documents_function_may_only_touch_workspace_partitions(translated):
    patterns = _leading_keys(translated, "DocumentsFunction")
    assert patterns == ["WS#*"]
    used = _partition_keys_used([
        lambda table, auth: DocumentStore(table, auth).create(DocumentDraft.from_body('{"title": "t"}')),
        lambda table, auth: DocumentStore(table, auth).get("abc"),
        lambda table, auth: DocumentStore(table, auth).delete("abc"),
        lambda table, auth: DocumentStore(table, auth).list(PageRequest.from_query({})),
    ])
    assert all(fnmatch.fnmatchcase(pk, patterns[0]) for pk in used), used
    assert not any(fnmatch.fnmatchcase(pk, "ORG#*") for pk in used)


def test_the_members_function_may_only_touch_organization_partitions(translated):
    patterns = _leading_keys(translated, "MembersFunction")
    assert patterns == ["ORG#*"]
    used = _partition_keys_used([
        lambda table, auth: MemberStore(table, auth).put("555", MemberRole.from_body('{"role": "member"}')),
        lambda table, auth: MemberStore(table, auth).delete("555"),
        lambda table, auth: MemberStore(table, auth).list(PageRequest.from_query({})),
    ])
    assert all(fnmatch.fnmatchcase(pk, patterns[0]) for pk in used), used
    assert not any(fnmatch.fnmatchcase(pk, "WS#*") for pk in used)


# ---- parameters ----

def test_allowed_origin_must_be_an_https_origin_and_has_no_default(source):
    assert "Default" not in source["Parameters"]["AllowedOrigin"]
    assert _accepts(source, "AllowedOrigin", "https://app.example.com")
    assert _accepts(source, "AllowedOrigin", "https://app.example.com:8443")
    for bad in ("http://localhost:5173", "http://app.example.com", "https://app.example.com/", "https://app.example.com/x", "*"):
        assert not _accepts(source, "AllowedOrigin", bad), bad


def test_the_wacht_api_url_must_be_https(source):
    assert _accepts(source, "WachtApiUrl", "https://api.wacht.dev")
    assert not _accepts(source, "WachtApiUrl", "http://api.wacht.dev")


def test_every_default_is_a_value_its_own_parameter_accepts(source):
    for name, spec in source["Parameters"].items():
        if "Default" in spec:
            assert _accepts(source, name, str(spec["Default"])), name


def test_samconfig_deploys_with_iam_capability_and_only_valid_overrides(source):
    config = tomllib.loads((PROJECT_ROOT / "samconfig.toml").read_text())
    deploy = config["default"]["deploy"]["parameters"]
    assert "CAPABILITY_IAM" in deploy["capabilities"]  # roles without names (functions, API logging)
    overrides = deploy.get("parameter_overrides", "")
    for name, value in re.findall(r'(\w+)="([^"]*)"', overrides if isinstance(overrides, str) else " ".join(overrides)):
        assert name in source["Parameters"] and _accepts(source, name, value), name


# ---- comments ----

def test_every_resource_has_a_one_line_comment():
    lines = TEMPLATE_PATH.read_text().splitlines()
    start = lines.index("Resources:")
    end = lines.index("Outputs:")
    for index in range(start + 1, end):
        match = re.fullmatch(r"  ([A-Za-z0-9]+):", lines[index])
        if match:
            previous = lines[index - 1].strip()
            assert previous.startswith("# "), f"{match.group(1)} has no comment above it"


def test_the_api_key_prefix_parameter_refuses_what_every_jwt_starts_with(source):
    # A prefix of "eyJ" (or one starting with it) would route every session token to the gateway as an API key.
    for refused in ("ey", "eyJ", "eyJhbGci", "a", "acme live"):
        assert not _accepts(source, "WachtApiKeyPrefix", refused), refused
    for accepted in ("", "acme_live_", "eyes_", "ex_"):
        assert _accepts(source, "WachtApiKeyPrefix", accepted), accepted


def _rule_value(expression, parameters: dict[str, str]):
    """CloudFormation's rule functions, as far as template.yaml's Rules use them."""
    if isinstance(expression, str):
        return expression
    (name, argument), = expression.items()
    if name == "Ref":
        return parameters[argument]
    if name == "Fn::Equals":
        return _rule_value(argument[0], parameters) == _rule_value(argument[1], parameters)
    if name == "Fn::Not":
        return not _rule_value(argument[0], parameters)
    if name == "Fn::And":
        return all(_rule_value(item, parameters) for item in argument)
    if name == "Fn::Or":
        return any(_rule_value(item, parameters) for item in argument)
    raise AssertionError(f"rule function not modelled: {name}")


def _rules_accept(source, parameters: dict[str, str]) -> bool:
    values = {**parameter_defaults(source), **parameters}
    for rule in source["Rules"].values():
        if "RuleCondition" in rule and not _rule_value(rule["RuleCondition"], values):
            continue
        if not all(_rule_value(assertion["Assert"], values) for assertion in rule["Assertions"]):
            return False
    return True


@pytest.mark.parametrize(
    "other_callers",
    [
        {},
        {"WachtGatewayUrl": "https://gateway.wacht.dev"},
        {"WachtGatewayUrl": "https://gateway.wacht.dev", "WachtApiKeyPrefix": "acme_live_"},
        {"WachtApiKeyPrefix": "acme_live_"},
        {"WachtOAuthIssuer": "https://auth.example.com", "WachtOAuthAudience": "https://api.example.com"},
        {"WachtOAuthIssuer": "https://auth.example.com"},
        {"WachtOAuthAudience": "https://api.example.com"},
        {"WachtOAuthIssuer": PARAMETERS["WachtDeploymentUrl"], "WachtOAuthAudience": "https://api.example.com"},
    ],
)
def test_the_template_rules_refuse_exactly_the_combinations_the_authorizer_would_refuse_at_cold_start(source, other_callers):
    # A combination CloudFormation accepts must not deploy a stack whose every cold start fails (a 500 for everyone).
    from wacht_auth import ConfigurationError, Settings

    environ = {"WACHT_DEPLOYMENT_URL": PARAMETERS["WachtDeploymentUrl"]}
    names = {"WachtGatewayUrl": "WACHT_GATEWAY_URL", "WachtApiKeyPrefix": "WACHT_API_KEY_PREFIX",
             "WachtOAuthIssuer": "WACHT_OAUTH_ISSUER", "WachtOAuthAudience": "WACHT_OAUTH_AUDIENCE"}
    environ.update({names[name]: value for name, value in other_callers.items()})
    try:
        Settings.from_environ(environ)
        starts = True
    except ConfigurationError:
        starts = False
    assert _rules_accept(source, {**PARAMETERS, **other_callers}) is starts
