"""Our own cost of one Wacht gateway check (``wacht_auth.GatewayCheck``), against the stand-in gateway on
127.0.0.1: thread, connection, JSON both ways. The real cost adds the round trip (and a TLS handshake:
no connection is kept between checks) to Wacht's gateway, which cannot be measured here.

    .venv/bin/python bench/bench_gateway_check.py
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "packages" / "wacht-auth" / "src"), str(ROOT)]

from tests.support.gateway import StandInGateway  # noqa: E402
from wacht_auth import GatewayCheck, PrincipalType  # noqa: E402

KEY = "acme_live_" + "k" * 43
CALLS = 300


def main() -> None:
    with StandInGateway() as gateway:
        gateway.add_key(KEY, key_id="901", organization="o1", workspace="w1", permissions=["documents:write"])
        check = GatewayCheck(gateway.url)
        for _ in range(20):  # warm up
            check.check(PrincipalType.API_KEY, KEY, method="GET", resource="/documents")
        times = []
        for _ in range(CALLS):
            started = time.perf_counter()
            check.check(PrincipalType.API_KEY, KEY, method="GET", resource="/documents")
            times.append(time.perf_counter() - started)
    times.sort()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"gateway check, loopback stand-in: p50 {statistics.median(times) * 1e3:.2f} ms, "
          f"p99 {times[int(CALLS * 0.99)] * 1e3:.2f} ms (n={CALLS})")


if __name__ == "__main__":
    main()
