"""Building ``ssl.SSLContext`` objects that are secure by default, and accepting the old kinds.

This module owns :func:`clientContext` and :func:`serverContext` (contexts from PEM files or
PEM data in memory), :class:`ClientTLSOptions` / :func:`optionsForClientTLS` (a client context
bundled with the host name to verify, Twisted's porting shape), and :func:`contextOf`, which
accepts everything a ``contextFactory`` argument may be: an ``ssl.SSLContext`` or an object
with a ``getContext()`` method returning one. It does no I/O beyond reading the files named.

Secure by default: a client context verifies the peer's chain (``CERT_REQUIRED``) against the
system's CAs unless ``caCerts`` names others, checks the host name, and refuses TLS below 1.2;
a server context refuses TLS below 1.2 as well. Lowering any of this is an explicit argument.

PEM data in memory: ``ssl`` can load a CA bundle from memory (``cadata``) but a certificate
chain and private key only from files, so :func:`serverContext` writes in-memory data to a
private temporary file (mode 0600) and deletes it at once after loading. (Rejected: requiring
files -- tests and secrets managers hand out PEM bytes, and trustme does the same thing.)
"""

from __future__ import annotations

import os
import ssl
import tempfile
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Union

__all__ = [
    "ClientTLSOptions",
    "PEMSource",
    "clientContext",
    "contextOf",
    "hostnameOf",
    "optionsForClientTLS",
    "serverContext",
]

#: A path to a PEM file, or the PEM text itself (recognised by its "-----BEGIN" line).
PEMSource = Union[str, bytes, "os.PathLike[str]"]

_MINIMUM = ssl.TLSVersion.TLSv1_2


def _isPEM(source: PEMSource) -> bool:
    if isinstance(source, bytes):
        return b"-----BEGIN" in source
    return isinstance(source, str) and "-----BEGIN" in source


def _pemText(source: PEMSource) -> str:
    """The PEM text of ``source`` (read from the file it names, if it is a path)."""
    if _isPEM(source):
        return source.decode("ascii") if isinstance(source, bytes) else str(source)
    path = os.fsdecode(source)
    with open(path, encoding="ascii") as f:
        return f.read()


def _loadChain(
    context: ssl.SSLContext,
    certChain: PEMSource,
    privateKey: PEMSource | None,
    password: str | bytes | None,
) -> None:
    """``load_cert_chain`` for paths or PEM data (see the module docstring)."""
    temporary: list[str] = []
    try:

        def asPath(source: PEMSource) -> str:
            if not _isPEM(source):
                return os.fsdecode(source)
            fd, path = tempfile.mkstemp(prefix="treadle-tls-", suffix=".pem")  # mode 0600
            temporary.append(path)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(_pemText(source))
            return path

        context.load_cert_chain(
            asPath(certChain), None if privateKey is None else asPath(privateKey), password
        )
    finally:
        for path in temporary:
            os.unlink(path)


def _loadTrust(context: ssl.SSLContext, caCerts: PEMSource | Iterable[PEMSource]) -> None:
    sources = [caCerts] if isinstance(caCerts, str | bytes | os.PathLike) else list(caCerts)
    for source in sources:
        context.load_verify_locations(cadata=_pemText(source))


def _alpnNames(protocols: Iterable[str | bytes]) -> list[str]:
    return [p.decode("ascii") if isinstance(p, bytes) else p for p in protocols]


