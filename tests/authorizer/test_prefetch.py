"""The cold start's first key-set fetch starts before the heavy imports and is used, not repeated.

Real JWKS server on 127.0.0.1; fresh interpreters where import order is the point.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.servers import JwksServer
from tests.support.tokens import SigningKey, jwks, session_claims
from wacht_auth import ConfigurationError, KeysUnavailable, Settings, TokenVerifier
from wacht_auth.jwks_fetch import JwksFetchError, PendingFetch
from wacht_auth.prefetch import claim_prefetch, prefetch_jwks

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_SRC = ROOT / "packages" / "wacht-auth" / "src"


@pytest.fixture
def key() -> SigningKey:
    return SigningKey("es-pre")


@pytest.fixture
def server(key):
    with JwksServer(jwks(key)) as jwks_server:
        yield jwks_server


def environ_for(server: JwksServer, **extra: str) -> dict[str, str]:
    return {"WACHT_DEPLOYMENT_URL": server.origin, "WACHT_JWKS_URL": server.jwks_url, **extra}


def test_importing_the_prefetch_loads_neither_pyjwt_nor_cryptography_nor_powertools():
    code = (
        "import sys, wacht_auth.prefetch; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jwt', 'cryptography', 'aws_lambda_powertools', 'requests')))"
    )
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(PACKAGE_SRC)},
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_reading_the_bearer_from_the_package_loads_neither_pyjwt_nor_cryptography():
    # wacht_auth.bearer is standard library only, so that a function reads a bearer without PyJWT.
    code = (
        "import sys; from wacht_auth import authorization_header, bearer_token; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jwt', 'cryptography')))"
    )
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(PACKAGE_SRC)},
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_verifier_uses_the_prefetched_key_set_without_fetching_again(server, key):
    server.mode, server.delay = "slow", 0.3
    started = time.monotonic()
    pending = prefetch_jwks(environ_for(server))
    assert pending is not None
    time.sleep(0.35)  # the imports a cold start would do meanwhile
    verifier = TokenVerifier.from_settings(Settings.from_environ(environ_for(server)))
    assert verifier.keys.prime()
    assert time.monotonic() - started < 0.6  # one 0.3 s fetch overlapped with the 0.35 s, not two in a row
    assert server.requests == 1 and verifier.keys.fetch_count == 1
    assert verifier.verify(key.sign(session_claims(server.origin))).user_id


def test_an_inline_key_set_starts_no_fetch(server, key):
    assert prefetch_jwks(environ_for(server, WACHT_JWKS='{"keys": []}')) is None
    time.sleep(0.05)
    assert server.requests == 0 and claim_prefetch(server.jwks_url) is None


def test_a_bad_configuration_starts_nothing_and_raises_nothing():
    assert prefetch_jwks({"WACHT_DEPLOYMENT_URL": "http://not-loopback.example"}) is None
    assert prefetch_jwks({}) is None


def test_a_prefetch_is_claimed_once(server):
    pending = prefetch_jwks(environ_for(server))
    assert claim_prefetch(server.jwks_url) is pending
    assert claim_prefetch(server.jwks_url) is None


def test_a_failed_prefetch_is_an_outage_and_the_next_fetch_is_a_real_one(server, key):
    server.mode = "error"
    prefetch_jwks(environ_for(server))
    verifier = TokenVerifier.from_settings(Settings.from_environ(environ_for(server)))
    assert not verifier.keys.prime()
    assert "HTTP 500" in verifier.keys.last_error
    with pytest.raises(KeysUnavailable):
        verifier.verify(key.sign(session_claims(server.origin)))
    server.mode = "ok"
    time.sleep(verifier.keys.retry_delay_seconds)
    assert verifier.verify(key.sign(session_claims(server.origin))).user_id
    assert server.requests == 2


def test_a_prefetch_is_bounded_from_its_start_not_from_when_it_is_awaited(server):
    server.mode, server.delay = "slow", 3.0
    pending = PendingFetch(server.jwks_url, timeout_seconds=0.5)
    time.sleep(0.4)
    waited = time.monotonic()
    with pytest.raises(JwksFetchError):
        pending.result()
    assert time.monotonic() - waited < 0.35  # at most what was left of the 0.5 s, plus scheduling


def test_the_authorizer_fetches_during_its_imports_exactly_once(server):
    """The handler module as Lambda imports it: the server sees the request before the heavy
    imports finish, and the cold start makes no second request."""
    code = (
        "import sys, time; import app; "
        "print(app.AUTHORIZER.verifier.keys.fetch_count, 'jwt' in sys.modules)"
    )
    paths = [ROOT / "authorizer", ROOT / "layers" / "common", PACKAGE_SRC]
    env = {**os.environ, **environ_for(server), "WACHT_JWKS": "", "PYTHONPATH": os.pathsep.join(map(str, paths))}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.split() == ["1", "True"]
    assert server.requests == 1


def test_the_interpreters_switch_interval_is_lowered_only_while_the_prefetch_runs(server):
    before = sys.getswitchinterval()
    server.mode, server.delay = "slow", 0.6
    pending = PendingFetch(server.jwks_url)
    time.sleep(0.2)
    assert sys.getswitchinterval() < before  # the worker gets the lock back quickly between its steps
    pending.result()
    pending._worker.join(1.0)
    assert sys.getswitchinterval() == before


def test_the_tls_context_is_being_built_before_the_url_check_and_the_fetch_modules_load(server):
    """Loading the CA bundle runs without the interpreter lock: started first, it overlaps the
    imports the request must wait for, instead of following them. The settings' dataclasses are
    not among those imports (the URL is checked by the functions Settings itself uses)."""
    code = (
        "import sys\n"
        "from wacht_auth import jwks_fetch\n"
        "seen = {}\n"
        "class Watch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name in ('wacht_auth.origins', 'urllib.request', 'http.client'):\n"
        "            seen.setdefault(name, jwks_fetch._tls_builder is not None)\n"
        "sys.meta_path.insert(0, Watch())\n"
        "from wacht_auth.prefetch import prefetch_jwks\n"
        "pending = prefetch_jwks()\n"
        "pending.result()\n"
        "print(sorted(seen.items()), 'wacht_auth.config' in sys.modules)"
    )
    env = {**os.environ, **environ_for(server), "WACHT_JWKS": "", "PYTHONPATH": str(PACKAGE_SRC)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[('http.client', True), ('urllib.request', True), ('wacht_auth.origins', True)] False"
    assert server.requests == 1


@pytest.mark.parametrize("variables", [
    {"WACHT_DEPLOYMENT_URL": "https://LocalHost:9/"},
    {"WACHT_PUBLISHABLE_KEY": "pk_live_" + base64.b64encode(b"https://127.0.0.1:9/some/path").decode()},
    {"WACHT_DEPLOYMENT_URL": "https://tenant.wacht.example", "WACHT_JWKS_URL": "https://127.0.0.1:9/k.json"},
    {"WACHT_DEPLOYMENT_URL": "https://tenant.wacht.example", "WACHT_JWKS_URL": "http://127.0.0.1:9/jwks.json"},
])
def test_the_prefetch_fetches_exactly_the_url_the_settings_name(variables):
    """(Loopback port 9, where nothing listens: the fetches fail at once, nothing leaves the machine.)"""
    pending = prefetch_jwks(variables)
    assert pending is not None and claim_prefetch(pending.url) is pending
    assert pending.url == Settings.from_environ(variables).jwks_url


@pytest.mark.parametrize("variables", [
    {"WACHT_DEPLOYMENT_URL": "https://tenant.wacht.example/with/a/path"},
    {"WACHT_DEPLOYMENT_URL": "https://tenant.wacht.example", "WACHT_JWKS_URL": "http://keys.wacht.example/k.json"},
    {"WACHT_DEPLOYMENT_URL": "https://tenant.wacht.example", "WACHT_JWKS_URL": "https://user:pw@keys.wacht.example/"},
    {"WACHT_PUBLISHABLE_KEY": "pk_live_not-base64!"},
])
def test_a_url_the_settings_refuse_is_never_requested(variables):
    assert prefetch_jwks(variables) is None
    with pytest.raises(ConfigurationError):
        Settings.from_environ(variables)


def test_another_bad_setting_still_fails_the_init_naming_it(server):
    """Only the URL is checked before the fetch: the (public) key set may be fetched, and the
    verifier's init then refuses the configuration as before."""
    bad = environ_for(server, WACHT_CLOCK_SKEW_SECONDS="soon")
    assert prefetch_jwks(bad) is not None
    with pytest.raises(ConfigurationError, match="WACHT_CLOCK_SKEW_SECONDS"):
        Settings.from_environ(bad)
    claim_prefetch(server.jwks_url)


