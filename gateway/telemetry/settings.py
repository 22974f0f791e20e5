"""What telemetry is on: from GatewayConfig.telemetry, or bff.yaml / the BFF_* environment (gateway/config)."""

from __future__ import annotations

from dataclasses import dataclass

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
