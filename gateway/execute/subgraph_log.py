"""The operator's WARNING lines about subgraphs, on logger "bff.subgraph", rate-limited per subgraph.

A subgraph that is down fails every request that needs it: one line per failure
would flood the log exactly when someone reads it. Failures of one subgraph are
logged at most once per `interval` seconds; the next line says how many were
left out meanwhile. A circuit opening (after its threshold of failures) and
closing again (a probe succeeded) are state changes and always logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

LOGGER = "bff.subgraph"
logger = logging.getLogger(LOGGER)


class SubgraphLog:
    """Rate-limited failure lines and circuit state lines for the subgraphs of one gateway."""

    def __init__(self, interval: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 log: logging.Logger = logger) -> None:
        self.interval = interval
        self._clock = clock
        self._log = log
        self._last: dict[str, float] = {}  # service -> when its last failure line was written
        self._suppressed: dict[str, int] = {}  # service -> failures not logged since then

    def failure(self, service: str, reason: str) -> None:
        """One failed call to `service` (after its retries): logged unless one was within `interval`."""
        now = self._clock()
        last = self._last.get(service)
        if last is not None and now - last < self.interval:
            self._suppressed[service] = self._suppressed.get(service, 0) + 1
            return
        self._last[service] = now
        left_out = self._suppressed.pop(service, 0)
        more = f" ({left_out} more failures of this subgraph not logged in the last {self.interval:g} s)" \
            if left_out else ""
        self._log.warning('subgraph "%s" failed: %s%s', service, reason or "no usable answer", more)

    def circuit_opened(self, service: str, failures: int, open_seconds: float) -> None:
        self._log.warning('subgraph "%s": circuit opened after %d consecutive failures; its fields are null '
                          'for %g s, then one probe request', service, failures, open_seconds)

    def circuit_closed(self, service: str) -> None:
        self._log.warning('subgraph "%s": circuit closed, the probe request succeeded', service)
