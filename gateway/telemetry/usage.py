"""Client field usage: which schema coordinates each client's operations select.

Coordinates are worked out once per prepared operation (from the validated
document and the API schema), counted per request in memory, and written to
the registry store in batches by a background thread: never while a response
waits. A timer thread (started with the first count) writes pending counts
every `flush_seconds`, so `bff usage` and the usage-aware breaking-change check
see a quiet gateway's traffic too; a request that crosses the interval also
starts a flush (on Lambda the timer is frozen between invocations).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger("bff.telemetry")


def operation_coordinates(schema: Any, document: Any, operation_name: str | None) -> tuple[str | None, tuple[str, ...]] | None:
    """(operation name, sorted coordinates "Type.field" / "Type.field(arg:)") of a prepared document's operation."""
    from graphql import TypeInfo, TypeInfoVisitor, Visitor, visit

    operations = document.operations
    if operation_name is not None:
        operation = operations.get(operation_name)
    else:
        operation = next(iter(operations.values())) if len(operations) == 1 else None
    if operation is None:
        return None
    found: set[str] = set()
    info = TypeInfo(schema)

    class Collect(Visitor):
        def enter_field(self, node: Any, *_: Any) -> None:
            parent = info.get_parent_type()
            name = node.name.value
            if parent is None or name.startswith("__"):
                return
            found.add(f"{parent.name}.{name}")
            for argument in node.arguments or ():
                found.add(f"{parent.name}.{name}({argument.name.value}:)")

    visitor = TypeInfoVisitor(info, Collect())
    visit(operation, visitor)
    seen: set[str] = set()
    pending = _spreads(operation)
    while pending:  # fragments used by the operation (validated: no cycles, all defined)
        name = pending.pop()
        if name in seen or name not in document.fragments:
            continue
        seen.add(name)
        fragment = document.fragments[name]
        visit(fragment, TypeInfoVisitor(info, Collect()))
        pending.extend(_spreads(fragment))
    return (operation.name.value if operation.name else None), tuple(sorted(found))


def _spreads(node: Any) -> list[str]:
    from graphql import FragmentSpreadNode, Visitor, visit

    names: list[str] = []

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            names.append(spread.name.value)

    visit(node, Spreads())
    return names


class UsageRecorder:
    """Counts (client, version, coordinate) in memory; flushes them to a store off the request path."""

    def __init__(self, store: Any, flush_seconds: float = 10.0, clock: Any = time.monotonic) -> None:
        self.store = store
        self.flush_seconds = flush_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, ...], int] = {}
        self._last_flush = clock()
        self._flushing: threading.Thread | None = None
        self._write_lock = threading.Lock()  # one store write at a time (timer, request, shutdown)
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None

    @classmethod
    def for_url(cls, url: str, flush_seconds: float = 10.0) -> UsageRecorder:
        from discovery import open_usage_store

        return cls(open_usage_store(url), flush_seconds)

    def count(self, client: str, version: str, coordinates: tuple[str, ...], contract: str = "") -> None:
        """One request's coordinates; `contract`: the contract it was served under ("" for none)."""
        with self._lock:
            counts = self._counts
            for c in coordinates:
                key = (c, client, version, contract) if contract else (c, client, version)
                counts[key] = counts.get(key, 0) + 1
        if self._timer is None:
            self._start_timer()
        if self._clock() - self._last_flush >= self.flush_seconds:
            self.flush_in_background()

    def flush_in_background(self) -> None:
        """Start a flush in a daemon thread unless one is running."""
        if self._flushing is not None and self._flushing.is_alive():
            return
        self._last_flush = self._clock()
        self._flushing = threading.Thread(target=self.flush, name="bff-usage-flush", daemon=True)
        self._flushing.start()

    def _start_timer(self) -> None:
        """The flush timer: a daemon thread holding only a weak reference (a dropped recorder ends it)."""
        with self._lock:
            if self._timer is not None:
                return
            self._timer = threading.Thread(target=_tick, args=(weakref.ref(self), self._stop, self.flush_seconds),
                                           name="bff-usage-timer", daemon=True)
        self._timer.start()

    def pending(self) -> bool:
        return bool(self._counts)

    def close(self) -> None:
        """Stop the timer and write what is pending (gateway shutdown)."""
        self._stop.set()
        self.flush()

    def flush(self) -> int:
        """Write the pending counts now (one batch per day); returns how many rows were written."""
        with self._write_lock:
            return self._flush()

    def _flush(self) -> int:
        with self._lock:
            batch, self._counts = self._counts, {}
        self._last_flush = self._clock()
        if not batch:
            return 0
        day = datetime.now(UTC).date().isoformat()
        try:
            self.store.record_usage(day, batch)
        except Exception:
            logger.warning("writing field usage failed; %d counts kept for the next flush", len(batch), exc_info=True)
            with self._lock:
                for key, n in batch.items():
                    self._counts[key] = self._counts.get(key, 0) + n
            return 0
        return len(batch)

    def wait(self, timeout: float = 10.0) -> None:
        """Wait for a background flush (tests, shutdown)."""
        if self._flushing is not None:
            self._flushing.join(timeout)


def _tick(ref: weakref.ref[UsageRecorder], stop: threading.Event, seconds: float) -> None:
    """The timer thread's loop: every `seconds`, flush the recorder if it has counts; ends on stop or when
    the recorder is gone."""
    while not stop.wait(seconds):
        recorder = ref()
        if recorder is None:
            return
        if recorder.pending():
            recorder.flush()
        del recorder
