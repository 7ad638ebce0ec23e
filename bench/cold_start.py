"""Cold start of what `sam build` ships: every function's init from a real build, as Lambda imports it.

One `sam build` (x86_64, so this machine can load the layer's native modules; the bytecode is the
same for arm64) into a temporary folder, then for each function, in fresh interpreters:

- **as shipped**: the build read-only, ``-B`` (Lambda cannot write ``__pycache__``), Lambda's
  ``sys.path`` order: the function's folder (``/var/task``), the layer's ``python/`` (``/opt/python``),
  then the runtime's boto3 and botocore (``/var/runtime``, compiled as Lambda ships it);
- **compiled**: the same files with bytecode the interpreter wrote itself (the ideal);
- the **floor** of a downstream function: ``boto3`` + Powertools ``Logger`` + the REST resolver alone,
  the least any function that answers REST requests from DynamoDB can import; and, for information,
  the floor with a DynamoDB client built (``boto3.client("dynamodb")``), which every request of
  DocumentsFunction and MembersFunction needs;
- the authorizer's init with a key set that answers at once and after 150 ms (a real HTTP server
  on 127.0.0.1), to show the fetch overlapping the imports, and when its request reaches the server.

Environment as the template sets it with its defaults (tracing on for the downstream functions, so
Powertools Tracer loads the X-Ray SDK as it would in Lambda), an ``AWS_LAMBDA_FUNCTION_NAME`` so
Powertools believes it runs in Lambda, and fake credentials (nothing is called).
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAM = ROOT / ".venv-sam" / "bin" / "sam"
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3")
"""What Lambda's python3.13 runtime provides in /var/runtime besides its own client (and we use)."""

FUNCTIONS = {
    # logical id: (CodeUri, the environment the template gives it beyond the globals)
    "AuthorizerFunction": ("authorizer", {"POWERTOOLS_SERVICE_NAME": "wacht-authorizer", "POWERTOOLS_TRACE_DISABLED": "true"}),
    "HealthFunction": ("functions/health", {"POWERTOOLS_SERVICE_NAME": "health"}),
    "HelloFunction": ("functions/hello", {"POWERTOOLS_SERVICE_NAME": "hello"}),
    "MeFunction": ("functions/me", {"POWERTOOLS_SERVICE_NAME": "me", "WACHT_API_URL": "https://api.wacht.dev",
                                    "WACHT_BACKEND_SECRET_NAME": "wacht/backend-secret", "WACHT_BACKEND_SECRET_STORE": "secretsmanager"}),
    "DocumentsFunction": ("functions/documents", {"POWERTOOLS_SERVICE_NAME": "documents", "TABLE_NAME": "bench-table"}),
    "MembersFunction": ("functions/members", {"POWERTOOLS_SERVICE_NAME": "members", "TABLE_NAME": "bench-table"}),
}
FLOOR = ("import boto3; from aws_lambda_powertools import Logger; "
         "from aws_lambda_powertools.event_handler import APIGatewayRestResolver")
FLOOR_WITH_CLIENT = f"{FLOOR}; boto3.client('dynamodb')"
"""The floor plus the one thing every DocumentsFunction / MembersFunction request needs: a DynamoDB client."""
RUNS = 11
NO_PREFETCH = "import wacht_auth.prefetch as prefetch; prefetch.prefetch_jwks = lambda *args, **kwargs: None; import app"


