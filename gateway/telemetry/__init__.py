"""Request telemetry: JSON request logs, metrics (EMF / Prometheus), tracing, client field usage.

Everything is off unless asked for, and then costs nothing on the request path
beyond a few clock reads and dict updates (no I/O while a response is pending):

    BFF_LOG_LEVEL=INFO            one JSON line per request on logger "bff.request"
                                  (WARNING: only requests that failed)
    BFF_METRICS=emf|prometheus    CloudWatch EMF lines on stdout, or GET /metrics
    BFF_TRACING=1                 OpenTelemetry spans (needs opentelemetry-api)
    BFF_USAGE=URL                 record fields used per client into a registry store
                                  (sqlite:///PATH, dynamodb://TABLE; "1" uses $BFF_REGISTRY)
    BFF_USAGE_FLUSH_SECONDS=10    flush the usage counts at most this often

`install(gateway)` is the one hook (see gateway.Gateway.__init__).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .settings import TelemetrySettings

if TYPE_CHECKING:
    from .hook import Telemetry

__all__ = ["TelemetrySettings", "settings_from_env", "install"]


def settings_from_env(env: Mapping[str, str] | None = None) -> TelemetrySettings:
    """Settings from the `telemetry` section of BFF_CONFIG's file and BFF_LOG_LEVEL, BFF_METRICS, BFF_TRACING,
    BFF_USAGE, BFF_USAGE_FLUSH_SECONDS (gateway/config/envvars.py); ValueError names a bad one."""
    from ..config.build import telemetry_settings

    return telemetry_settings(env)


def install(gateway: Any) -> "Telemetry | None":
    """Wrap the gateway's execute/prepare/plan and transport when telemetry is on; None when off."""
    settings = gateway.config.telemetry
    if settings is None:
        settings = settings_from_env()
    if not settings.enabled:
        return None
    from .hook import Telemetry

    return Telemetry(settings).attach(gateway)
