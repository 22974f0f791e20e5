"""SQLite registry store: embedded, the default for local runs (`sqlite:///PATH`).

WAL mode so gateways can read while a publish writes; each commit runs in a
`BEGIN IMMEDIATE` transaction that checks the version first, so concurrent
publishers (threads or processes) serialize and the loser gets VersionConflict.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ..model import Commit, HistoryEvent, Service, Snapshot, StoredSupergraph
from ..usage import UsageRow
from .base import DocumentEntry, RegistryNotFound, Store, StoreUnavailable, VersionConflict

# The default registry's folder (sqlite:///.bff/registry.db): the one directory made when a registry is created.
DEFAULT_DIR = ".bff"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS graph (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    supergraph TEXT,
    updated_at TEXT NOT NULL,
    contracts TEXT
);
INSERT OR IGNORE INTO graph (id, version, supergraph, updated_at) VALUES (1, 0, NULL, '');
CREATE TABLE IF NOT EXISTS services (
    name TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL,
    sdl TEXT NOT NULL,
    lookups TEXT,
    api_key_ref TEXT,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL,
    revision INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    version INTEGER PRIMARY KEY,
    service TEXT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    summary TEXT NOT NULL,
    endpoint TEXT
);
CREATE TABLE IF NOT EXISTS field_usage (
    day TEXT NOT NULL,
    coordinate TEXT NOT NULL,
    client TEXT NOT NULL,
    client_version TEXT NOT NULL,
    count INTEGER NOT NULL,
    contract TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (day, coordinate, client, client_version, contract)
);
CREATE TABLE IF NOT EXISTS documents (
    sha256 TEXT PRIMARY KEY,
    document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS client_documents (
    client TEXT NOT NULL,
    client_version TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES documents (sha256),
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (client, client_version, sha256)
);
"""


def _wal(db: sqlite3.Connection, deadline: float) -> None:
    """Switch to WAL, waiting out other processes doing the same. Changing the journal mode does not
    wait on the busy timeout: two processes opening a new file at once (`bff serve --workers 2` with a
    SQLite usage store) had one of them fail with "database is locked"."""
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


