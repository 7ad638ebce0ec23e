"""Wacht's gateway check over real HTTP on 127.0.0.1: every answer it gives, and every way it can fail."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.gateway import StandInGateway
from tests.support.tls import loopback_certificate
from wacht_auth import (
    Forbidden,
    GatewayCheck,
    GatewayUnavailable,
    PrincipalType,
    RateLimited,
    Reason,
    Unauthenticated,
)

KEY = "acme_live_" + "k" * 43
OTHER_TENANT_KEY = "acme_live_" + "o" * 43
TOKEN = "opaque-token-0123456789"


@pytest.fixture
def gateway():
    with StandInGateway() as running:
        running.add_key(KEY, key_id="901", organization="o1", workspace="w1", permissions=["documents:write"], limit=2)
        running.add_key(OTHER_TENANT_KEY, key_id="902", organization="o2", workspace="w2", owner=None)
        running.add_opaque_token(TOKEN, client_id="oc_client1", scopes=["openid", "profile"])
        yield running


def _check(gateway, value=KEY, kind=PrincipalType.API_KEY, timeout=1.0, **kwargs):
    return GatewayCheck(gateway.url, timeout_seconds=timeout).check(kind, value, method="GET", resource="/documents", **kwargs)


def test_an_allowed_key_becomes_its_tenant_and_permissions(gateway):
    auth = _check(gateway, client_ip="203.0.113.7", user_agent="curl/8").auth
    assert (auth.principal_type, auth.key_id, auth.user_id) == (PrincipalType.API_KEY, "901", "72170182881052673")
    assert (auth.organization_id, auth.workspace_id) == ("o1", "w1")
    assert auth.workspace_permissions == ("documents:write",) and auth.organization_permissions == ("documents:write",)
    assert auth.checked_by_gateway
    sent = gateway.requests[-1]
    assert sent == {"principal": {"type": "api_key", "value": KEY}, "resource": "/documents", "method": "GET",
                    "client_ip": "203.0.113.7", "user_agent": "curl/8"}


def test_another_tenants_key_is_that_tenant_only(gateway):
    auth = _check(gateway, OTHER_TENANT_KEY).auth
    assert (auth.organization_id, auth.workspace_id, auth.user_id) == ("o2", "w2", None)
    assert auth.principal_id == "api_key:902"


def test_an_opaque_token_becomes_its_client_user_and_scopes(gateway):
    auth = _check(gateway, TOKEN, PrincipalType.OAUTH_ACCESS_TOKEN).auth
    assert (auth.client_id, auth.user_id, auth.scopes) == ("oc_client1", "72170182881052673", ("openid", "profile"))
    assert (auth.organization_id, auth.workspace_id, auth.workspace_permissions) == (None, None, ())
    assert auth.expires_at == 2051222400  # metadata.expires_at 2035-01-01T00:00:00Z


@pytest.mark.parametrize("value", ["acme_live_" + "m" * 43, "", "acme_live_"])
def test_a_made_up_key_with_the_right_prefix_is_a_401(gateway, value):
    with pytest.raises(Unauthenticated) as refused:
        _check(gateway, value)
    assert refused.value.reason is Reason.CREDENTIAL_REJECTED


def test_a_revoked_key_is_a_401(gateway):
    _check(gateway)
    gateway.credentials[KEY].revoked = True
    with pytest.raises(Unauthenticated):
        _check(gateway)


def test_a_key_sent_as_an_oauth_token_is_a_401(gateway):
    with pytest.raises(Unauthenticated):
        _check(gateway, KEY, PrincipalType.OAUTH_ACCESS_TOKEN)


def test_a_missing_permission_is_a_403_naming_it(gateway):
    with pytest.raises(Forbidden) as refused:
        _check(gateway, required_permissions=["members:manage"])
    assert refused.value.message == "Missing required permission: members:manage"
    assert gateway.requests[-1]["required_permissions"] == ["members:manage"]


def test_over_the_limit_is_rate_limited_with_retry_after_in_seconds(gateway):
    _check(gateway)
    _check(gateway)
    with pytest.raises(RateLimited) as limited:
        _check(gateway)
    assert limited.value.retry_after_seconds == 60  # the gateway's 60000 ms window
    assert limited.value.auth.key_id == "901"  # the identity it named with the refusal


@pytest.mark.parametrize("mode", ["down", "bad_request", "garbage", "no_identity", "odd_reason", "huge"])
def test_a_gateway_that_answers_nonsense_is_unavailable_never_a_401(gateway, mode):
    gateway.mode = mode
    with pytest.raises(GatewayUnavailable):
        _check(gateway)


def test_an_unreachable_gateway_is_unavailable():
    with pytest.raises(GatewayUnavailable):
        GatewayCheck("http://127.0.0.1:9", timeout_seconds=1.0).check(
            PrincipalType.API_KEY, KEY, method="GET", resource="/documents"
        )


@pytest.mark.parametrize("mode", ["slow", "drip"])
def test_a_slow_or_dripping_gateway_is_cut_off_at_the_deadline(gateway, mode):
    gateway.mode, gateway.delay = mode, 3.0
    started = time.monotonic()
    with pytest.raises(GatewayUnavailable):
        _check(gateway, timeout=0.5)
    assert time.monotonic() - started < 2.5  # the slow peer answers after 3 s, the dripping one after ~40 s


def test_the_callers_budget_bounds_the_check(gateway):
    gateway.mode, gateway.delay = "slow", 3.0
    started = time.monotonic()
    with pytest.raises(GatewayUnavailable):
        GatewayCheck(gateway.url, timeout_seconds=3.0).check(
            PrincipalType.API_KEY, KEY, method="GET", resource="/documents", timeout_seconds=0.3
        )
    assert time.monotonic() - started < 2.5
    with pytest.raises(GatewayUnavailable):
        GatewayCheck(gateway.url).check(PrincipalType.API_KEY, KEY, method="GET", resource="/", timeout_seconds=0)


def test_a_session_is_never_sent_to_the_gateway(gateway):
    with pytest.raises(ValueError):
        _check(gateway, "x.y.z", PrincipalType.SESSION_TOKEN)
    assert gateway.requests == []


def test_the_credential_never_appears_in_an_error(gateway):
    for mode in ("down", "garbage", "no_identity"):
        gateway.mode = mode
        with pytest.raises(GatewayUnavailable) as failed:
            _check(gateway)
        assert KEY not in str(failed.value)


@pytest.fixture
def certificates(tmp_path):
    return loopback_certificate(tmp_path)


@pytest.fixture
def https_gateway(certificates):
    _, certificate, key = certificates
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    with StandInGateway(tls=context) as running:
        running.add_key(KEY, key_id="901", organization="o1", workspace="w1", permissions=["documents:write"])
        yield running


def test_a_gateway_certificate_no_trusted_authority_signed_is_an_outage(https_gateway):
    with pytest.raises(GatewayUnavailable):
        _check(https_gateway)
    assert https_gateway.requests == []  # refused at the handshake: the credential was never sent


def test_every_check_over_https_shares_the_process_tls_context(https_gateway, certificates):
    # Building a context loads the CA bundle (~16 ms on this 2-core EPYC): once per process, not per request.
    ca, _, _ = certificates
    code = (
        "import ssl; built = []; load = ssl.SSLContext.load_default_certs\n"
        "ssl.SSLContext.load_default_certs = lambda self, *a: (built.append(1), load(self, *a))[1]\n"
        "from wacht_auth import GatewayCheck, PrincipalType\n"
        f"check = GatewayCheck({https_gateway.url!r}, timeout_seconds=10)\n"
        f"keys = [check.check(PrincipalType.API_KEY, {KEY!r}, method='GET', resource='/documents').auth.key_id for _ in range(3)]\n"
        "print(len(built), *keys)"
    )
    src = Path(__file__).resolve().parents[2] / "packages" / "wacht-auth" / "src"
    env = {**os.environ, "PYTHONPATH": str(src), "SSL_CERT_FILE": str(ca)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.split() == ["1", "901", "901", "901"]
    assert len(https_gateway.requests) == 3
