"""Start the cold start's first key-set fetch before the heavy imports (standard library only).

A Lambda init that imports PyJWT, cryptography and Powertools first and fetches the key set
after pays both in a row; a key set answering in 150 ms (TLS to Wacht from a Lambda region)
then adds all of it. Called first thing in a handler module, ``prefetch_jwks()`` starts the
fetch in a worker thread; ``TokenVerifier.from_settings`` claims it for the same URL, and the
key cache's first fetch waits for that answer instead of starting another::

    from wacht_auth.prefetch import prefetch_jwks

    prefetch_jwks()  # before the imports below: the fetch overlaps them

    from wacht_auth import Settings, TokenVerifier  # PyJWT, cryptography
    VERIFIER = TokenVerifier.from_settings(Settings.from_environ())
    VERIFIER.keys.prime()  # waits for the prefetch (bounded by the fetch timeout)

With ``WACHT_JWKS`` set (an inline key set) nothing is fetched, as without the prefetch. With an
issuer or key-set URL the settings refuse, no request is sent (only the TLS context is built); any
other bad setting does not stop the fetch of the (public) key set: the verifier's own init raises
every configuration error, naming the variable.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from .jwks_fetch import PendingFetch, start_tls_context

__all__ = ["claim_prefetch", "prefetch_jwks"]

_lock = threading.Lock()
_pending: dict[str, PendingFetch] = {}


def prefetch_jwks(environ: Mapping[str, str] | None = None) -> PendingFetch | None:
    """Start fetching the configured key set now; None when there is nothing to fetch
    (``WACHT_JWKS`` given) or the settings are invalid (the verifier reports those)."""
    env = os.environ if environ is None else environ
    if env.get("WACHT_JWKS", "").strip():
        return None
    # First the TLS context (loading the CA bundle, ~17 ms, runs without the interpreter lock): it
    # is built in its own thread while this one checks the URL and imports the fetch's modules, and
    # is ready when the request leaves. Nothing is sent before the URL is checked below.
    start_tls_context()
    # The URL as Settings.from_environ checks it (the same functions), without the rest of the
    # settings (their dataclasses cost ~9 ms here): the request leaves that much sooner.
    from .errors import ConfigurationError
    from .origins import jwks_url_from_environ

    try:
        url = jwks_url_from_environ(env)
    except ConfigurationError:
        return None
    # The fetch's own imports (http.client, email, urllib: ~15 ms) here, before the worker starts:
    # it then sends its request at once, while the heavy imports run, instead of competing with
    # them for the interpreter lock and sending it tens of milliseconds later.
    import urllib.request  # noqa: F401

    with _lock:
        if url not in _pending:
            _pending[url] = PendingFetch(url)
        return _pending[url]


def claim_prefetch(url: str) -> PendingFetch | None:
    """The fetch started for ``url``, handed out once (the key cache that claims it owns it)."""
    with _lock:
        return _pending.pop(url, None)
