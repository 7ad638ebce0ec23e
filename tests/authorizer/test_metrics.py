"""Exact decision metrics: each invocation writes its own EMF line, in that invocation, with its time.

The handler runs as Lambda runs it (tests.authorizer.test_handler.load_authorizer: env at cold
start, a real JWKS server on 127.0.0.1, one of them down); stdout is what CloudWatch Logs would
receive and extract metrics from.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter

import pytest
from aws_lambda_powertools import Metrics

from tests.authorizer.test_handler import event, load_authorizer
from tests.support.servers import JwksServer
from tests.support.tokens import SigningKey, jwks, session_claims
from wacht_auth import Reason
from wacht_auth.decisions import DECISIONS, NAMESPACE, SERVICE, UNAUTHORIZED, DecisionMetrics

INVOCATIONS = 200


def emf_blobs(output: str) -> list[dict]:
    """Every CloudWatch EMF blob in ``output`` (one JSON object per line; log lines have no ``_aws``)."""
    blobs = []
    for line in output.splitlines():
        if line.startswith("{"):
            document = json.loads(line)
            if "_aws" in document:
                blobs.append(document)
    return blobs


def counted(blob: dict) -> Counter:
    """What CloudWatch would count from one blob: each metric's values summed, by (name, dimensions)."""
    counts: Counter = Counter()
    for directive in blob["_aws"]["CloudWatchMetrics"]:
        assert directive["Namespace"] == NAMESPACE
        for metric in directive["Metrics"]:
            assert metric["Unit"] == "Count"
            for dimension_set in directive["Dimensions"]:
                key = (metric["Name"], tuple((name, blob[name]) for name in dimension_set))
                counts[key] += sum(blob[metric["Name"]])
    return counts


def test_n_mixed_invocations_publish_exactly_n_decisions_each_stamped_within_its_invocation(monkeypatch, capsys, recwarn):
    key = SigningKey("dev-1")
    with JwksServer(jwks(key)) as server, JwksServer(jwks(key)) as down:
        down.mode = "error"
        working = load_authorizer(monkeypatch, {"WACHT_DEPLOYMENT_URL": server.origin})
        outage = load_authorizer(monkeypatch, {"WACHT_DEPLOYMENT_URL": down.origin})
        repeated = key.sign(session_claims(server.origin))
        cases = {
            # name: (authorizer module, event factory, expected metric, expected Reason)
            "fresh token": (working, lambda i: event(f"Bearer {key.sign(session_claims(server.origin, sid=f'sess-{i}'))}"), "Allow", None),
            "repeated token": (working, lambda i: event(f"Bearer {repeated}"), "Allow", None),
            "expired": (working, lambda i: event(f"Bearer {key.sign(session_claims(server.origin, now=1_600_000_000))}"), UNAUTHORIZED, Reason.EXPIRED),
            "forged": (working, lambda i: event(f"Bearer {SigningKey('dev-1').sign(session_claims(server.origin))}"), UNAUTHORIZED, Reason.BAD_SIGNATURE),
            "wrong issuer": (working, lambda i: event(f"Bearer {key.sign(session_claims('https://evil.example'))}"), UNAUTHORIZED, Reason.WRONG_ISSUER),
            "no header": (working, lambda i: event(None), UNAUTHORIZED, Reason.MISSING_TOKEN),
            "garbage": (working, lambda i: event("Bearer not.a.jwt"), UNAUTHORIZED, Reason.MALFORMED),
            "bad event": (working, lambda i: event(f"Bearer {repeated}", method_arn="nonsense"), "BadEvent", None),
            "outage": (outage, lambda i: event(f"Bearer {key.sign(session_claims(down.origin))}"), "KeysUnavailable", None),
        }
        chosen = random.Random(8).choices(list(cases), k=INVOCATIONS)
        assert set(chosen) == set(cases)
        capsys.readouterr()  # the cold starts' output is not a decision

        expected: Counter = Counter()
        for i, case in enumerate(chosen):
            module, make_event, metric, reason = cases[case]
            evt = make_event(i)
            started_ms = int(time.time() * 1000)
            try:
                module.lambda_handler(evt, None)
            except Exception:  # noqa: BLE001,S110 - the refusals and 500s are the point; the metric is asserted
                pass
            ended_ms = int(time.time() * 1000)

            [blob] = emf_blobs(capsys.readouterr().out)  # written in this invocation, not later
            assert started_ms <= blob["_aws"]["Timestamp"] <= ended_ms, case
            dimensions = (("service", SERVICE),)
            counts = Counter({(metric, dimensions): 1})
            if reason is not None:
                counts[(metric, (*dimensions, ("Reason", reason.value)))] = 1
            assert counted(blob) == counts, case
            expected.update(counts)

    per_metric = Counter({name: count for (name, dimensions), count in expected.items() if len(dimensions) == 1})
    assert sum(per_metric.values()) == INVOCATIONS
    assert set(per_metric) == {"Allow", UNAUTHORIZED, "BadEvent", "KeysUnavailable"}
    assert not [w for w in recwarn.list if "metric" in str(w.message).lower()]


@pytest.mark.parametrize(
    ("decision", "reason"),
    [(name, None) for name in DECISIONS if name != UNAUTHORIZED] + [(UNAUTHORIZED, reason.value) for reason in Reason],
)
def test_the_line_is_what_powertools_metrics_prints_for_the_same_metric(capsys, decision, reason):
    """Same bytes as Powertools' flush_metrics for one Count metric: CloudWatch reads it alike."""
    now_ms = int(time.time() * 1000)
    powertools = Metrics(namespace=NAMESPACE, service=SERVICE)
    powertools.add_metric(name=decision, unit="Count", value=1)
    if reason is not None:
        powertools.add_dimensions(service=SERVICE, Reason=reason)
    powertools.set_timestamp(now_ms)
    powertools.flush_metrics()
    expected = capsys.readouterr().out

    lines: list[str] = []
    DecisionMetrics(clock=lambda: now_ms / 1000, write=lines.append).publish(decision, reason)
    assert lines == [expected.rstrip("\n")]


def test_each_line_carries_the_time_it_was_written():
    now = [1_764_590_000.0]
    lines: list[str] = []
    metrics = DecisionMetrics(clock=lambda: now[0], write=lines.append)
    metrics.publish("Allow")
    now[0] += 61.25
    metrics.publish("Allow")
    assert [json.loads(line)["_aws"]["Timestamp"] for line in lines] == [1_764_590_000_000, 1_764_590_061_250]


@pytest.mark.parametrize(
    ("decision", "reason"),
    [("Allowed", None), ("Unauthorized_expired", None), (UNAUTHORIZED, None), ("Allow", "expired"), ("KeysUnavailable", "x"), (UNAUTHORIZED, "made_up")],
)
def test_names_outside_the_fixed_set_and_misplaced_reasons_are_refused(decision, reason):
    lines: list[str] = []
    with pytest.raises(ValueError):
        DecisionMetrics(write=lines.append).publish(decision, reason)
    assert lines == []
