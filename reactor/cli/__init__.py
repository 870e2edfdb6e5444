"""The ``treadle`` command: run a program on a reactor, serve a chat or echo server, connect
to one, show what this installation offers, and run the tutorials.

This package owns the command line only; nothing in ``deferred``, ``reactor`` or ``threads``
imports it (it sits on top of them, as any application would). One module per subcommand:

* :mod:`reactor.cli.main` -- the argument parser and ``main(argv) -> exit status``;
* :mod:`reactor.cli.run` -- ``treadle run TARGET[:function] [args...]`` under ``react``;
* :mod:`reactor.cli.servechat` -- ``treadle serve chat``, the showcase chat server, built from
  :mod:`reactor.cli._chatprotocol` (the line protocol), :mod:`reactor.cli._chatroom` (who is
  here, fan-out), :mod:`reactor.cli._chatstore` (the ``messages`` table behind a
  ``ConnectionPool``), :mod:`reactor.cli._chatfeed` (messages other processes stored) and
  :mod:`reactor.cli._supervisor` (``--workers N``: N processes sharing the port);
* :mod:`reactor.cli.serveecho` -- ``treadle serve echo``;
* :mod:`reactor.cli.connect` -- ``treadle connect ENDPOINT``, the terminal <-> a connection;
* :mod:`reactor.cli.info` -- ``treadle info``;
* :mod:`reactor.cli.tutorial` -- ``treadle tutorial [list | N]``.

Shared helpers: :mod:`reactor.cli._errors` (user mistakes become one line and status 2),
:mod:`reactor.cli._options` (the parser class, ``--reactor``), :mod:`reactor.cli._serving`
(running a server until a signal, logging).
"""
