"""Several processes opening one new SQLite file at once (the workers of `bff serve --workers N` with a
SQLite usage store or registry) all succeed: switching to WAL does not wait on the busy timeout by itself,
and one of them used to fail with "database is locked"."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from discovery.store.sqlite import SqliteStore


def _open(path: str, barrier: object, results: object) -> None:
    barrier.wait()  # type: ignore[attr-defined]
    try:
        SqliteStore(path).current_version()
        results.put("ok")  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(repr(exc))  # type: ignore[attr-defined]


def test_processes_opening_a_new_file_at_once_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    failures = []
    for round_ in range(12):
        path = str(tmp_path / f"usage{round_}.db")
        barrier, results = context.Barrier(6), context.Queue()
        processes = [context.Process(target=_open, args=(path, barrier, results)) for _ in range(6)]
        for p in processes:
            p.start()
        outcomes = [results.get(timeout=30) for _ in processes]
        for p in processes:
            p.join(10)
        failures += [o for o in outcomes if o != "ok"]
    assert failures == []