def clientContext(
    caCerts: PEMSource | Iterable[PEMSource] | None = None,
    *,
    certChain: PEMSource | None = None,
    privateKey: PEMSource | None = None,
    password: str | bytes | None = None,
    alpn: Iterable[str | bytes] | None = None,
    minimumVersion: ssl.TLSVersion = _MINIMUM,
    verify: bool = True,
) -> ssl.SSLContext:
    """Return a client context that verifies the server's chain and host name.

    ``caCerts``: the CAs to trust (paths or PEM data, one or several); None trusts the
    system's. ``certChain``/``privateKey``: a client certificate to present. ``alpn``: the
    application protocols to offer, most preferred first. ``verify=False`` turns verification
    off altogether (never do this outside tests).
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname
    context.minimum_version = minimumVersion
    if caCerts is None:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    else:
        _loadTrust(context, caCerts)
    if certChain is not None:
        _loadChain(context, certChain, privateKey, password)
    if alpn is not None:
        context.set_alpn_protocols(_alpnNames(alpn))
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def serverContext(
    certChain: PEMSource,
    privateKey: PEMSource | None = None,
    *,
    password: str | bytes | None = None,
    caCerts: PEMSource | Iterable[PEMSource] | None = None,
    requireClientCertificate: bool | None = None,
    alpn: Iterable[str | bytes] | None = None,
    minimumVersion: ssl.TLSVersion = _MINIMUM,
    sniContexts: Mapping[str, ssl.SSLContext] | None = None,
) -> ssl.SSLContext:
    """Return a server context presenting ``certChain`` (leaf first) with ``privateKey``.

    ``privateKey`` may be omitted when ``certChain`` holds the key too. ``caCerts``: verify
    client certificates against these CAs; a client without one is refused unless
    ``requireClientCertificate=False`` (then it is only asked for one). ``alpn``: the
    application protocols we accept, most preferred first. ``sniContexts`` maps host names
    (lower case) to the context to serve a client asking for that name (SNI); other names get
    this one. The name a client asked for is on the transport (``getServerName()``).
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = minimumVersion
    _loadChain(context, certChain, privateKey, password)
    if caCerts is not None:
        _loadTrust(context, caCerts)
        required = True if requireClientCertificate is None else requireClientCertificate
        context.verify_mode = ssl.CERT_REQUIRED if required else ssl.CERT_OPTIONAL
    if alpn is not None:
        context.set_alpn_protocols(_alpnNames(alpn))
    context.sni_callback = _recordServerName(dict(sniContexts or {}))
    return context


#: The attribute of an ``ssl.SSLObject`` where our SNI callback records the name asked for.
SERVER_NAME_ATTRIBUTE = "treadleServerName"


def _recordServerName(
    contexts: dict[str, ssl.SSLContext],
) -> Callable[[Any, str | None, ssl.SSLContext], None]:
    def onServerName(sslObject: Any, name: str | None, context: ssl.SSLContext) -> None:
        # ssl.SSLObject is a plain Python class: it can carry the name for the transport.
        setattr(sslObject, SERVER_NAME_ATTRIBUTE, name)
        if name is not None:
            chosen = contexts.get(name.lower())
            if chosen is not None:
                sslObject.context = chosen

    return onServerName


class ClientTLSOptions:
    """A client context and the host name to verify (and send as SNI), as one argument.

    What Twisted's ``optionsForClientTLS`` returns, so ``connectSSL(address, port, factory,
    optionsForClientTLS("example.org"))`` verifies "example.org" whatever address it dials.
    """

    def __init__(self, hostname: str, context: ssl.SSLContext) -> None:
        self.hostname = hostname
        self.context = context

    def getContext(self) -> ssl.SSLContext:
        """Return the context (the ``contextFactory`` protocol)."""
        return self.context

    def __repr__(self) -> str:
        return f"<ClientTLSOptions for {self.hostname!r}>"


def optionsForClientTLS(
    hostname: str,
    caCerts: PEMSource | Iterable[PEMSource] | None = None,
    *,
    certChain: PEMSource | None = None,
    privateKey: PEMSource | None = None,
    alpn: Iterable[str | bytes] | None = None,
) -> ClientTLSOptions:
    """Return :class:`ClientTLSOptions` verifying ``hostname`` (see :func:`clientContext`)."""
    context = clientContext(caCerts, certChain=certChain, privateKey=privateKey, alpn=alpn)
    return ClientTLSOptions(hostname, context)


def contextOf(contextFactory: Any) -> ssl.SSLContext:
    """Return the ``ssl.SSLContext`` that ``contextFactory`` is or makes (``getContext()``).

    :raises TypeError: for anything else (for instance a pyOpenSSL context).
    """
    if isinstance(contextFactory, ssl.SSLContext):
        return contextFactory
    getContext = getattr(contextFactory, "getContext", None)
    if getContext is not None:
        context = getContext()
        if isinstance(context, ssl.SSLContext):
            return context
        raise TypeError(
            f"{contextFactory!r}.getContext() returned {type(context).__name__}, not an "
            "ssl.SSLContext (treadle's TLS uses the stdlib ssl module, not pyOpenSSL)"
        )
    raise TypeError(
        f"a TLS context must be an ssl.SSLContext or have getContext(), not {contextFactory!r}"
    )


def hostnameOf(contextFactory: Any) -> str | None:
    """The host name a context factory carries (``ClientTLSOptions.hostname``), if any."""
    hostname = getattr(contextFactory, "hostname", None)
    return hostname if isinstance(hostname, str) else None