def lambda_environment(function: str, jwks_url: str, inline_jwks: str) -> dict[str, str]:
    """The variables Lambda and the template give ``function`` (tracing on, the template's default)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_SESSION_TOKEN": "bench",
        "AWS_LAMBDA_FUNCTION_NAME": function, "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "LAMBDA_TASK_ROOT": "/var/task",
        "WACHT_DEPLOYMENT_URL": "https://bench.wacht.example", "ALLOWED_ORIGIN": "https://app.example.com",
        "POWERTOOLS_LOG_LEVEL": "INFO", "POWERTOOLS_TRACE_DISABLED": "false",
        "WACHT_JWKS": inline_jwks, "WACHT_JWKS_URL": jwks_url,
    }
    env.update(FUNCTIONS[function][1])
    return env


def init_code(paths: list[Path], body: str) -> str:
    """A fresh interpreter's script: Lambda's sys.path, then ``body`` timed; prints when it began
    (wall clock, s) and milliseconds. os._exit: an init ends when the import does; teardown is no
    part of a cold start."""
    return (
        "import sys, time; began = time.time(); started = time.perf_counter(); "
        f"sys.path[:0] = {[str(path) for path in paths]!r}; "
        f"{body}; elapsed = time.perf_counter() - started; "
        "import os; os.write(1, f'\\n{began} {elapsed * 1000}'.encode()); os._exit(0)"
    )


def timed_init(paths: list[Path], body: str, env: dict[str, str], *, write_bytecode: bool = False) -> tuple[float, float]:
    """(milliseconds the init took, when it began: wall clock, s)."""
    # -S: no site-packages (Lambda's interpreter has none of ours); -E: PYTHON* variables ignored.
    flags = ["-S", "-E"] + ([] if write_bytecode else ["-B"])
    result = subprocess.run([sys.executable, *flags, "-c", init_code(paths, body)], env=env,
                            capture_output=True, text=True, cwd=paths[0], timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"init failed: {result.stderr[-2000:]}")
    began, elapsed = map(float, result.stdout.splitlines()[-1].split())
    return elapsed, began


def importtime_offenders(paths: list[Path], body: str, env: dict[str, str], count: int = 5) -> list[tuple[str, float]]:
    """The packages whose own modules cost ``body`` most (ms of ``-X importtime`` self time, summed per
    top-level package), so a table row says where an init's time goes."""
    result = subprocess.run([sys.executable, "-S", "-E", "-B", "-X", "importtime", "-c", init_code(paths, body)],
                            env=env, capture_output=True, text=True, cwd=paths[0], timeout=120)
    per_package: dict[str, float] = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        self_us, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if self_us.isdigit():
            package = name.split(".")[0]
            per_package[package] = per_package.get(package, 0.0) + int(self_us) / 1000
    return sorted(per_package.items(), key=lambda item: -item[1])[:count]


def sam_build_x86(build: Path) -> None:
    python313 = sorted(Path.home().glob(".pyenv/versions/3.13*/bin/python3.13"))
    path = f"{python313[-1].parent}:{os.environ['PATH']}" if python313 else os.environ["PATH"]
    env = {**os.environ, "PATH": path, "SAM_CLI_TELEMETRY": "0", "LAMBDA_ARCH": "x86_64"}
    result = subprocess.run([str(SAM), "build", "--build-dir", str(build), "--cache-dir", str(build.parent / "cache")],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"sam build failed: {result.stdout[-2000:]}{result.stderr[-2000:]}")


def runtime_boto3(target: Path) -> None:
    """/var/runtime's share: boto3 and botocore (the test venv's pinned pair), compiled."""
    site = Path(sysconfig.get_paths()["purelib"])
    target.mkdir(parents=True)
    for name in RUNTIME_PACKAGES:
        source = site / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(target)], check=True)


