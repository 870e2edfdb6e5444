"""Addresses of connection ends: ``IPv4Address``, ``IPv6Address``, ``UNIXAddress``.

This module owns the value classes that ``getHost``/``getPeer``, ``buildProtocol`` and
connectors hand around. They are frozen attrs classes: hashable, comparable by value, with a
readable ``repr``, and validated when built (so a port of ``"80"`` or ``70000`` is caught where
it is made, not where it is used). It does no name resolution and opens no socket.
"""

from __future__ import annotations

import attrs
from zope.interface import implementer  # type: ignore[import-untyped]

from reactor._netinterfaces import IAddress

__all__ = ["IPv4Address", "IPv6Address", "UNIXAddress"]


def _checkType(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    # Checked at run time rather than typed Literal["TCP", "UDP"]: callers pass a kind they
    # hold as a plain str, and a wrong one should fail here, loudly.
    if value not in ("TCP", "UDP"):
        raise ValueError(f"{attribute.name} must be 'TCP' or 'UDP', not {value!r}")


def _checkPort(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    # bool is an int subclass, and True is never a port number anyone meant.
    if type(value) is not int or not 0 <= value <= 65535:
        raise ValueError(f"{attribute.name} must be an int in 0..65535, not {value!r}")


def _checkHost(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a str, not {value!r}")


@implementer(IAddress)
@attrs.frozen
class IPv4Address:
    """An IPv4 end point: ``IPv4Address("TCP", "127.0.0.1", 8080)``.

    ``host`` is the dotted-quad address (or, for a connector's destination, the name it was
    asked to connect to); ``port`` is 0 for "any free port" before binding.
    """

    type: str = attrs.field(validator=_checkType)
    host: str = attrs.field(validator=_checkHost)
    port: int = attrs.field(validator=_checkPort)


@implementer(IAddress)
@attrs.frozen
class IPv6Address:
    """An IPv6 end point: ``IPv6Address("TCP", "::1", 8080)``, with flow info and scope id.

    ``scopeID`` is the interface index of a link-local address (``fe80::1%2``), 0 otherwise.
    """

    type: str = attrs.field(validator=_checkType)
    host: str = attrs.field(validator=_checkHost)
    port: int = attrs.field(validator=_checkPort)
    flowInfo: int = 0
    scopeID: int | str = 0


@implementer(IAddress)
@attrs.frozen
class UNIXAddress:
    """A UNIX-domain socket address: a file-system path, an abstract name, or None (unbound).

    Two addresses are equal when their names are equal; no file-system lookup is made.
    """

    name: str | bytes | None
