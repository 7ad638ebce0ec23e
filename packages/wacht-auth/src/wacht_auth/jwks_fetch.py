"""Fetching the key set over HTTP: standard library only, so it can start before anything heavy loads.

``fetch_jwks`` fetches now and waits; ``PendingFetch`` starts a fetch in a worker thread and is
asked for its result later (``wacht_auth.prefetch``: the cold start's first fetch overlaps the
imports of PyJWT, cryptography and Powertools). Both bound the whole exchange (connect, headers
and a body that may drip in), not each socket read, and turn every failure into JwksFetchError.

Every fetch of a process shares one TLS context (``tls_context``), as urlopen's own opener does (the
gateway check uses it too).
Building it loads the CA bundle (~17 ms on a 2-core EPYC), which OpenSSL does without holding the
interpreter lock: ``start_tls_context`` builds it in a thread of its own, so the prefetch starts it
first, the other imports go on meanwhile, and it is ready when the request leaves.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from .deadline import run_within

if TYPE_CHECKING:
    import ssl

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT_SECONDS",
    "USER_AGENT",
    "JwksFetchError",
    "PendingFetch",
    "fetch_jwks",
    "start_tls_context",
    "tls_context",
]

USER_AGENT = "wacht-sam-authorizer/1.0 (+jwks)"
DEFAULT_TIMEOUT_SECONDS = 3.0
DEFAULT_MAX_BYTES = 150 * 1024
PREFETCH_SWITCH_INTERVAL_SECONDS = 0.0005


class JwksFetchError(Exception):
    """Raised by a fetcher when the key set cannot be had: unreachable, slow, too big or not JSON."""


_tls_lock = threading.Lock()
_tls_builder: threading.Thread | None = None
_tls_outcome: list[ssl.SSLContext | Exception] = []
"""The process's TLS context once built (or the exception building it raised)."""


def start_tls_context() -> None:
    """Start building the process's TLS context in a daemon thread (once; later calls do nothing).

    ``ssl`` is imported here, in the caller's thread: an import holds the interpreter lock, so in
    the builder it would compete with the caller's imports and start loading the bundle later."""
    global _tls_builder
    import ssl  # noqa: F401 - see above

    with _tls_lock:
        if _tls_builder is None:
            _tls_builder = threading.Thread(target=_build_tls_context, name="wacht-jwks-tls", daemon=True)
            _tls_builder.start()


def tls_context() -> ssl.SSLContext:
    """The ``ssl.SSLContext`` every key-set fetch and gateway check of this process uses: certificates and host names
    verified against the default CA bundle, as urllib's own default (``ssl.create_default_context``)."""
    start_tls_context()
    assert _tls_builder is not None
    _tls_builder.join()
    outcome = _tls_outcome[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _build_tls_context() -> None:
    try:
        import ssl

        context = ssl.create_default_context()
        context.set_alpn_protocols(["http/1.1"])  # as urllib's own context for HTTP/1.1
        _tls_outcome.append(context)
    except Exception as error:  # noqa: BLE001 - raised in the fetch's thread by tls_context()
        _tls_outcome.append(error)


def fetch_jwks(url: str, *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS, max_bytes: int = DEFAULT_MAX_BYTES) -> dict:
    """GET ``url`` and return the parsed JSON body, or raise JwksFetchError.

    ``timeout_seconds`` bounds the whole fetch (connect, headers and a body that may drip in),
    not each socket read: the fetch runs in a worker thread that is abandoned at the deadline.
    """
    return run_within(
        timeout_seconds,
        lambda: _get_json(url, timeout_seconds, max_bytes),
        lambda: JwksFetchError(f"JWKS fetch took longer than {timeout_seconds} s"),
    )


class PendingFetch:
    """A fetch of ``url`` started now in a daemon thread; ``result()`` waits for it until
    ``timeout_seconds`` after the start, as ``fetch_jwks`` would have."""

    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self.timeout_seconds = timeout_seconds
        self.started_at_wall = wall_clock()
        """When the fetch started: every key published before then is in its answer."""
        self._clock = clock
        self._deadline = clock() + timeout_seconds
        self._outcome: list[dict | JwksFetchError] = []
        self._worker = threading.Thread(target=self._run, args=(url, timeout_seconds, max_bytes),
                                        name="wacht-jwks-prefetch", daemon=True)
        self._worker.start()

    def _run(self, url: str, timeout_seconds: float, max_bytes: int) -> None:
        # While the main thread imports (pure CPU), every step of this exchange that needs the
        # interpreter lock back (after connect, send, each read, the parsing) waits out the switch
        # interval, 5 ms by default: dozens of waits. A short interval while it runs lets the fetch
        # finish close to when the answer arrives; the process's own interval comes back as soon as
        # the last prefetch running is done (two may overlap: one per key set).
        _lower_switch_interval()
        try:
            self._outcome.append(_get_json(url, timeout_seconds, max_bytes))
        finally:
            _restore_switch_interval()

    def result(self) -> dict:
        """The parsed key set document, or JwksFetchError (also when the deadline passed)."""
        self._worker.join(max(0.0, self._deadline - self._clock()))
        if not self._outcome:
            raise JwksFetchError(f"JWKS fetch took longer than {self.timeout_seconds} s")
        if isinstance(self._outcome[0], Exception):
            raise self._outcome[0]
        return self._outcome[0]


_switch_lock = threading.Lock()
_switch_lowered_by = 0
"""How many prefetch workers run now; the first lowers the interval, the last gives it back."""
_switch_interval_before = 0.0


def _lower_switch_interval() -> None:
    global _switch_lowered_by, _switch_interval_before
    with _switch_lock:
        if _switch_lowered_by == 0:
            _switch_interval_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_interval_before, PREFETCH_SWITCH_INTERVAL_SECONDS))
        _switch_lowered_by += 1


def _restore_switch_interval() -> None:
    global _switch_lowered_by
    with _switch_lock:
        _switch_lowered_by -= 1
        if _switch_lowered_by == 0:
            sys.setswitchinterval(_switch_interval_before)


def _get_json(url: str, timeout_seconds: float, max_bytes: int) -> dict | JwksFetchError:
    """One GET, every failure turned into a JwksFetchError value (it runs in a worker thread).

    urllib is imported here, not at module level: a cold start with an inline key set never pays for it.
    """
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    try:
        # urlopen's opener, with the process's TLS context instead of a new one per fetch.
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=tls_context()))
        with opener.open(request, timeout=timeout_seconds) as response:  # noqa: S310 - scheme checked in config
            body = response.read(max_bytes + 1)
    except urllib.error.HTTPError as error:
        return JwksFetchError(f"JWKS endpoint answered HTTP {error.code}")
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        return JwksFetchError(f"JWKS endpoint unreachable: {type(error).__name__}")
    if len(body) > max_bytes:
        return JwksFetchError(f"JWKS body larger than {max_bytes} bytes")
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return JwksFetchError("JWKS body is not JSON")
