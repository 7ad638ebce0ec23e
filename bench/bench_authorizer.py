"""Benchmark: the authorizer's warm cost per invocation, and every function's cold start as `sam build` ships it.

Everything is measured in one run on this machine and compared side by side: the warm handler
(exact metrics included: one EMF line written per invocation) against an absolute goal of a
tenth of Lambda's 1 ms billing unit, a first-seen token against a raw ``cryptography`` ES256
verify, ``import app`` against importing its dependencies alone (PyJWT + cryptography +
Powertools Logger), in fresh interpreters; then (bench/cold_start.py) each function's init from
a real build as shipped next to the same compiled, each downstream function next to its floor,
the authorizer with a key set answering at once and after 150 ms, and where the time goes.

Run: ``make bench`` (or ``.venv/bin/python bench/bench_authorizer.py [--check]``); ``--check``
exits non-zero when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE_PATHS = [str(ROOT / "authorizer"), str(ROOT / "layers" / "common"), str(ROOT / "packages" / "wacht-auth" / "src")]
sys.path[:0] = [*CODE_PATHS, str(ROOT)]

import jwt  # noqa: E402 - only for the comparison rows
from aws_lambda_powertools import Metrics  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from tests.support.tokens import SigningKey, jwks, session_claims  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import cold_start  # noqa: E402
from machine import cpu_model  # noqa: E402

ISSUER = "https://bench.wacht.example"
METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/documents"
ROUNDS = 15
REPEATED_CALLS = 10_000  # per round
FIRST_SEEN_CALLS = 1_000  # per round, each with a token the authorizer has not seen
RAW_VERIFY_CALLS = 1_000
IMPORT_RUNS = 15

GOAL_REPEATED_US = 100.0  # a tenth of Lambda's 1 ms billing unit
GOAL_FIRST_SEEN_RATIO = 3.0  # x the raw ES256 verify
GOAL_IMPORT_RATIO = 1.15  # x the import of the dependencies alone
GOAL_SHIPPED_RATIO = 1.10  # each function's init as shipped, x the same compiled
GOAL_SLOW_JWKS_MS = 40.0  # authorizer init with a key set answering after 150 ms, minus one answering at once
GOAL_DOCUMENTS_FLOOR_RATIO = 1.25  # DocumentsFunction's compiled init, x its floor

# The authorizer's dependencies alone: what `import app` pulls in besides its own code (the
# Powertools package imports its Metrics module along with Logger).
DEPENDENCIES_ONLY = "import jwt; from aws_lambda_powertools import Logger"
# One fresh interpreter times its dependencies' import, then the rest of `import app` on top of
# them: both parts see the same load, and the split is exact (the modules already imported are
# shared). os._exit: an init ends when the import does; teardown is no part of a cold start.
IMPORT_TIMES = (
    "import time; started = time.perf_counter(); "
    f"{DEPENDENCIES_ONLY}; dependencies = time.perf_counter(); "
    "import app; done = time.perf_counter(); "
    "import os; os.write(1, f'\\n{(dependencies - started) * 1000} {(done - started) * 1000}'.encode()); os._exit(0)"
)
ADDED_MODULES = (
    f"import sys; {DEPENDENCIES_ONLY}; before = set(sys.modules); import app; "
    "print(' '.join(sorted(set(sys.modules) - before)))"
)


def _event(token: str) -> dict:
    return {
        "type": "REQUEST",
        "methodArn": METHOD_ARN,
        "headers": {"Authorization": f"Bearer {token}"},
        "requestContext": {"requestId": "bench-request"},
    }


def _best_per_call_us(measures: dict[str, tuple]) -> dict[str, float]:
    """µs per call of each ``name: (function, calls)``: the best of ROUNDS rounds (the least
    disturbed by other load), the measures interleaved within each round so drifting load hits all alike."""
    best = dict.fromkeys(measures, float("inf"))
    for _ in range(ROUNDS):
        for name, (function, calls) in measures.items():
            started = time.perf_counter()
            for _ in range(calls):
                function()
            best[name] = min(best[name], (time.perf_counter() - started) / calls * 1e6)
    return best


def measure_handler(key: SigningKey) -> dict[str, float]:
    import app  # the authorizer module, as Lambda loads it

    claims = session_claims(ISSUER, organization_permissions=["members:manage"], workspace_permissions=["documents:write"])
    repeated = _event(key.sign(claims))
    first_seen = iter([_event(key.sign({**claims, "sid": f"sess-{i}"})) for i in range(FIRST_SEEN_CALLS * ROUNDS)])

    powertools_metrics = Metrics(namespace="WachtAuthorizer", service="wacht-authorizer")

    def powertools_flush():  # what exact metrics would cost through Powertools, for comparison
        powertools_metrics.add_metric(name="Allow", unit="Count", value=1)
        powertools_metrics.flush_metrics()

    public_key = key.private_key.public_key()
    message = b"header.payload"
    signature = key.private_key.sign(message, ec.ECDSA(hashes.SHA256()))
    token = repeated["headers"]["Authorization"].removeprefix("Bearer ")

    def pyjwt_decode():  # the library's own share of a first-seen token, for comparison
        jwt.decode(token, public_key, algorithms=["ES256"], issuer=ISSUER, options={"require": ["exp", "iat", "sub"]})

    # Line-buffered like Lambda's stdout: every EMF blob is one write() to a real file.
    with open(os.devnull, "w", buffering=1) as devnull, redirect_stdout(devnull):
        app.lambda_handler(repeated, None)
        return _best_per_call_us({
            "repeated": (lambda: app.lambda_handler(repeated, None), REPEATED_CALLS),
            "first_seen": (lambda: app.lambda_handler(next(first_seen), None), FIRST_SEEN_CALLS),
            "raw": (lambda: public_key.verify(signature, message, ec.ECDSA(hashes.SHA256())), RAW_VERIFY_CALLS),
            "pyjwt": (pyjwt_decode, RAW_VERIFY_CALLS),
            "publish": (lambda: app.DECISIONS.publish("Allow"), REPEATED_CALLS),
            "powertools": (powertools_flush, REPEATED_CALLS),
        })


def _import_times(env: dict) -> dict[str, float]:
    """Median over IMPORT_RUNS fresh interpreters of: the dependencies' import, the whole `import app`
    (ms), and the ratio of the two (the median of each run's own ratio)."""
    dependencies, app, ratios = [], [], []
    for _ in range(IMPORT_RUNS):
        result = subprocess.run([sys.executable, "-c", IMPORT_TIMES], env=env, check=True, capture_output=True, text=True)
        deps_ms, app_ms = map(float, result.stdout.splitlines()[-1].split())
        dependencies.append(deps_ms)
        app.append(app_ms)
        ratios.append(app_ms / deps_ms)
    return {"dependencies": statistics.median(dependencies), "app": statistics.median(app), "ratio": statistics.median(ratios)}


def measure_imports(base_env: dict) -> dict[str, float]:
    """Import times with .pyc for everything (written outside the tree), dependencies and app alike."""
    with tempfile.TemporaryDirectory() as compiled:
        env = {**base_env, "PYTHONPYCACHEPREFIX": compiled}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-c", "import app"], env=env, check=True)  # writes every .pyc, outside the tree
        return _import_times(env)


def cold_start_rows(key: SigningKey) -> tuple[list[tuple[str, str, str, bool | None]], dict]:
    """Rows from bench/cold_start.py: medians in ms, and ratios (differences) paired per round."""
    measured = cold_start.measure(jwks(key))
    medians, samples = measured["medians"], measured["samples"]
    rows: list[tuple[str, str, str, bool | None]] = []
    for function in cold_start.FUNCTIONS:
        shipped, compiled = (function, "shipped"), (function, "compiled")
        ratio = cold_start.paired_ratio(samples, shipped, compiled)
        rows.append((f"{function} init as shipped / compiled", f"{medians[shipped]:.0f} / {medians[compiled]:.0f} ms, {ratio:.2f}x",
                     f"<= {GOAL_SHIPPED_RATIO:.2f}x", ratio <= GOAL_SHIPPED_RATIO))
        if (function, "floor") in medians:
            floor = (function, "floor")
            ratio = cold_start.paired_ratio(samples, compiled, floor)
            is_goal = function == "DocumentsFunction"
            rows.append((f"  {function} compiled / floor (boto3 + Logger + REST resolver)",
                         f"{medians[compiled]:.0f} / {medians[floor]:.0f} ms, {ratio:.2f}x",
                         f"<= {GOAL_DOCUMENTS_FLOOR_RATIO:.2f}x" if is_goal else "",
                         ratio <= GOAL_DOCUMENTS_FLOOR_RATIO if is_goal else None))
        if (function, "floor + client") in medians:
            with_client = (function, "floor + client")
            ratio = cold_start.paired_ratio(samples, with_client, (function, "floor"))
            rows.append(("    the floor with a DynamoDB client built (boto3.client('dynamodb')), for information",
                         f"{medians[with_client]:.0f} ms = {ratio:.2f}x the floor", "", None))
            ratio = cold_start.paired_ratio(samples, compiled, with_client)
            rows.append((f"    {function} compiled / that", f"{ratio:.2f}x", "", None))
    for suffix, goal in (("", True), (", no prefetch", False)):
        instant, slow = ("AuthorizerFunction", f"jwks instant{suffix}"), ("AuthorizerFunction", f"jwks 150 ms{suffix}")
        added = cold_start.paired_difference(samples, slow, instant)
        name = ("AuthorizerFunction init (compiled), key set fetched: at once / after 150 ms" if goal else
                "  the same without the prefetch (fetched after the imports), for comparison")
        rows.append((name, f"{medians[instant]:.0f} / {medians[slow]:.0f} ms, {added:+.0f} ms",
                     f"<= +{GOAL_SLOW_JWKS_MS:.0f} ms" if goal else "", added <= GOAL_SLOW_JWKS_MS if goal else None))
        sent = measured["sent_after"].get(slow)
        if sent is not None:
            rows.append(("    its key-set request reaches the server, after the init began", f"{sent:.0f} ms", "", None))
        if goal:
            # A key set answering after 150 ms cannot be had sooner than 150 ms after its request
            # left: even a request sent at the init's first instant leaves the init at least
            # 150 ms long, so this is the least "+" any init that waits for its key set can show.
            rows.append(("    the least possible, were the request sent as the init begins (150 ms - at once)",
                         f"{150 - medians[instant]:+.0f} ms", "", None))
    return rows, measured["offenders"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)

    key = SigningKey("bench-key")
    os.environ.update(WACHT_DEPLOYMENT_URL=ISSUER, WACHT_JWKS=json.dumps(jwks(key)), POWERTOOLS_LOG_LEVEL="INFO")
    os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)
    os.environ.pop("POWERTOOLS_DEV", None)
    handler = measure_handler(key)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(CODE_PATHS)}
    imports = measure_imports(env)
    added = subprocess.run([sys.executable, "-c", ADDED_MODULES], env=env, check=True, capture_output=True, text=True).stdout.split()

    rows: list[tuple[str, str, str, bool | None]] = []
    rows.append(("warm handler, repeated token (one EMF metric line per call)", f"{handler['repeated']:.1f} µs",
                 f"<= {GOAL_REPEATED_US:.0f} µs", handler["repeated"] <= GOAL_REPEATED_US))
    rows.append(("  the decision metric line alone (DecisionMetrics.publish)", f"{handler['publish']:.1f} µs", "", None))
    rows.append(("  Powertools Metrics add_metric + flush_metrics, for comparison", f"{handler['powertools']:.1f} µs", "", None))
    rows.append(("raw ES256 verify (cryptography)", f"{handler['raw']:.1f} µs", "", None))
    rows.append(("PyJWT jwt.decode alone (ES256, key object given), for comparison",
                 f"{handler['pyjwt']:.1f} µs = {handler['pyjwt'] / handler['raw']:.2f}x raw", "", None))
    rows.append(("warm handler, first-seen token", f"{handler['first_seen']:.1f} µs", "", None))
    ratio = handler["first_seen"] / handler["raw"]
    rows.append(("first-seen / raw ES256", f"{ratio:.2f}x", f"<= {GOAL_FIRST_SEEN_RATIO:.0f}x", ratio <= GOAL_FIRST_SEEN_RATIO))
    rows.append(("import PyJWT + cryptography + Powertools Logger (the dependencies alone), compiled",
                 f"{imports['dependencies']:.1f} ms", "", None))
    rows.append(("  `import app` (the authorizer, source tree, key set inline), the same", f"{imports['app']:.1f} ms", "", None))
    rows.append(("  `import app` / its dependencies", f"{imports['ratio']:.2f}x",
                 f"<= {GOAL_IMPORT_RATIO:.2f}x", imports["ratio"] <= GOAL_IMPORT_RATIO))
    foreign = [name for name in added if name not in ("app", "api_routes") and not name.startswith("wacht_auth")]
    rows.append(("modules `import app` adds beyond its dependencies", f"{len(added)}, none foreign" if not foreign
                 else f"foreign: {' '.join(foreign)}", "only app, api_routes, wacht_auth.*", not foreign))

    cold_rows, offenders = cold_start_rows(key)
    rows.extend(cold_rows)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()} on {cpu_model()}, {os.cpu_count()} cores, load average {load:.1f}; "
          f"handler: best of {ROUNDS} rounds; imports: median of {IMPORT_RUNS} fresh interpreters; "
          f"cold starts: median of {cold_start.RUNS} fresh interpreters from one `sam build` (x86_64)")
    print("| measure | value | goal | result |")
    print("|---|---|---|---|")
    for name, value, goal, met in rows:
        print(f"| {name} | {value} | {goal} | {'' if met is None else ('PASS' if met else 'FAIL')} |")
    print()
    print("| function | where its compiled init goes (-X importtime self time per top-level package) |")
    print("|---|---|")
    for function, packages in offenders.items():
        print(f"| {function} | {', '.join(f'{name} {ms:.0f} ms' for name, ms in packages)} |")
    missed = [name for name, _, _, met in rows if met is False]
    if missed:
        print(f"goals missed: {len(missed)}", file=sys.stderr)
    return 1 if (missed and args.check) else 0


if __name__ == "__main__":
    raise SystemExit(main())
