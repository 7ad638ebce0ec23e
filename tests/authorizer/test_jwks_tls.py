"""The key set over HTTPS: one TLS context per process, certificates and host names verified.

A real HTTPS server on 127.0.0.1 with a certificate from a throwaway CA: trusted only when the
process is told so (``SSL_CERT_FILE``, in a fresh interpreter, since the context is built once).
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import JwksServer
from tests.support.tls import loopback_certificate
from tests.support.tokens import SigningKey, jwks
from wacht_auth.jwks_fetch import JwksFetchError, fetch_jwks, tls_context

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_SRC = ROOT / "packages" / "wacht-auth" / "src"


@pytest.fixture
def certificates(tmp_path):
    return loopback_certificate(tmp_path)


@pytest.fixture
def https_server(certificates):
    _, certificate, key = certificates
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    with JwksServer(jwks(SigningKey("es-tls")), tls=context) as server:
        yield server


def test_the_shared_context_verifies_certificates_and_host_names():
    context = tls_context()
    assert context is tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_a_certificate_no_trusted_authority_signed_is_an_outage(https_server):
    with pytest.raises(JwksFetchError, match="unreachable"):
        fetch_jwks(https_server.jwks_url, timeout_seconds=2.0)
    assert https_server.requests == 0  # refused at the handshake: no request was sent


def test_a_trusted_certificate_gets_the_key_set_and_every_fetch_shares_one_context(https_server, certificates):
    ca, _, _ = certificates
    code = (
        "import ssl, sys; built = []; load = ssl.SSLContext.load_default_certs\n"
        "ssl.SSLContext.load_default_certs = lambda self, *a: (built.append(1), load(self, *a))[1]\n"
        "from wacht_auth.jwks_fetch import fetch_jwks\n"
        f"documents = [fetch_jwks({https_server.jwks_url!r}) for _ in range(3)]\n"
        "print(len(built), [len(document['keys']) for document in documents])"
    )
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_SRC), "SSL_CERT_FILE": str(ca)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.split() == ["1", "[1,", "1,", "1]"]
    assert https_server.requests == 3
