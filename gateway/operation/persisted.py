"""Persisted documents: Automatic Persisted Queries and trusted documents.

APQ (Apollo's `persistedQuery` extension, version 1) saves bandwidth: a client
sends the sha256 of its document; an unknown hash answers PersistedQueryNotFound
so the client resends hash + document, which is verified and remembered in a
bounded store. Trusted-documents mode is a security control: only documents
registered ahead of time (a JSON manifest, later the registry) run at all.

`resolve_query` turns a request into the document text to run; it is one dict
lookup for a hash-only request and one sha256 for a document in trusted mode.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping, Protocol

from ..lru import LRU

from .prepare import RequestError

APQ_VERSION = 1


class DocumentStore(Protocol):
    """Where persisted documents are looked up by their sha256 (hex); a registry can implement it."""

    def get(self, sha256: str) -> str | None: ...


class MemoryDocumentStore(LRU[str]):
    """A bounded LRU of documents by hash: the APQ store by default."""

    def __init__(self, maxsize: int = 1000) -> None:
        super().__init__(maxsize)


class TrustedDocuments:
    """Registered documents, shared or per client (`name` or `name/version`, from the
    apollographql-client-name / -version headers)."""

    def __init__(self, shared: Mapping[str, str], by_client: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.shared = dict(shared)
        self.by_client = {k: dict(v) for k, v in (by_client or {}).items()}

    def get(self, sha256: str) -> str | None:
        return self.shared.get(sha256)

    def for_client(self, sha256: str, headers: Mapping[str, str]) -> str | None:
        document = self.shared.get(sha256)
        if document is not None or not self.by_client:
            return document
        name = headers.get("apollographql-client-name")
        if not name:
            return None
        version = headers.get("apollographql-client-version")
        for key in ((f"{name}/{version}",) if version else ()) + (name,):
            document = self.by_client.get(key, {}).get(sha256)
            if document is not None:
                return document
        return None

    def registered(self, sha256: str) -> bool:
        """Whether any client (or the shared section) registered this document."""
        return sha256 in self.shared or any(sha256 in docs for docs in self.by_client.values())


def load_manifest(path: str | Path) -> TrustedDocuments:
    """Read a trusted-documents manifest.

    Accepted shapes: `{"<sha256>": "<document>", ...}`; the same with client
    sections `{"<sha256>": ..., "clients": {"web/1.2": {"<sha256>": ...}}}`; and
    Apollo's persisted query manifest (`{"format": "apollo-persisted-query-manifest",
    "operations": [{"id": ..., "body": ...}]}`). Every hash is checked against its document.
    """
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a trusted-documents manifest is a JSON object")
    if data.get("format") == "apollo-persisted-query-manifest":
        shared = {op["id"]: op["body"] for op in data.get("operations", [])}
        clients: dict[str, Any] = {}
    else:
        clients = data.get("clients") or {}
        shared = {k: v for k, v in data.items() if k != "clients"}
    for section in [shared, *clients.values()]:
        for sha256, document in section.items():
            if not isinstance(document, str) or sha256_hex(document) != sha256.lower():
                raise ValueError(f"{path}: the document registered as {sha256} does not have that sha256")
    return TrustedDocuments(shared, clients)


def sha256_hex(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def resolve_query(request: Any, apq: MemoryDocumentStore | None, trusted: Any, trusted_only: bool) -> tuple[str | None, str | None]:
    """The document to run and, when it must be remembered after it validates, its hash.

    Returns (query, hash_to_store). Raises RequestError for an unknown hash, a
    hash that does not match the document, or (trusted mode) an unregistered document.
    """
    query = request.query
    extensions = request.extensions
    persisted = extensions.get("persistedQuery") if extensions else None
    if persisted is None:
        if trusted_only and isinstance(query, str):
            sha256 = sha256_hex(query)
            if _trusted(trusted, sha256, request) is None:
                raise _not_in_list(_miss(trusted, sha256, request, "the document sent"))
        return query, None
    if not isinstance(persisted, dict) or persisted.get("version") != APQ_VERSION:
        raise RequestError([_error("Unsupported persisted query version: send extensions.persistedQuery "
                                   "with version 1 and sha256Hash.", "PERSISTED_QUERY_NOT_SUPPORTED")])
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or len(sha256) != 64:
        raise RequestError([_error("extensions.persistedQuery.sha256Hash must be a sha256 in hex.",
                                   "PERSISTED_QUERY_HASH_MISMATCH")])
    sha256 = sha256.lower()
    if trusted_only:
        document = _trusted(trusted, sha256, request)
        if document is None:
            raise _not_in_list(_miss(trusted, sha256, request, sha256))
        if query and query != document:
            raise _mismatch()
        return document, None
    if query:
        if sha256_hex(query) != sha256:
            raise _mismatch()
        return query, (sha256 if apq is not None else None)
    document = trusted.get(sha256) if trusted is not None else None
    if document is None and apq is not None:
        document = apq.get(sha256)
    if document is None:
        if apq is None:
            raise RequestError([_error("PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED")])
        raise RequestError([_error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")])
    return document, None


def _trusted(trusted: Any, sha256: str, request: Any) -> str | None:
    if trusted is None:
        return None
    if hasattr(trusted, "for_client"):  # TrustedDocuments, gateway.registry_documents.RegistryDocumentStore
        return trusted.for_client(sha256, request.headers)
    return trusted.get(sha256)


def _miss(trusted: Any, sha256: str, request: Any, what: str) -> str:
    """Why a trusted-mode lookup failed: not registered at all, or registered for another client
    (which one is not said: the registry's contents are not the caller's business)."""
    registered = getattr(trusted, "registered", None)
    if registered is None or not registered(sha256):
        return f"This gateway runs only trusted documents: {what} is not registered."
    headers = request.headers or {}
    if not headers.get("apollographql-client-name") or not headers.get("apollographql-client-version"):
        return (f"This gateway runs only trusted documents: {what} is registered for a client; send the "
                "apollographql-client-name and apollographql-client-version headers of the build that registered it.")
    return (f"This gateway runs only trusted documents: {what} is registered for another client name or version "
            "than this request's apollographql-client-name / apollographql-client-version.")


def _not_in_list(message: str) -> RequestError:
    return RequestError([_error(message, "PERSISTED_QUERY_NOT_IN_LIST")])


def _mismatch() -> RequestError:
    return RequestError([_error("The document's sha256 does not match extensions.persistedQuery.sha256Hash.",
                                "PERSISTED_QUERY_HASH_MISMATCH")])


def _error(message: str, code: str) -> dict:
    return {"message": message, "extensions": {"code": code}}
