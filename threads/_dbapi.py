"""What the connection pool assumes about a DB-API 2.0 driver (PEP 249), and nothing more.

This module owns finding the driver (`resolveDriver`: a module object or its import name) and
checking it has the parts of PEP 249 the pool relies on: ``connect``, and the exception classes
``Error``, ``OperationalError`` and ``InterfaceError`` used to recognise a lost connection. It does
not open connections (``_dbworker`` does, in the connection's own thread).

Connections and cursors are typed ``Any`` on purpose. PEP 249 defines no importable types, and a
`typing.Protocol` for them would reject a user function annotated with the driver's concrete
class (``def f(conn: sqlite3.Connection)`` does not accept *every* protocol-conforming
connection, so passing it where ``Callable[[DBAPIConnection], R]`` is expected fails to type
check). ``Any`` lets each caller keep the driver's own precise types.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any, TypeAlias

import attrs

__all__ = ["Connection", "Cursor", "Driver", "Params", "resolveDriver"]

#: A DB-API connection object of whatever driver the pool uses.
Connection: TypeAlias = Any
#: A DB-API cursor object of whatever driver the pool uses.
Cursor: TypeAlias = Any
#: Query parameters as PEP 249 allows them: a sequence (qmark/format) or a mapping (named/pyformat).
Params: TypeAlias = Sequence[Any] | Mapping[str, Any]


@attrs.frozen
class Driver:
    """A DB-API 2.0 module and the exception classes the pool needs from it."""

    module: ModuleType
    name: str
    error: type[Exception]
    operationalError: type[Exception]
    interfaceError: type[Exception]

    @property
    def isSQLite(self) -> bool:
        """True for the standard library's sqlite3, which allows one writer at a time."""
        return self.name == "sqlite3"

    def connect(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Connection:
        """Open a new connection (call it only in the thread that will own the connection)."""
        return self.module.connect(*args, **kwargs)


def resolveDriver(moduleOrName: ModuleType | str) -> Driver:
    """Return the `Driver` for a DB-API module, importing it first when given its name.

    Raises `ImportError` when the name cannot be imported and `TypeError` when the module lacks
    ``connect`` or one of PEP 249's ``Error``, ``OperationalError``, ``InterfaceError``.
    """
    if isinstance(moduleOrName, str):
        module = importlib.import_module(moduleOrName)
    elif isinstance(moduleOrName, ModuleType):
        module = moduleOrName
    else:
        raise TypeError(
            f"ConnectionPool needs a DB-API 2.0 module or its import name, got {moduleOrName!r}"
        )
    if not callable(getattr(module, "connect", None)):
        raise TypeError(f"{module.__name__} is not a DB-API 2.0 module: it has no connect()")
    errors: list[type[Exception]] = []
    for attribute in ("Error", "OperationalError", "InterfaceError"):
        errorType = getattr(module, attribute, None)
        if not (isinstance(errorType, type) and issubclass(errorType, Exception)):
            raise TypeError(
                f"{module.__name__} is not a DB-API 2.0 module: it has no exception class "
                f"{attribute} (PEP 249 requires it)"
            )
        errors.append(errorType)
    error, operationalError, interfaceError = errors
    return Driver(module, module.__name__, error, operationalError, interfaceError)
