"""Settings shared by the whole test suite.

The treadle pytest plugin itself is loaded through its ``pytest11`` entry point, not from here
(loading it twice would register it twice). This file also puts ``tests/`` on ``sys.path``
(pytest's prepend import mode), so shared helpers such as ``typecases`` import by name.

Hypothesis: on CI (``CI`` set) examples are derandomized, so a run is reproducible and a red
build is never a dice roll; locally they stay random, to keep finding new cases.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
