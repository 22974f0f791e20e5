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

`telemetry_plugins(settings, api_schema)` gives the pipeline plugins (gateway/pipeline/):
none when telemetry is off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .settings import TelemetrySettings

__all__ = ["TelemetrySettings", "settings_from_env", "telemetry_plugins"]


def settings_from_env(env: Mapping[str, str] | None = None) -> TelemetrySettings:
    """Settings from the `telemetry` section of BFF_CONFIG's file and BFF_LOG_LEVEL, BFF_METRICS, BFF_TRACING,
    BFF_USAGE, BFF_USAGE_FLUSH_SECONDS (gateway/config/envvars.py); ValueError names a bad one."""
    from ..config.build import telemetry_settings

    return telemetry_settings(env)


def telemetry_plugins(settings: TelemetrySettings | None, api_schema: Any, metric_operations: int = 100) -> list[Any]:
    """[Telemetry] (logs, metrics, usage), plus [Tracing] when tracing is on; [] when all is off.
    `settings` None reads the BFF_* environment."""
    if settings is None:
        settings = settings_from_env()
    if not settings.enabled:
        return []
    from .hook import Telemetry

    plugins: list[Any] = [Telemetry(settings, api_schema, metric_operations)]
    if settings.tracing:
        from .tracing import Tracing, tracer

        plugins.append(Tracing(tracer()))
    return plugins
