"""Context helpers: secure defaults, PEM files and PEM data, the contextFactory kinds accepted."""

from __future__ import annotations

import os
import ssl
import tempfile
from pathlib import Path

import pytest
import trustme
from _tlspair import Pair

from reactor.tls import (
    ClientTLSOptions,
    TLSPhase,
    clientContext,
    optionsForClientTLS,
    serverContext,
)
from reactor.tls._contexts import contextOf, hostnameOf


def test_aClientContextVerifiesTheChainAndTheHostNameByDefault() -> None:
    context = clientContext()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname


def test_contextsRefuseTLSBelow12ByDefault(serverCert: trustme.LeafCert) -> None:
    assert clientContext().minimum_version is ssl.TLSVersion.TLSv1_2
    server = serverContext(serverCert.private_key_and_cert_chain_pem.bytes())
    assert server.minimum_version is ssl.TLSVersion.TLSv1_2


def test_aClientContextWithoutCATrustsTheSystemStore() -> None:
    assert (
        clientContext().cert_store_stats()["x509_ca"]
        == ssl.create_default_context().cert_store_stats()["x509_ca"]
    )


def test_contextsLoadFromPEMFiles(
    tmp_path: Path, ca: trustme.CA, serverCert: trustme.LeafCert
) -> None:
    chain, key, caFile = tmp_path / "chain.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    chain.write_bytes(b"".join(blob.bytes() for blob in serverCert.cert_chain_pems))
    key.write_bytes(serverCert.private_key_pem.bytes())
    caFile.write_bytes(ca.cert_pem.bytes())
    pair = Pair(clientContext(str(caFile)), serverContext(chain, key)).connect()
    pair.pump()
    assert pair.clientTLS.phase is TLSPhase.ESTABLISHED


def test_pemDataLeavesNoTemporaryFileBehind(serverCert: trustme.LeafCert) -> None:
    before = set(os.listdir(tempfile.gettempdir()))
    serverContext(serverCert.private_key_and_cert_chain_pem.bytes())
    assert {n for n in os.listdir(tempfile.gettempdir()) if n.startswith("treadle-tls-")} <= (
        before
    )


def test_aServerWithCACertsRequiresAClientCertificate(
    ca: trustme.CA, serverCert: trustme.LeafCert
) -> None:
    clientCert = ca.issue_cert("client@example.org")
    server = serverContext(
        serverCert.private_key_and_cert_chain_pem.bytes(), caCerts=ca.cert_pem.bytes()
    )
    assert server.verify_mode is ssl.CERT_REQUIRED
    client = clientContext(
        ca.cert_pem.bytes(), certChain=clientCert.private_key_and_cert_chain_pem.bytes()
    )
    pair = Pair(client, server).connect()
    pair.pump()
    assert pair.serverTLS.getPeerCertificate() is not None


def test_optionsForClientTLSCarryTheirHostName(ca: trustme.CA) -> None:
    options = optionsForClientTLS("example.org", ca.cert_pem.bytes(), alpn=["h2"])
    assert isinstance(options, ClientTLSOptions)
    assert hostnameOf(options) == "example.org"
    assert contextOf(options) is options.context


def test_contextOfAcceptsAContextOrAGetContextObject() -> None:
    context = clientContext()

    class OldStyle:
        def getContext(self) -> ssl.SSLContext:
            return context

    assert contextOf(context) is context
    assert contextOf(OldStyle()) is context


def test_contextOfRefusesOtherKindsNamingTheFix() -> None:
    class PyOpenSSLStyle:
        def getContext(self) -> object:
            return object()

    with pytest.raises(TypeError, match=r"not an ssl\.SSLContext"):
        contextOf(PyOpenSSLStyle())
    with pytest.raises(TypeError, match=r"must be an ssl\.SSLContext"):
        contextOf("context")
