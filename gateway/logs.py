"""Default logging for the operator's lines, so they show without any logging setup.

The gateway logs under "bff.*": "bff.supergraph" (INFO: a graph version loaded or
swapped in; WARNING: the registry stops answering), "bff.subgraph" (WARNING,
rate-limited: subgraph failures, circuits opening and closing), "bff.auth",
"bff.http", "bff.telemetry" (warnings). `bff serve`, `bff dev` and the Lambda
handler call `operator_logging()` at start: "bff" gets level INFO unless a level
was set for it, and, when nothing is configured at all (no root handler), a
stderr handler of its own. Any explicit logging configuration wins. The
per-request JSON lines ("bff.request", BFF_LOG_LEVEL) are set up apart
(telemetry/logging.py).
"""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def operator_logging(level: int = logging.INFO) -> logging.Logger:
    """The "bff" logger at `level` (unless configured) with a stderr handler when none would print."""
    logger = logging.getLogger("bff")
    if logger.level == logging.NOTSET:
        logger.setLevel(level)
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
        logger.propagate = False
    return logger