def copy_compiled(build: Path, target: Path) -> None:
    """The build with its shipped .pyc removed and the interpreter's own (timestamp) .pyc written."""
    shutil.copytree(build, target, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", str(target)], check=True)


def make_read_only(tree: Path) -> None:
    for folder, _, files in os.walk(tree):
        for name in files:
            os.chmod(Path(folder) / name, 0o444)
        os.chmod(folder, 0o555)


@contextmanager
def jwks_server(document: dict, delay_seconds: float):
    """A key set on 127.0.0.1 that answers after ``delay_seconds`` (a TLS fetch from a Lambda region)."""
    body = json.dumps(document).encode()
    arrivals: list[float] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            arrivals.append(time.time())
            time.sleep(delay_seconds)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json", arrivals
    finally:
        server.shutdown()
        server.server_close()


def measure(jwks_document: dict) -> dict:
    """Every figure of the cold-start table, measured in one run (RUNS fresh interpreters per
    condition, the conditions interleaved within each round so drifting load hits all alike)."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        shipped = scratch_dir / "build"
        sam_build_x86(shipped)
        runtime = scratch_dir / "var-runtime"
        runtime_boto3(runtime)
        compiled = scratch_dir / "compiled"
        copy_compiled(shipped, compiled)
        make_read_only(shipped)
        inline = json.dumps(jwks_document)

        def paths(tree: Path, function: str) -> list[Path]:
            return [tree / function, tree / "CommonLayer" / "python", runtime]

        samples: dict[tuple[str, str], list[float]] = {}
        sent_after: dict[tuple[str, str], list[float]] = {}
        """Per key-set condition: ms from the init's start to the request reaching the server."""
        with jwks_server(jwks_document, 0.0) as (instant_url, instant_arrivals), \
                jwks_server(jwks_document, 0.150) as (slow_url, slow_arrivals):
            arrivals_of = {instant_url: instant_arrivals, slow_url: slow_arrivals}
            conditions = []
            for function in FUNCTIONS:
                env = lambda_environment(function, "", inline)
                conditions.append((function, "shipped", paths(shipped, function), "import app", env))
                conditions.append((function, "compiled", paths(compiled, function), "import app", env))
                if function != "AuthorizerFunction":
                    conditions.append((function, "floor", paths(compiled, function), FLOOR, env))
                if function == "DocumentsFunction":
                    conditions.append((function, "floor + client", paths(compiled, function), FLOOR_WITH_CLIENT, env))
            for label, url in (("jwks instant", instant_url), ("jwks 150 ms", slow_url)):
                env = lambda_environment("AuthorizerFunction", url, "")
                conditions.append(("AuthorizerFunction", label, paths(compiled, "AuthorizerFunction"), "import app", env))
                # For comparison only: the same init with the prefetch switched off, so the fetch
                # starts after the imports (as before wacht_auth.prefetch).
                conditions.append(("AuthorizerFunction", f"{label}, no prefetch", paths(compiled, "AuthorizerFunction"),
                                   NO_PREFETCH, env))
            for round_number in range(RUNS + 1):  # round 0 warms the file cache and is not counted
                for function, label, import_paths, body, env in conditions:
                    arrivals = arrivals_of.get(env["WACHT_JWKS_URL"])
                    if arrivals is not None:
                        arrivals.clear()
                    elapsed, began = timed_init(import_paths, body, env)
                    if round_number:
                        samples.setdefault((function, label), []).append(elapsed)
                        if arrivals:
                            sent_after.setdefault((function, label), []).append((arrivals[0] - began) * 1000)
        offenders = {
            function: importtime_offenders(paths(compiled, function), "import app", lambda_environment(function, "", inline))
            for function in FUNCTIONS
        }
        make_writable(shipped)
    medians = {key: statistics.median(values) for key, values in samples.items()}
    sent = {key: statistics.median(values) for key, values in sent_after.items()}
    return {"medians": medians, "samples": samples, "offenders": offenders, "sent_after": sent}


def paired_ratio(samples: dict, numerator: tuple[str, str], denominator: tuple[str, str]) -> float:
    """The median over rounds of each round's own ratio: the two inits of a round ran seconds
    apart, under the same load, so a load change between rounds does not tilt the comparison."""
    return statistics.median(a / b for a, b in zip(samples[numerator], samples[denominator], strict=True))


def paired_difference(samples: dict, minuend: tuple[str, str], subtrahend: tuple[str, str]) -> float:
    """The median over rounds of each round's own difference (ms), as ``paired_ratio``."""
    return statistics.median(a - b for a, b in zip(samples[minuend], samples[subtrahend], strict=True))


def make_writable(tree: Path) -> None:
    for folder, _, files in os.walk(tree):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(Path(folder) / name, 0o644)
