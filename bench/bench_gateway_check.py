"""Our own cost of one Wacht gateway check (``wacht_auth.GatewayCheck``), against the stand-in gateway on
127.0.0.1: thread, connection, JSON both ways, next to its floor measured in the same run: the same
POST made bare (http.client on the calling thread, a new connection, the answer read and parsed).
The real cost adds the round trip (and a TLS handshake: no connection is kept between checks) to
Wacht's gateway, which cannot be measured here.

    .venv/bin/python bench/bench_gateway_check.py
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "packages" / "wacht-auth" / "src"), str(ROOT), str(ROOT / "bench")]

from machine import cpu_model  # noqa: E402
from tests.support.gateway import StandInGateway  # noqa: E402
from wacht_auth import GatewayCheck, PrincipalType  # noqa: E402

KEY = "acme_live_" + "k" * 43
CALLS = 300


def bare_post(url: str) -> dict:
    """The floor: the check's request and answer with nothing around them."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=3)
    try:
        body = json.dumps({"principal": {"type": "api_key", "value": KEY}, "resource": "/documents", "method": "GET"})
        connection.request("POST", "/v1/authz/check", body=body, headers={"Content-Type": "application/json"})
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def main() -> None:
    check_times, floor_times = [], []
    with StandInGateway() as gateway:
        gateway.add_key(KEY, key_id="901", organization="o1", workspace="w1", permissions=["documents:write"])
        check = GatewayCheck(gateway.url)
        calls = {
            "check": (lambda: check.check(PrincipalType.API_KEY, KEY, method="GET", resource="/documents"), check_times),
            "floor": (lambda: bare_post(gateway.url), floor_times),
        }
        assert bare_post(gateway.url)["allowed"] is True  # the floor asks what the check asks
        for _ in range(20):  # warm up
            for call, _times in calls.values():
                call()
        for _ in range(CALLS):  # interleaved: both see the same load
            for call, times in calls.values():
                started = time.perf_counter()
                call()
                times.append(time.perf_counter() - started)
    check_p50, floor_p50 = statistics.median(check_times), statistics.median(floor_times)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()} on {cpu_model()}, {os.cpu_count()} cores, load average {load:.1f}; "
          f"{CALLS} calls each, interleaved")
    for name, times in (("gateway check (GatewayCheck.check)", check_times), ("floor: the same POST, bare", floor_times)):
        times.sort()
        print(f"{name}: p50 {statistics.median(times) * 1e3:.2f} ms, p99 {times[int(CALLS * 0.99)] * 1e3:.2f} ms")
    print(f"check / floor, p50: {check_p50 / floor_p50:.2f}x")


if __name__ == "__main__":
    main()
