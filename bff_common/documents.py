"""Trusted-document manifests and document ids (the sha256 of the text, in hex).

The gateway runs only the documents of a manifest in trusted mode
(gateway/operation/persisted.py); `bff documents publish` registers a manifest's
documents in the registry (discovery/documents_cli.py). Both read it here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


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