def test_an_inline_key_set_builds_no_tls_context():
    code = (
        "import sys; from wacht_auth import jwks_fetch; from wacht_auth.prefetch import prefetch_jwks; "
        "print(prefetch_jwks(), jwks_fetch._tls_builder, 'ssl' in sys.modules)"
    )
    env = {**os.environ, "WACHT_DEPLOYMENT_URL": "https://tenant.wacht.example", "WACHT_JWKS": '{"keys": []}',
           "PYTHONPATH": str(PACKAGE_SRC)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.split() == ["None", "None", "False"]


def test_overlapping_prefetches_give_the_switch_interval_back_whichever_ends_first(key):
    """Two fetches running at once (two URLs): the interval the process had comes back when the
    last one ends, not the lowered one the second saw when it started."""
    before = sys.getswitchinterval()
    with JwksServer(jwks(key)) as quick, JwksServer(jwks(key)) as slow:
        quick.mode, quick.delay = "slow", 0.2
        slow.mode, slow.delay = "slow", 0.5
        first = PendingFetch(quick.jwks_url)
        time.sleep(0.05)
        second = PendingFetch(slow.jwks_url)  # starts while the first runs, and ends after it
        first.result()
        first._worker.join(1.0)
        assert sys.getswitchinterval() < before  # the second still runs
        second.result()
        second._worker.join(1.0)
    assert sys.getswitchinterval() == before
