"""``python -m reactor.cli`` is the ``treadle`` command (the supervisor starts workers so)."""

from reactor.cli.main import main

raise SystemExit(main())
