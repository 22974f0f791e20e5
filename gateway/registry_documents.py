"""Trusted documents read from the registry: a DocumentStore for `trusted_documents_only`.

Scoping rule: a document registered for client NAME at version V runs only for
requests whose apollographql-client-name is NAME and apollographql-client-version
is exactly V (each app build registers its own manifest; a request without both
headers runs nothing). `get(sha256)` (hash only, any client) serves APQ-style
lookups outside trusted mode.

Reads go through the registry (`document` / `client_document`) behind an
in-process LRU: found documents are kept (a hash names one text forever),
misses and registry failures for `miss_ttl` seconds, so a flood of unknown
hashes costs at most one registry read per hash per TTL. A registry that cannot
answer refuses the document (fail closed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from .lru import LRU

logger = logging.getLogger("bff.documents")


class RegistryDocumentStore:
    """Documents by hash (and by client) from a registry: `open_registry(url)` or a URL opened on first use."""

    def __init__(self, source: Any, *, miss_ttl: float = 10.0, maxsize: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._source = source
        self.miss_ttl = miss_ttl
        self._clock = clock
        self._cache: LRU[tuple[str | None, float]] = LRU(maxsize)

    @property
    def source(self) -> Any:
        if isinstance(self._source, str):
            from discovery import open_registry

            self._source = open_registry(self._source)
        return self._source

    def get(self, sha256: str) -> str | None:
        return self._lookup(("", "", sha256), lambda: self.source.document(sha256))

    def registered(self, sha256: str) -> bool:
        """Whether any client registered this document (to explain a miss for another client)."""
        return self.get(sha256) is not None

    def for_client(self, sha256: str, headers: Mapping[str, str]) -> str | None:
        name = headers.get("apollographql-client-name")
        version = headers.get("apollographql-client-version")
        if not name or not version:
            return None
        return self._lookup((name, version, sha256), lambda: self.source.client_document(name, version, sha256))

    def _lookup(self, key: tuple[str, str, str], read: Callable[[], str | None]) -> str | None:
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and (cached[0] is not None or cached[1] > now):
            return cached[0]
        try:
            document = read()
        except Exception as exc:  # registry down: refuse (fail closed), and do not ask again before the TTL
            logger.warning("trusted documents: registry lookup failed (%s)", exc)
            document = None
        self._cache.put(key, (document, now + self.miss_ttl))
        return document
