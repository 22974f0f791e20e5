"""Persisted documents: Automatic Persisted Queries and trusted documents.

APQ (Apollo's `persistedQuery` extension, version 1) saves bandwidth: a client
sends the sha256 of its document; an unknown hash answers PersistedQueryNotFound
so the client resends hash + document, which is verified and remembered in a
bounded store. Trusted-documents mode is a security control: only documents
registered ahead of time (a JSON manifest read by `bff_common.documents`, or the
registry) run at all.

`resolve_query` turns a request into the document text to run; it is one dict
lookup for a hash-only request and one sha256 for a document in trusted mode.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Protocol

from bff_common.documents import sha256_hex

from ..lru import LRU
from .prepare import RequestError

APQ_VERSION = 1


class DocumentStore(Protocol):
    """Where persisted documents are looked up by their sha256 (hex); a registry can implement it."""

    def get(self, sha256: str) -> str | None: ...


class MemoryDocumentStore(LRU[str]):
    """A bounded LRU of documents by hash: the APQ store by default (bounded by entries and bytes)."""

    def __init__(self, maxsize: int = 1000, maxbytes: int | None = 20_000_000) -> None:
        super().__init__(maxsize, maxbytes)

    def put(self, key: Hashable, value: str, size: int = 0) -> None:
        super().put(key, value, size or len(value) + 120)  # text plus the key and entry overhead


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
            digest = sha256_hex(query)
            if _trusted(trusted, digest, request) is None:
                raise _not_in_list(_miss(trusted, digest, request, "the document sent"))
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
    document: str | None
    if hasattr(trusted, "for_client"):  # TrustedDocuments, gateway.registry_documents.RegistryDocumentStore
        document = trusted.for_client(sha256, request.headers)
    else:  # a mapping of hash -> document
        document = trusted.get(sha256)
    return document


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


def _error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}
