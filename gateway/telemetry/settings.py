"""What telemetry is on: from GatewayConfig.telemetry or the BFF_* environment."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Mapping

METRICS = ("emf", "prometheus")


@dataclass(frozen=True, slots=True)
class TelemetrySettings:
    # Level of the "bff.request" logger; None: no request logs.
    log_level: int | None = None
    # "emf", "prometheus" or None.
    metrics: str | None = None
    tracing: bool = False
    # Registry store URL that receives client field usage; None: not recorded.
    usage_store: str | None = None
    usage_flush_seconds: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.log_level is not None or self.metrics or self.tracing or self.usage_store)


def settings_from_env(env: Mapping[str, str] | None = None) -> TelemetrySettings:
    """Settings from BFF_LOG_LEVEL, BFF_METRICS, BFF_TRACING, BFF_USAGE, BFF_USAGE_FLUSH_SECONDS."""
    env = os.environ if env is None else env
    level_name = env.get("BFF_LOG_LEVEL", "").strip().upper()
    level = None
    if level_name:
        level = logging.getLevelName(level_name)
        if not isinstance(level, int):
            raise ValueError(f"BFF_LOG_LEVEL={level_name!r}: expected DEBUG, INFO, WARNING or ERROR")
    metrics = env.get("BFF_METRICS", "").strip().lower() or None
    if metrics is not None and metrics not in METRICS:
        raise ValueError(f"BFF_METRICS={metrics!r}: expected one of {', '.join(METRICS)}")
    usage = env.get("BFF_USAGE", "").strip() or None
    if usage in ("1", "true", "yes"):
        usage = env.get("BFF_REGISTRY", "").strip() or None
    return TelemetrySettings(
        log_level=level, metrics=metrics,
        tracing=env.get("BFF_TRACING", "").strip().lower() in ("1", "true", "yes"),
        usage_store=usage, usage_flush_seconds=float(env.get("BFF_USAGE_FLUSH_SECONDS", "") or 10.0))
