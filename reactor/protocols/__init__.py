"""Ready-made protocols built on :class:`reactor.protocol.Protocol`.

* :mod:`reactor.protocols.basic` -- framing: lines (``LineReceiver``, ``LineOnlyReceiver``),
  length-prefixed strings (``Int32StringReceiver``...), netstrings (``NetstringReceiver``).

Like every protocol, these know only the ``ITransport`` interface, never a concrete transport.
"""
