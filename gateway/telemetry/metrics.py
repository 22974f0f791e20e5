"""Metrics: CloudWatch Embedded Metric Format lines on stdout (Lambda) or Prometheus text (/metrics).

EMF costs one `write` per request and no network call: CloudWatch extracts the
metrics from the log. Prometheus keeps counters and histograms in memory, no
dependency; one process-wide registry survives gateway rebuilds (registry switch).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import IO, Any

import orjson

NAMESPACE = "bff"
BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


OTHER = "other"


def _op(obs: Any) -> str:
    return obs.label or obs.operation.name or "anonymous"


class OperationLabels:
    """Which operation names may become a metric label (a Prometheus series, an EMF dimension).

    Only operations that ran (a persisted one, or a document that passed the limits and validated)
    and only the first `cap` distinct names; every other request is counted under "other". A
    client-sent `operationName` alone never creates a series: 3,000 made a 99 MB exposition.
    """

    def __init__(self, cap: int = 100) -> None:
        self.cap = cap
        self.known: set[str] = set()

    def label(self, name: str | None, ran: bool) -> str:
        if not ran:
            return OTHER
        name = name or "anonymous"
        if name in self.known:
            return name
        if len(self.known) < self.cap:
            self.known.add(name)
            return name
        return OTHER


class EmfMetrics:
    """One EMF line per request (operation dimension), plus one per subgraph it called."""

    def __init__(self, stream: IO[str] | None = None, namespace: str = NAMESPACE) -> None:
        self.stream = stream
        self.namespace = namespace
        self._directives: dict[str, list[Any]] = {}

    def observe(self, obs: Any) -> None:
        now = int(time.time() * 1000)
        lines = [self._line(now, "operation", _op(obs), {
            "requests": (1, "Count"), "latency": (obs.duration_ms, "Milliseconds"),
            "errors": (1 if obs.error_codes else 0, "Count")})]
        by_service: dict[str, list[Any]] = {}
        for call in obs.subgraphs:
            by_service.setdefault(call.service, []).append(call)
        for service, calls in by_service.items():
            lines.append(self._line(now, "subgraph", service, {
                "subgraph_requests": (len(calls), "Count"),
                "subgraph_latency": ([round(c.ms, 3) for c in calls], "Milliseconds"),
                "subgraph_errors": (sum(1 for c in calls if not c.ok), "Count")}))
        (self.stream or sys.stdout).write("".join(lines))

    def _line(self, now: int, dimension: str, value: str, metrics: dict[str, tuple[Any, str]]) -> str:
        directive = self._directives.get(dimension)
        if directive is None:  # the same for every line of a dimension: built once
            directive = self._directives[dimension] = [{
                "Namespace": self.namespace, "Dimensions": [[dimension]],
                "Metrics": [{"Name": n, "Unit": unit} for n, (_, unit) in metrics.items()]}]
        doc: dict[str, Any] = {"_aws": {"Timestamp": now, "CloudWatchMetrics": directive}, dimension: value}
        for n, (v, _) in metrics.items():
            doc[n] = v
        return orjson.dumps(doc).decode() + "\n"


class _Histogram:
    __slots__ = ("counts", "total", "count")

    def __init__(self) -> None:
        self.counts = [0] * len(BUCKETS_S)
        self.total = 0.0
        self.count = 0

    def add(self, seconds: float) -> None:
        for i, bound in enumerate(BUCKETS_S):
            if seconds <= bound:
                self.counts[i] += 1
                break
        self.total += seconds
        self.count += 1


class PrometheusMetrics:
    """Counters and histograms per operation and per subgraph, exposed as Prometheus text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.latency: dict[str, _Histogram] = {}
        self.sub_requests: dict[str, int] = {}
        self.sub_errors: dict[str, int] = {}
        self.sub_latency: dict[str, _Histogram] = {}

    def observe(self, obs: Any) -> None:
        op = _op(obs)
        with self._lock:
            self.requests[op] = self.requests.get(op, 0) + 1
            if obs.error_codes:
                self.errors[op] = self.errors.get(op, 0) + 1
            self.latency.setdefault(op, _Histogram()).add(obs.duration_ms / 1000.0)
            for call in obs.subgraphs:
                s = call.service
                self.sub_requests[s] = self.sub_requests.get(s, 0) + 1
                if not call.ok:
                    self.sub_errors[s] = self.sub_errors.get(s, 0) + 1
                self.sub_latency.setdefault(s, _Histogram()).add(call.ms / 1000.0)

    def text(self) -> str:
        """The exposition (text format 0.0.4)."""
        out: list[str] = []
        with self._lock:
            _counter(out, "bff_requests_total", "GraphQL requests", "operation", self.requests)
            _counter(out, "bff_request_errors_total", "GraphQL requests with errors", "operation", self.errors)
            _histogram(out, "bff_request_duration_seconds", "Request duration", "operation", self.latency)
            _counter(out, "bff_subgraph_requests_total", "Subgraph fetches", "subgraph", self.sub_requests)
            _counter(out, "bff_subgraph_errors_total", "Subgraph fetches that failed or had errors", "subgraph",
                     self.sub_errors)
            _histogram(out, "bff_subgraph_duration_seconds", "Subgraph fetch duration", "subgraph", self.sub_latency)
        return "\n".join(out) + "\n"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _counter(out: list[str], name: str, help_: str, label: str, values: dict[str, int]) -> None:
    out += [f"# HELP {name} {help_}", f"# TYPE {name} counter"]
    out += [f'{name}{{{label}="{_label(k)}"}} {v}' for k, v in sorted(values.items())]


def _histogram(out: list[str], name: str, help_: str, label: str, values: dict[str, _Histogram]) -> None:
    out += [f"# HELP {name} {help_}", f"# TYPE {name} histogram"]
    for key, h in sorted(values.items()):
        lv = _label(key)
        running = 0
        for bound, n in zip(BUCKETS_S, h.counts, strict=False):
            running += n
            out.append(f'{name}_bucket{{{label}="{lv}",le="{bound}"}} {running}')
        out.append(f'{name}_bucket{{{label}="{lv}",le="+Inf"}} {h.count}')
        out.append(f'{name}_sum{{{label}="{lv}"}} {h.total}')
        out.append(f'{name}_count{{{label}="{lv}"}} {h.count}')


_PROMETHEUS: PrometheusMetrics | None = None


def prometheus() -> PrometheusMetrics:
    """The process-wide Prometheus registry (created on first use)."""
    global _PROMETHEUS
    if _PROMETHEUS is None:
        _PROMETHEUS = PrometheusMetrics()
    return _PROMETHEUS


def prometheus_text() -> str | None:
    """The /metrics body, or None when Prometheus metrics are off in this process."""
    return _PROMETHEUS.text() if _PROMETHEUS is not None else None