class SqliteStore(Store):
    """One database file; one connection per thread (sqlite3 connections are not shared)."""

    def __init__(self, path: str | Path, timeout: float = 10.0, *, create: bool = True) -> None:
        """Open the registry in `path`; with `create` make it when missing. A missing directory is a
        ValueError either way (a mistyped path must not become an empty registry), except `.bff`."""
        self.path = str(path)
        self.timeout = timeout
        self._local = threading.local()
        self._create = create
        if self.path != ":memory:":
            file = Path(self.path)
            if not file.parent.is_dir():
                if file.parent != Path(DEFAULT_DIR):
                    raise ValueError(f"no directory {str(file.parent)!r} for the SQLite registry {self.path!r}")
                if create:
                    file.parent.mkdir()
            if not create and not file.exists():
                return  # reads and writes raise RegistryNotFound until someone creates it
        with self._connect() as db:
            db.executescript(_SCHEMA)  # creates the tables, and adds ones a newer version introduced
            _migrate(db)

    @staticmethod
    def path_of(url: str) -> str:
        """The file a `sqlite:///relative/path.db` or `sqlite:////absolute/path.db` URL names."""
        parts = urlsplit(url)
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if parts.netloc or not path:
            raise ValueError(f"bad SQLite registry URL {url!r}: use sqlite:///PATH")
        return path

    @classmethod
    def from_url(cls, url: str, *, create: bool = False) -> "SqliteStore":
        """The store at `url` (see path_of); `?create=1` (or `create`) makes it when it does not exist yet."""
        path = cls.path_of(url)
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(query) - {"create"}
        if unknown:
            raise ValueError(f"unknown SQLite registry option(s) {', '.join(sorted(unknown))} in {url!r}")
        return cls(path, create=create or query.get("create") in ("1", "true", "yes"))

    def _connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            if not self._create and self.path != ":memory:" and not Path(self.path).exists():
                raise RegistryNotFound(f"no registry at sqlite:///{self.path}: create one with "
                                       f"`bff registry init sqlite:///{self.path}` (or `bff publish --create`)")
            try:
                db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
                _wal(db, time.monotonic() + self.timeout)
                db.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"cannot open the SQLite registry {self.path}: {exc}") from None
            self._local.db = db
        return db

    def current_version(self) -> int:
        return self._read(lambda db: db.execute("SELECT version FROM graph WHERE id = 1").fetchone()[0])

    def supergraph(self) -> StoredSupergraph:
        row = self._read(lambda db: db.execute("SELECT version, supergraph, contracts FROM graph WHERE id = 1")
                         .fetchone())
        return StoredSupergraph(row[0], row[1], row[2])

    def snapshot(self) -> Snapshot:
        def read(db: sqlite3.Connection) -> Snapshot:
            db.execute("BEGIN")  # one read transaction: version, services and supergraph agree
            try:
                version, supergraph, contracts = db.execute(
                    "SELECT version, supergraph, contracts FROM graph WHERE id = 1").fetchone()
                rows = db.execute("SELECT name, endpoint, sdl, lookups, api_key_ref, published_by, published_at, "
                                  "revision FROM services ORDER BY name").fetchall()
            finally:
                db.execute("COMMIT")
            services = {r[0]: Service(r[0], r[1], r[2], json.loads(r[3]) if r[3] else None, r[4], r[5], r[6], r[7])
                        for r in rows}
            return Snapshot(version, services, supergraph, contracts)

        return self._read(read)

    def history(self, service: str | None = None) -> list[HistoryEvent]:
        sql = "SELECT version, service, action, actor, at, summary, endpoint FROM history"
        args: tuple = ()
        if service is not None:
            sql += " WHERE service = ?"
            args = (service,)
        rows = self._read(lambda db: db.execute(sql + " ORDER BY version", args).fetchall())
        return [HistoryEvent(*row) for row in rows]

    def commit(self, change: Commit) -> None:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"the SQLite registry is locked or unavailable: {exc}") from None
        try:
            (version,) = db.execute("SELECT version FROM graph WHERE id = 1").fetchone()
            if version != change.expected_version:
                raise VersionConflict(f"graph is at version {version}, expected {change.expected_version}")
            new = change.new_version
            db.execute("UPDATE graph SET version = ?, supergraph = ?, updated_at = ?, contracts = ? WHERE id = 1",
                       (new, change.supergraph, change.event.at, change.contracts))
            if change.upsert is not None:
                s = change.upsert
                db.execute("INSERT OR REPLACE INTO services VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (s.name, s.endpoint, s.sdl, json.dumps(s.lookups) if s.lookups is not None else None,
                            s.api_key_ref, s.published_by, s.published_at, new))
            if change.remove is not None:
                db.execute("DELETE FROM services WHERE name = ?", (change.remove,))
            e = change.event
            db.execute("INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (new, e.service, e.action, e.actor, e.at, e.summary, e.endpoint))
            db.execute("COMMIT")
        except BaseException as exc:
            db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreUnavailable(f"SQLite registry write failed: {exc}") from None
            raise

    def record_usage(self, day: str, counts: dict[tuple[str, ...], int]) -> None:
        rows = [(day, key[0], key[1], key[2], n, key[3] if len(key) > 3 else "") for key, n in counts.items()]
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO field_usage VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (day, coordinate, client, "
                           "client_version, contract) DO UPDATE SET count = count + excluded.count", rows)
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StoreUnavailable(f"SQLite usage write failed: {exc}") from None

    def usage(self, since_day: str, coordinate: str | None = None) -> list[UsageRow]:
        sql = "SELECT day, coordinate, client, client_version, count, contract FROM field_usage WHERE day >= ?"
        args: tuple = (since_day,)
        if coordinate is not None:
            sql += " AND (coordinate = ? OR substr(coordinate, 1, ?) IN (?, ?))"
            args += (coordinate, len(coordinate) + 1, coordinate + ".", coordinate + "(")
        rows = self._read(lambda db: db.execute(sql + " ORDER BY day, coordinate, client", args).fetchall())
        return [UsageRow(*row) for row in rows]

    # -- trusted documents --------------------------------------------------------------

    def put_documents(self, client: str, version: str, documents: dict[str, str], published_by: str, at: str) -> int:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR IGNORE INTO documents VALUES (?, ?)", list(documents.items()))
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO client_documents VALUES (?, ?, ?, ?, ?)",
                           [(client, version, sha, published_by, at) for sha in documents])
            added = db.total_changes - before
            db.execute("COMMIT")
            return added
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StoreUnavailable(f"SQLite documents write failed: {exc}") from None

    def document(self, sha256: str) -> str | None:
        row = self._read(lambda db: db.execute("SELECT document FROM documents WHERE sha256 = ?", (sha256,)).fetchone())
        return row[0] if row else None

    def client_document(self, client: str, version: str, sha256: str) -> str | None:
        row = self._read(lambda db: db.execute(
            "SELECT d.document FROM client_documents c JOIN documents d USING (sha256) "
            "WHERE c.client = ? AND c.client_version = ? AND c.sha256 = ?", (client, version, sha256)).fetchone())
        return row[0] if row else None

    def documents(self, client: str | None = None) -> list[DocumentEntry]:
        sql = "SELECT client, client_version, sha256, published_by, published_at FROM client_documents"
        args: tuple = () if client is None else (client,)
        if client is not None:
            sql += " WHERE client = ?"
        rows = self._read(lambda db: db.execute(sql + " ORDER BY client, client_version, sha256", args).fetchall())
        return [DocumentEntry(*row) for row in rows]

    def _read(self, fn):
        try:
            return fn(self._connect())
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"SQLite registry read failed: {exc}") from None

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def _migrate(db: sqlite3.Connection) -> None:
    """A registry made before contracts: the graph gets its contracts column, field usage its contract key."""
    if "contracts" not in {row[1] for row in db.execute("PRAGMA table_info(graph)")}:
        db.execute("ALTER TABLE graph ADD COLUMN contracts TEXT")
    if "contract" not in {row[1] for row in db.execute("PRAGMA table_info(field_usage)")}:
        db.executescript("""
            BEGIN IMMEDIATE;
            ALTER TABLE field_usage RENAME TO field_usage_before_contracts;
            CREATE TABLE field_usage (day TEXT NOT NULL, coordinate TEXT NOT NULL, client TEXT NOT NULL,
                client_version TEXT NOT NULL, count INTEGER NOT NULL, contract TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (day, coordinate, client, client_version, contract));
            INSERT INTO field_usage SELECT day, coordinate, client, client_version, count, ''
                FROM field_usage_before_contracts;
            DROP TABLE field_usage_before_contracts;
            COMMIT;""")
