"""The ``tls:``/``ssl:`` endpoint descriptions, parsed and used over real connections."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from _tcphelpers import CollectingFactory, Recorder, runUntil, waitAll
from _tlsio import failureOf

from reactor import Reactor
from reactor.endpoints import clientFromString, serverFromString
from reactor.protocol import Factory
from reactor.tls import TLSError, TLSFailure
from reactor.tls._endpoints import SSL4ServerEndpoint, TLSClientEndpoint


@pytest.fixture
def pemFiles(
    tmp_path: Path, ca: trustme.CA, serverCert: trustme.LeafCert
) -> Iterator[dict[str, Path]]:
    """The server's chain, key and the CA as PEM files (backslash-escaped where needed)."""
    files = {
        "chain": tmp_path / "chain.pem",
        "key": tmp_path / "key.pem",
        "ca": tmp_path / "ca.pem",
    }
    files["chain"].write_bytes(b"".join(blob.bytes() for blob in serverCert.cert_chain_pems))
    files["key"].write_bytes(serverCert.private_key_pem.bytes())
    files["ca"].write_bytes(ca.cert_pem.bytes())
    yield files


def _escaped(path: Path) -> str:
    return str(path).replace(":", "\\:")


@pytest.mark.reactor("all")
def test_tlsDescriptionsServeAndConnectSecurely(
    reactor: Reactor, pemFiles: dict[str, Path]
) -> None:
    server = serverFromString(
        reactor,
        f"tls:0:interface=127.0.0.1:certKey={_escaped(pemFiles['chain'])}"
        f":privateKey={_escaped(pemFiles['key'])}",
    )
    factory = CollectingFactory(Recorder)
    port = runUntil(reactor, server.listen(factory))
    client = clientFromString(
        reactor,
        f"tls:host=127.0.0.1:port={port.getHost().port}:hostname=localhost"
        f":caCerts={_escaped(pemFiles['ca'])}",
    )
    protocol = runUntil(reactor, client.connect(Factory.forProtocol(Recorder)))
    assert protocol.transport.getPeerCertificate() is not None  # connected = handshake done
    [built] = runUntil(reactor, factory.builtAtLeast(1))
    protocol.transport.loseConnection()
    runUntil(reactor, waitAll(protocol.lost, built.lost))
    port.stopListening()


@pytest.mark.reactor("all")
def test_aTLSClientEndpointFailsWithTheHandshakeError(
    reactor: Reactor, pemFiles: dict[str, Path]
) -> None:
    server = serverFromString(
        reactor,
        f"ssl:port=0:interface=127.0.0.1:certKey={_escaped(pemFiles['chain'])}"
        f":privateKey={_escaped(pemFiles['key'])}",
    )
    factory = CollectingFactory(Recorder)
    port = runUntil(reactor, server.listen(factory))
    client = clientFromString(
        reactor,
        f"ssl:127.0.0.1:{port.getHost().port}:hostname=wrong.example"
        f":caCerts={_escaped(pemFiles['ca'])}",
    )
    [reason] = runUntil(reactor, failureOf(client.connect(Factory.forProtocol(Recorder))))
    assert isinstance(reason.value, TLSError)
    assert reason.value.cause is TLSFailure.HOSTNAME_MISMATCH
    [built] = runUntil(reactor, factory.builtAtLeast(1))
    runUntil(reactor, built.lost)
    port.stopListening()


def test_aServerDescriptionBuildsAnSSL4ServerEndpoint(
    reactor: Reactor, pemFiles: dict[str, Path]
) -> None:
    endpoint = serverFromString(
        reactor,
        f"tls:8443:certKey={_escaped(pemFiles['chain'])}:privateKey={_escaped(pemFiles['key'])}"
        ":alpn=h2,http/1.1:handshakeTimeout=5",
    )
    assert isinstance(endpoint, SSL4ServerEndpoint)
    assert "8443" in repr(endpoint)


def test_aClientDescriptionDefaultsTheHostNameToTheHost(reactor: Reactor) -> None:
    endpoint = clientFromString(reactor, "tls:host=example.org:port=443")
    assert isinstance(endpoint, TLSClientEndpoint)
    assert "verifying 'example.org'" in repr(endpoint)


@pytest.mark.parametrize(
    ("description", "complaint"),
    [
        ("tls:443", "a server needs certKey="),
        ("tls:certKey=/nonexistent/cert.pem", "a port is needed"),
        ("tls:443:certKey=/nonexistent/cert.pem", "cannot load the certificates or key"),
        ("tls:443:certKey=x:colour=blue", "unknown parameters"),
    ],
)
def test_aBadServerDescriptionIsAValueErrorNamingTheProblem(
    reactor: Reactor, description: str, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        serverFromString(reactor, description)


@pytest.mark.parametrize(
    ("description", "complaint"),
    [
        ("tls:port=443", "a host is needed"),
        ("tls:host=example.org", "a port is needed"),
        ("tls:example.org:443:caCerts=/nonexistent/ca.pem", "cannot load"),
        ("tls:example.org:443:colour=blue", "unknown parameters"),
    ],
)
def test_aBadClientDescriptionIsAValueErrorNamingTheProblem(
    reactor: Reactor, description: str, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        clientFromString(reactor, description)
