"""Gateway settings, with production-safe defaults.

`bff dev` turns on the developer conveniences (introspection, field
suggestions); everything else starts locked down. Users set these through
bff.yaml, `BFF_*` variables and flags (build.py maps them here; a test checks
that every field below is reachable from the file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..operation.limits import OperationLimits


@dataclass(slots=True)
class GatewayConfig:
    # Introspection (__schema, __type) answered from the API schema.
    introspection: bool = False
    # Seconds before a subgraph request is abandoned (its fields become null with an error).
    subgraph_timeout: float = 30.0
    # On Lambda, every subgraph fetch also ends this many seconds before the invocation's own end
    # (context.get_remaining_time_in_millis()), so partial data is answered instead of a Lambda timeout.
    deadline_margin: float = 1.0
    # On its first request, invoke every other lambda: subgraph once (GET /health) in parallel, so a
    # fully cold query pays one wave of service cold starts rather than one per plan step.
    warm_lambda_subgraphs: bool = True
    # Bounded LRU of prepared operations (parsed, validated, planned).
    plan_cache_size: int = 1024
    # Byte budget of each of the document and plan caches (estimated from document sizes), so big
    # documents cannot grow the process past its memory however few entries there are.
    cache_max_bytes: int = 32_000_000
    # Refused documents (parse, limits, validation errors) remembered by digest.
    refused_cache_size: int = 4096
    # A new document at least this long (characters) is parsed and validated in a worker thread,
    # so /health and small requests do not wait behind it on the event loop.
    validate_in_thread_chars: int = 256
    # Override a subgraph's URL from the supergraph: {"accounts": "http://127.0.0.1:4001/graphql"}.
    subgraph_urls: dict[str, str] = field(default_factory=dict)
    # Largest request body the HTTP layer accepts, in bytes.
    max_body_bytes: int = 1_000_000
    # `bff serve`: seconds a client has to send a request's headers, then its body, before the
    # connection is closed (uvicorn has no such timeouts; see http/read_timeouts.py).
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    # The API key sent as X-API-Key to each subgraph, as a secret reference per subgraph
    # name ({"accounts": "ssm:/bff/keys/accounts"}; see bff_common/secrets.py). Resolved once.
    subgraph_api_keys: dict[str, str] = field(default_factory=dict)
    # Operation limits (size, tokens, depth, aliases, root fields, directives, cost), checked
    # before planning; on by default. `OperationLimits.off()` disables them all.
    limits: OperationLimits = field(default_factory=OperationLimits)
    # "Did you mean ...?" hints in validation errors: they reveal the schema, so off by default.
    field_suggestions: bool = False
    # Automatic Persisted Queries: documents remembered by sha256 in a bounded in-memory LRU.
    apq: bool = True
    apq_cache_size: int = 1000
    # APQ documents shared by every replica and Lambda container (gateway/shared_cache): a store URL,
    # dynamodb://TABLE[?region=R&endpoint=URL&timeout=S&create=1], behind the in-process LRU. None: each
    # process keeps its own. A slow or down store never fails a request (it counts as a miss).
    apq_shared_store: str | None = None
    apq_shared_ttl: float = 86400.0  # seconds a shared document is kept after it was last registered
    # Trusted documents: only registered documents run (a JSON manifest of sha256 -> document,
    # see operation/persisted.py), or a DocumentStore (e.g. the registry) in `document_store`.
    trusted_documents_only: bool = False
    trusted_documents: str | None = None
    document_store: Any = None
    # Telemetry (gateway/telemetry/): request logs, metrics, tracing, field usage, as a
    # telemetry.TelemetrySettings; None reads BFF_LOG_LEVEL, BFF_METRICS, BFF_TRACING, BFF_USAGE.
    telemetry: Any = None
    # Metrics: operation names that may become labels (the first N operations that ran; the rest
    # count as "other"), and a bearer token GET /metrics must carry (a secret reference, e.g.
    # "env:BFF_METRICS_TOKEN"; None leaves /metrics open, for a scraper on a private network).
    metrics_operations: int = 100
    metrics_token: str | None = None
    # Subgraph errors passed through verbatim: subgraph names, or "*" for all. Others are masked
    # ("Unexpected error in subgraph", code SUBGRAPH_ERROR, requestId) unless their code is listed
    # in `exposed_error_codes`. The default passes everything (see `production()`).
    expose_subgraph_errors: frozenset[str] | str = "*"
    exposed_error_codes: frozenset[str] = frozenset({"BAD_USER_INPUT", "FORBIDDEN", "UNAUTHENTICATED", "NOT_FOUND"})
    # Per-subgraph request timeouts in seconds ({"reviews": 2.5}); others use `subgraph_timeout`.
    subgraph_timeouts: dict[str, float] = field(default_factory=dict)
    # Retries of QUERY fetches (never mutations) on connection failures, timeouts and HTTP 502/503/504,
    # with exponential backoff and full jitter (execute/resilience.py). 0 turns retries off.
    subgraph_retries: int = 2
    retry_base_delay: float = 0.05
    retry_max_delay: float = 1.0
    # Retry queries that timed out too (off: a hanging subgraph would cost retries x timeout).
    retry_timeouts: bool = False
    # Circuit breaker per subgraph: open after this many consecutive failures (0: never), for
    # `breaker_open_seconds`, then one half-open probe.
    breaker_threshold: int = 5
    breaker_open_seconds: float = 10.0
    # Per-subgraph overrides of the two above, by subgraph name; keys left out take the global values.
    # Retries: {"reviews": {"max_retries": 4, "base_delay": 0.1, "max_delay": 2.0, "retry_timeouts": True}}
    # (resilience.RetryPolicy's fields); breaker: {"reviews": {"threshold": 1, "open_seconds": 30.0}}.
    retry_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    breaker_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The operator's log (logger "bff.subgraph"): at most one WARNING line per subgraph per this many
    # seconds about its failures, the next one counting those left out (circuit open/close always logged).
    subgraph_log_interval: float = 60.0
    # Client request headers forwarded to subgraphs: {subgraph name or "*": [name, or "prefix-*"]}.
    # None: execute/headers.py's DEFAULT_PROPAGATION (request ids and trace context; never Authorization).
    propagate_headers: dict[str, list[str]] | None = None
    # Subgraph response headers copied to the client's response: {subgraph name or "*": [name, or
    # "prefix-*"]}. None copied by default; Set-Cookie and Cache-Control are always merged (execute/headers.py);
    # hop-by-hop and framing headers (content-length, content-type, ...) never are.
    response_headers: dict[str, list[str]] = field(default_factory=dict)
    # Caps on what is forwarded: a header value over this many bytes is dropped, and headers past
    # the total are dropped (None: no cap). W3C baggage allows 8192 bytes.
    max_forwarded_header_bytes: int | None = 8192
    max_forwarded_headers_total_bytes: int | None = 16384
    # Full-text queries over GET (`?query=...`). Off in production (`production()`): a GET can be
    # triggered cross-site and cached by proxies; persisted queries (a sha256 in `extensions`) are
    # still served over GET. `bff serve --get-queries` turns them on (the GraphQL-over-HTTP audit).
    get_queries: bool = True
    # CSRF prevention: a GET that carries cookies or comes from a foreign Origin must carry one of
    # `csrf_preflight_headers` (or a non-simple Content-Type). See http/asgi.py.
    csrf_prevention: bool = True
    csrf_preflight_headers: tuple[str, ...] = ("x-apollo-operation-name", "apollo-require-preflight",
                                               "graphql-preflight")
    # CORS (http/cors.py): allowed origins (none by default; "*" only without credentials).
    cors_origins: tuple[str, ...] = ()
    cors_allow_credentials: bool = False
    cors_allow_headers: tuple[str, ...] = ("content-type", "authorization", "apollo-require-preflight",
                                           "x-apollo-operation-name", "graphql-preflight", "x-request-id",
                                           "traceparent", "tracestate")
    cors_max_age: int = 600
    # Batching: a JSON array of operations, answered as an array. 0 keeps batches refused.
    max_batch_size: int = 0
    # GraphiQL at GET /graphql (Accept: text/html), files under /ide/ (http/ide.py); `bff dev` turns it on.
    ide: bool = False
    # GraphiQL reads the schema by introspection; with introspection off it is served only when this is set.
    ide_without_introspection: bool = False
    # The query GraphiQL opens with; None: one built from the graph's first root field.
    ide_default_query: str | None = None
    # Field access control (gateway/access/README.md): "filter" answers denied fields with null and a
    # FORBIDDEN / UNAUTHENTICATED error, "reject" refuses the whole request.
    access_mode: str = "filter"
    # @policy names -> a rule as data ({"roles": [...]}, {"any_of": [...]}, {"owner": true}, ...;
    # gateway/access/policies.py) or a callable(principal) -> bool; a policy not listed here denies.
    access_policies: dict[str, Any] = field(default_factory=dict)
    # Secret (reference, see secrets.py) signing the caller's identity headers sent to subgraphs.
    identity_secret: str | None = None
    # User plugins from bff.yaml's `plugins`: [{"use": "module:Class", "options": {...}}], validated there
    # (shape, module imports); the request pipeline (gateway/pipeline/, docs/plugins.md) instantiates them
    # and runs them after the built-ins, in this order. From Python, plugin instances are accepted too.
    plugins: list[Any] = field(default_factory=list)
    # Contracts (docs/contracts.md): filtered views of the API schema, each for the requests it matches
    # (client name, token claim, path); gateway.contracts.ContractDefinition values. Following a
    # registry that stores definitions, the registry's are served instead.
    contracts: tuple[Any, ...] = ()
    # What requests matching no contract get: "api" (the full API schema), "refuse", or a contract's name.
    contract_default: str = "api"

    # Subscriptions (gateway/realtime/, docs/realtime.md), under uvicorn: WebSocket connections and SSE
    # streams open at once per process; operations running at once on one WebSocket.
    subscription_max_connections: int = 10_000
    subscription_max_per_connection: int = 100
    # Seconds between keep-alive pings (WebSocket `ping` message, SSE comment line); 0 turns them off.
    subscription_keepalive: float = 12.0
    # Seconds a new WebSocket has to send connection_init before it is closed (4408).
    subscription_init_timeout: float = 3.0
    # Events waiting for a client that reads slowly; past this its subscription ends with an error.
    subscription_buffer: int = 64
    # A subgraph's WebSocket URL for subscriptions ({"reviews": "wss://reviews.internal/graphql"});
    # others: the subgraph's URL with ws:// or wss:// for http:// or https://.
    subscription_urls: dict[str, str] = field(default_factory=dict)
    # One upstream WebSocket per (subgraph, caller identity) carrying all its subscriptions (realtime/mux.py);
    # False: one upstream WebSocket per client subscription.
    subscription_multiplex: bool = True
    # With multiplex: identical subscriptions (same document, variables and identity) share one upstream id.
    subscription_dedupe: bool = True
    # Upstream subscribe ids per shared WebSocket before another one is opened for the same identity
    # (subgraph servers cap them: strawberry refuses the 101st by default).
    subscription_upstream_per_connection: int = 100
    # Entity fetches of subscription events that arrive together become one _entities call per subgraph
    # (realtime/batch.py); the window is how long (seconds) a batch waits for more (0: the same loop tick).
    subscription_batch_entities: bool = True
    subscription_batch_window: float = 0.0
    # On AWS (API Gateway WebSocket API, gateway/realtime/apigw/): the DynamoDB table of connections and
    # subscriptions (deploy/data.yml); "" = not used (uvicorn keeps them in memory).
    subscription_table: str = ""
    # The WebSocket API's Management endpoint (https://API.execute-api.REGION.amazonaws.com/STAGE) the
    # fan-out posts events to; "" = derived from each WebSocket event (the fan-out needs it set).
    subscription_management_url: str = ""

    # @defer: streamed as multipart/mixed (deferSpec=20220824) to clients that accept it under uvicorn;
    # others (and Lambda) get one complete response. Off: @defer is unknown to validation.
    defer: bool = True

    @classmethod
    def production(cls, **overrides: Any) -> GatewayConfig:
        """Settings for a public endpoint: subgraph errors masked, introspection and field
        suggestions off, full-text queries over GET off, operation limits on (the defaults)."""
        settings: dict[str, Any] = {"introspection": False, "field_suggestions": False,
                                    "expose_subgraph_errors": frozenset(), "limits": OperationLimits(),
                                    "get_queries": False}
        settings.update(overrides)
        return cls(**settings)
