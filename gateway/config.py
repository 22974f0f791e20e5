"""Gateway settings, with production-safe defaults.

`bff dev` turns on the developer conveniences (introspection, field
suggestions); everything else starts locked down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .operation.limits import OperationLimits


@dataclass(slots=True)
class GatewayConfig:
    # Introspection (__schema, __type) answered from the API schema.
    introspection: bool = False
    # Seconds before a subgraph request is abandoned (its fields become null with an error).
    subgraph_timeout: float = 30.0
    # Bounded LRU of prepared operations (parsed, validated, planned).
    plan_cache_size: int = 1024
    # Override a subgraph's URL from the supergraph: {"accounts": "http://127.0.0.1:4001/graphql"}.
    subgraph_urls: dict[str, str] = field(default_factory=dict)
    # Largest request body the HTTP layer accepts, in bytes.
    max_body_bytes: int = 1_000_000
    # The API key sent as X-API-Key to each subgraph, as a secret reference per subgraph
    # name ({"accounts": "ssm:/bff/keys/accounts"}; see gateway/secrets.py). Resolved once.
    subgraph_api_keys: dict[str, str] = field(default_factory=dict)
    # Operation limits (size, tokens, depth, aliases, root fields, directives, cost), checked
    # before planning; on by default. `OperationLimits.off()` disables them all.
    limits: OperationLimits = field(default_factory=OperationLimits)
    # "Did you mean ...?" hints in validation errors: they reveal the schema, so off by default.
    field_suggestions: bool = False
    # Automatic Persisted Queries: documents remembered by sha256 in a bounded in-memory LRU.
    apq: bool = True
    apq_cache_size: int = 1000
    # Trusted documents: only registered documents run (a JSON manifest of sha256 -> document,
    # see operation/persisted.py), or a DocumentStore (e.g. the registry) in `document_store`.
    trusted_documents_only: bool = False
    trusted_documents: str | None = None
    document_store: Any = None
    # Subgraph errors passed through verbatim: subgraph names, or "*" for all. Others are masked
    # ("Unexpected error in subgraph", code SUBGRAPH_ERROR, requestId) unless their code is listed
    # in `exposed_error_codes`. The default passes everything (see `production()`).
    expose_subgraph_errors: frozenset[str] | str = "*"
    exposed_error_codes: frozenset[str] = frozenset({"BAD_USER_INPUT", "FORBIDDEN", "UNAUTHENTICATED", "NOT_FOUND"})

    @classmethod
    def production(cls, **overrides: Any) -> "GatewayConfig":
        """Settings for a public endpoint: subgraph errors masked, introspection and field
        suggestions off, operation limits on (the defaults)."""
        settings: dict[str, Any] = {"introspection": False, "field_suggestions": False,
                                    "expose_subgraph_errors": frozenset(), "limits": OperationLimits()}
        settings.update(overrides)
        return cls(**settings)
