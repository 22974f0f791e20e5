"""Gateway settings, with production-safe defaults.

`bff dev` turns on the developer conveniences (introspection, field
suggestions); everything else starts locked down.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
