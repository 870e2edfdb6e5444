"""Fixtures for the TLS tests: a trustme CA, certificates and contexts made from them.

The CA and its certificates are made once per session (key generation is the slow part); the
contexts are made per test, since tests change them (ALPN, versions).
"""

from __future__ import annotations

import datetime
import ssl

import pytest
import trustme

from reactor.tls import clientContext, serverContext


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    """The CA every trusted certificate in these tests comes from."""
    return trustme.CA()


@pytest.fixture(scope="session")
def otherCA() -> trustme.CA:
    """A CA nobody trusts."""
    return trustme.CA()


@pytest.fixture(scope="session")
def serverCert(ca: trustme.CA) -> trustme.LeafCert:
    """A certificate for localhost, 127.0.0.1 and ::1."""
    return ca.issue_cert("localhost", "127.0.0.1", "::1")


@pytest.fixture(scope="session")
def expiredCert(ca: trustme.CA) -> trustme.LeafCert:
    """A certificate for localhost and 127.0.0.1 that expired yesterday."""
    now = datetime.datetime.now(datetime.UTC)
    return ca.issue_cert(
        "localhost",
        "127.0.0.1",
        not_before=now - datetime.timedelta(days=30),
        not_after=now - datetime.timedelta(days=1),
    )


@pytest.fixture
def serverCtx(serverCert: trustme.LeafCert) -> ssl.SSLContext:
    """A treadle server context presenting ``serverCert``."""
    return serverContext(serverCert.private_key_and_cert_chain_pem.bytes())


@pytest.fixture
def clientCtx(ca: trustme.CA) -> ssl.SSLContext:
    """A treadle client context trusting ``ca`` (and only it)."""
    return clientContext(ca.cert_pem.bytes())
