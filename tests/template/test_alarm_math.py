"""The alarms whose metric math decides what pages someone, evaluated for one period on the
datapoints a situation produces (tests.template.metric_math models CloudWatch's missing data).

The authorizer's own decision metrics come from the real handler where it matters (an invocation
without an Authorization header, as API Gateway makes it when AuthorizerCacheTtlSeconds is 0)."""

from __future__ import annotations

from collections import Counter

import pytest

from local_stack.api_gateway.sam_template import translate
from tests.authorizer.test_handler import event, invoke, load_authorizer
from tests.authorizer.test_metrics import counted, emf_blobs
from tests.support.servers import JwksServer
from tests.support.tokens import SigningKey, jwks
from tests.template.metric_math import evaluate
from wacht_auth import Reason
from wacht_auth.decisions import ALLOW, DECISIONS, NAMESPACE, REASON_DIMENSION, SERVICE, UNAUTHORIZED

PARAMETERS = {"WachtDeploymentUrl": "https://frontend.example.com", "AllowedOrigin": "https://app.example.com"}
REFUSAL_THRESHOLD = 100  # the template's default RefusalAlarmThreshold


@pytest.fixture(scope="module")
def alarms():
    resources = translate(PARAMETERS)["Resources"]
    return {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def _metric_ids(alarm: dict) -> dict[str, dict]:
    return {q["Id"]: q["MetricStat"]["Metric"] for q in alarm["Metrics"] if "MetricStat" in q}


def _value(alarm: dict, **datapoints: float) -> float | None:
    """The alarm's expression for one period; ids not given have no datapoint in it."""
    (query,) = [q for q in alarm["Metrics"] if q.get("ReturnData")]
    return evaluate(query["Expression"], {name: datapoints.get(name) for name in _metric_ids(alarm)})


def _fires(alarm: dict, **datapoints: float) -> bool:
    value = _value(alarm, **datapoints)
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    threshold = REFUSAL_THRESHOLD if alarm["Threshold"] == {"Ref": "RefusalAlarmThreshold"} else float(alarm["Threshold"])
    return value is not None and value >= threshold


# ---- the authorizer's errors without a decision (init failure, timeout, out of memory) ----

def test_the_authorizer_errors_alarm_reads_its_lambda_errors_and_every_decision_that_raises(alarms):
    alarm = alarms["AuthorizerErrorsAlarm"]
    metrics = _metric_ids(alarm)
    assert metrics["errors"] == {"Namespace": "AWS/Lambda", "MetricName": "Errors",
                                 "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": "AuthorizerFunction"}}]}
    subtracted = {m["MetricName"] for name, m in metrics.items() if name != "errors"}
    assert subtracted == set(DECISIONS) - {ALLOW}  # every decision but Allow raises, so counts as a Lambda error
    assert all(m["Namespace"] == NAMESPACE and m["Dimensions"] == [{"Name": "service", "Value": SERVICE}]
               for name, m in metrics.items() if name != "errors")
    assert {q["MetricStat"]["Period"] for q in alarm["Metrics"] if "MetricStat" in q} == {300}


def test_an_init_failure_with_no_decision_at_all_fires(alarms):
    # A bad setting: every invocation fails at cold start, nothing writes a decision metric.
    assert _fires(alarms["AuthorizerErrorsAlarm"], errors=12)


def test_a_timeout_among_refusals_fires(alarms):
    assert _fires(alarms["AuthorizerErrorsAlarm"], errors=41, refused=40)


def test_refusals_and_the_500s_other_alarms_cover_do_not_fire(alarms):
    alarm = alarms["AuthorizerErrorsAlarm"]
    assert not _fires(alarm, errors=40, refused=40)
    assert not _fires(alarm, errors=15, refused=5, keys_unavailable=7, key_not_yet_known=1, bad_event=1, internal_error=1)
    assert not _fires(alarm)  # no traffic


def test_fill_is_what_makes_an_init_failure_visible():
    # Without FILL, a period with errors but no refusal has no datapoint: "missing", never an alarm.
    assert evaluate("errors - refused", {"errors": 12, "refused": None}) is None
    assert evaluate("FILL(errors, 0) - FILL(refused, 0)", {"errors": 12, "refused": None}) == 12


# ---- refused tokens, whatever the authorizer cache TTL ----

def test_the_refusal_spike_alarm_counts_refusals_but_not_requests_without_a_token(alarms):
    metrics = _metric_ids(alarms["RefusalSpikeAlarm"])
    service = {"Name": "service", "Value": SERVICE}
    assert metrics["refused"] == {"Namespace": NAMESPACE, "MetricName": UNAUTHORIZED, "Dimensions": [service]}
    assert metrics["no_token"] == {"Namespace": NAMESPACE, "MetricName": UNAUTHORIZED,
                                   "Dimensions": [service, {"Name": REASON_DIMENSION, "Value": Reason.MISSING_TOKEN.value}]}
    assert alarms["RefusalSpikeAlarm"]["Threshold"] == {"Ref": "RefusalAlarmThreshold"}


def _published(module, authorizations: list[str | None]) -> Counter:
    """What CloudWatch counts from the authorizer's EMF lines for these invocations."""
    totals: Counter = Counter()
    for authorization in authorizations:
        _, output = invoke(module, event(authorization))
        for blob in emf_blobs(output):
            totals.update(counted(blob))
    return totals


def test_with_cache_ttl_0_anonymous_requests_invoke_the_authorizer_yet_do_not_raise_the_refusal_alarm(monkeypatch, alarms):
    key = SigningKey("alarm-1")
    with JwksServer(jwks(key)) as server:
        authorizer = load_authorizer(monkeypatch, {"WACHT_DEPLOYMENT_URL": server.origin})
        # TTL 0: API Gateway invokes the authorizer for requests without a header too (no header at all).
        anonymous = _published(authorizer, [None] * 150)
        forged = _published(authorizer, ["Bearer not.a.token"] * 20)
        flood = _published(authorizer, ["Bearer not.a.token"] * 100)
    service = (("service", SERVICE),)
    no_token = service + ((REASON_DIMENSION, Reason.MISSING_TOKEN.value),)

    def datapoints(counts: Counter) -> dict[str, float]:
        return {"refused": counts[(UNAUTHORIZED, service)], "no_token": counts[(UNAUTHORIZED, no_token)] or None}

    alarm = alarms["RefusalSpikeAlarm"]
    assert anonymous[(UNAUTHORIZED, service)] == 150  # each anonymous request is a refusal the authorizer publishes
    assert not _fires(alarm, **datapoints(anonymous + forged))  # 20 refused tokens, under the threshold of 100
    assert _value(alarm, **datapoints(anonymous + forged)) == 20
    assert _fires(alarm, **datapoints(anonymous + flood))  # 100 refused tokens
    assert _fires(alarm, **datapoints(flood))  # caching on: no anonymous invocation, no missing_token datapoint
