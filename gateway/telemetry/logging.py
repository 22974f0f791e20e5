"""One JSON line per request on the "bff.request" logger: no tokens, no variable values."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, TextIO

import orjson

LOGGER = "bff.request"


class _MessageOnly(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return record.getMessage()


class _DirectHandler(logging.StreamHandler[TextIO]):
    """Our default handler; RequestLog writes to its stream directly (no LogRecord per request)."""


def request_logger(level: int) -> logging.Logger:
    """The "bff.request" logger at `level`; given a stderr handler printing bare JSON unless one is configured."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level)
    if not logger.handlers:
        handler = _DirectHandler(sys.stderr)
        handler.setFormatter(_MessageOnly())
        logger.addHandler(handler)
        logger.propagate = False
    return logger


class RequestLog:
    """Writes an Observation as JSON: INFO for a good request, WARNING when it had errors."""

    def __init__(self, level: int) -> None:
        self.logger = request_logger(level)

    def write(self, obs: Any) -> None:
        level = logging.WARNING if obs.error_codes else logging.INFO
        logger = self.logger
        if not logger.isEnabledFor(level):
            return
        text = orjson.dumps(line(obs)).decode()
        handlers = logger.handlers
        if len(handlers) == 1 and type(handlers[0]) is _DirectHandler:  # the default: skip LogRecord machinery
            handlers[0].stream.write(text + "\n")
        else:
            logger.log(level, text)


def line(obs: Any) -> dict[str, Any]:
    """The log line's fields (user-visible contract; documented in README)."""
    return {
        "ts": round(time.time(), 3),
        "level": "warning" if obs.error_codes else "info",
        "msg": "graphql request",
        "request_id": obs.request_id,
        "operation": obs.operation.name,
        "operation_sha256": obs.operation.sha256,
        "client_name": obs.client_name,
        "client_version": obs.client_version,
        "principal": obs.principal_kind,
        "duration_ms": round(obs.duration_ms, 3),
        "subgraphs": [{"service": c.service, "ms": round(c.ms, 3), "ok": c.ok} for c in obs.subgraphs],
        "errors": obs.error_codes,
        "cost": obs.cost,
    }
