"""The shape of `bff.yaml`: typed msgspec Structs, one per section.

The same definitions validate the file (validate.py), generate its JSON Schema
(`bff config schema`) and are turned into GatewayConfig / AuthConfig (build.py).
Defaults are taken from those dataclasses, and the `limits` and `security.jwt`
sections are derived from OperationLimits and AuthConfig field by field, so a
field added there appears here without an edit.
"""


import dataclasses
import functools
import typing
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct, field

from ..auth.config import AuthConfig
from ..auth.server_rule import DEFAULT_SERVER_RULE
from ..operation.limits import MEANINGS as LIMIT_MEANINGS
from ..operation.limits import OperationLimits
from . import GatewayConfig

_GW = {f.name: f for f in dataclasses.fields(GatewayConfig)}


def _default(name: str) -> Any:
    """GatewayConfig's default for one field (factories called), so the file never drifts from it."""
    f = _GW[name]
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def _d(text: str, **constraints: Any) -> Meta:
    return Meta(description=text, **constraints)


Seconds = Annotated[float, Meta(gt=0)]
NonNegative = Annotated[int, Meta(ge=0)]
# A secret reference (bff_common/secrets.py); a plain value is refused where one of these is expected.
SecretRef = Annotated[str, Meta(description="secret reference: env:NAME, ssm:/path or secretsmanager:NAME[#field]")]


class _Section(Struct, kw_only=True, forbid_unknown_fields=True):
    pass


# -- supergraph -----------------------------------------------------------------------------------

class Supergraph(_Section):
    file: Annotated[str | None, _d("composed supergraph SDL file (relative to this file); with `registry`: "
                                   "the fallback when the registry is unreachable at start")] = None
    registry: Annotated[str | None, _d("registry to follow: sqlite:///PATH, dynamodb://TABLE or the registry "
                                       "API's https:// URL")] = None
    poll_interval: Annotated[Seconds | None, _d("seconds between version checks (default 10 under bff serve, "
                                                "30 on Lambda)")] = None
    fallback_file: Annotated[str | None, _d("with `registry`: served when the registry is unreachable at start "
                                            "(default: `file`)")] = None
    fallback_services: Annotated[str | None, _d("with `registry`: JSON list of the fallback graph's services "
                                                "(name, endpoint, api_key_ref) whose key references are "
                                                "resolved while the fallback serves (deploy/build.py)")] = None
    reload_token: Annotated[SecretRef | None, _d("enables POST /admin/reload (bff serve --registry); a secret "
                                                 "reference")] = None
    plan_cache_size: Annotated[NonNegative, _d("prepared operations kept (parsed, validated, planned)")] = \
        _default("plan_cache_size")
    cache_max_bytes: Annotated[NonNegative, _d("byte budget of each of the document and plan caches "
                                               "(docs/limits.md)")] = _default("cache_max_bytes")
    refused_cache_size: Annotated[NonNegative, _d("refused documents remembered by digest")] = \
        _default("refused_cache_size")


# -- server ---------------------------------------------------------------------------------------

class Cors(_Section):
    origins: Annotated[list[str], _d("allowed origins (exact, or \"*\" without credentials); none by default")] = \
        field(default_factory=lambda: list(_default("cors_origins")))
    allow_credentials: bool = _default("cors_allow_credentials")
    allow_headers: list[str] = field(default_factory=lambda: list(_default("cors_allow_headers")))
    max_age: Annotated[NonNegative, _d("seconds a browser may cache a preflight")] = _default("cors_max_age")


class Csrf(_Section):
    enabled: Annotated[bool, _d("GETs with cookies or a foreign Origin must carry a preflight-forcing header")] = \
        _default("csrf_prevention")
    required_headers: list[str] = field(default_factory=lambda: list(_default("csrf_preflight_headers")))


class Batching(_Section):
    max_size: Annotated[NonNegative, _d("operations per JSON array request; 0 refuses batches")] = \
        _default("max_batch_size")


class Subscriptions(_Section):
    """Subscriptions over WebSocket and SSE under bff serve / bff dev (docs/realtime.md)."""

    max_connections: Annotated[NonNegative, _d("WebSocket connections plus SSE streams open at once (on AWS: "
                                               "the WebSocket API's, checked at $connect)")] = \
        _default("subscription_max_connections")
    max_per_connection: Annotated[NonNegative, _d("operations running at once on one WebSocket")] = \
        _default("subscription_max_per_connection")
    keepalive: Annotated[float, _d("seconds between keep-alive pings (WebSocket ping, SSE comment); 0: off",
                                   ge=0)] = _default("subscription_keepalive")
    init_timeout: Annotated[Seconds, _d("seconds a WebSocket has to send connection_init (then close 4408)")] = \
        _default("subscription_init_timeout")
    buffer: Annotated[int, _d("events waiting for a slow client before its subscription ends with an error",
                              ge=1)] = _default("subscription_buffer")
    multiplex: Annotated[bool, _d("one upstream WebSocket per subgraph and caller identity, carrying all its "
                                  "subscriptions (false: one per client subscription)")] = \
        _default("subscription_multiplex")
    dedupe: Annotated[bool, _d("identical subscriptions (document, variables, identity) share one upstream "
                               "subscription (with multiplex)")] = _default("subscription_dedupe")
    upstream_per_connection: Annotated[int, _d("subscriptions on one shared upstream WebSocket before another is "
                                               "opened (strawberry subgraphs refuse more than 100)", ge=1)] = \
        _default("subscription_upstream_per_connection")
    batch_entities: Annotated[bool, _d("entity fetches of events arriving together: one _entities call per "
                                       "subgraph")] = _default("subscription_batch_entities")
    batch_window: Annotated[float, _d("seconds a batch of entity fetches waits for more (0: the same event-loop "
                                      "tick)", ge=0)] = _default("subscription_batch_window")
    table: Annotated[str, _d("on AWS: the DynamoDB table of WebSocket connections and subscriptions")] = \
        _default("subscription_table")
    management_url: Annotated[str, _d("on AWS: the WebSocket API's Management endpoint the fan-out posts to")] = \
        _default("subscription_management_url")


class Server(_Section):
    host: Annotated[str, _d("interface bff serve binds")] = "127.0.0.1"
    port: Annotated[int, _d("port bff serve binds; 0 picks a free one", ge=0, le=65535)] = 4000
    max_body_bytes: Annotated[int, _d("largest request body accepted", gt=0)] = _default("max_body_bytes")
    cors: Cors = field(default_factory=Cors)
    csrf: Csrf = field(default_factory=Csrf)
    batching: Batching = field(default_factory=Batching)
    ide: Annotated[bool, _d("GraphiQL at GET /graphql in a browser (docs/ide.md)")] = _default("ide")
    ide_without_introspection: Annotated[bool, _d("serve GraphiQL even with introspection off")] = \
        _default("ide_without_introspection")
    ide_default_query: Annotated[str | None, _d("the query GraphiQL opens with (default: one built from the "
                                                "graph's first root field)")] = _default("ide_default_query")
    access_log: Annotated[bool, _d("one log line per HTTP request (uvicorn's access log)")] = False
    get_queries: Annotated[bool, _d("full-text queries over GET (persisted ones are always served over GET)")] = \
        False
    header_timeout: Annotated[Seconds, _d("bff serve: seconds to send a request's headers")] = \
        _default("header_timeout")
    body_timeout: Annotated[Seconds, _d("bff serve: seconds to send a request's body")] = _default("body_timeout")
    validate_in_thread_chars: Annotated[NonNegative, _d("new documents this long are prepared off the event "
                                                        "loop")] = _default("validate_in_thread_chars")
    forwarded_header_max_bytes: Annotated[NonNegative | None, _d("a client header value longer than this is not "
                                                                 "forwarded to subgraphs")] = \
        _default("max_forwarded_header_bytes")
    forwarded_headers_max_total_bytes: Annotated[NonNegative | None, _d("client headers forwarded to a subgraph, "
                                                                        "in all")] = \
        _default("max_forwarded_headers_total_bytes")
    subscriptions: Subscriptions = field(default_factory=Subscriptions)
    defer: Annotated[bool, _d("@defer streamed as multipart/mixed to clients that accept it (one complete "
                              "response otherwise, and on Lambda)")] = _default("defer")
    # Process settings of `bff serve` (not GatewayConfig: they shape the server, not the gateway).
    workers: Annotated[int, _d("bff serve: worker processes sharing the port, each with its own gateway; a "
                               "worker that dies is replaced", ge=1, le=256)] = 1
    shutdown_timeout: Annotated[Seconds, _d("on SIGTERM: seconds in-flight requests get to finish before the "
                                            "connections are closed")] = 30.0
    worker_header: Annotated[bool, _d("add `x-bff-worker: PID` to every response (to see how load spreads "
                                      "over workers; off in production)")] = False


# -- subgraphs ------------------------------------------------------------------------------------

class Retries(_Section):
    attempts: Annotated[NonNegative, _d("retries of a query fetch (never mutations); 0 turns them off")] = \
        _default("subgraph_retries")
    base_delay: Annotated[float, Meta(ge=0)] = _default("retry_base_delay")
    max_delay: Annotated[float, Meta(ge=0)] = _default("retry_max_delay")
    on_timeout: Annotated[bool, _d("retry queries that timed out too")] = _default("retry_timeouts")


class CircuitBreaker(_Section):
    threshold: Annotated[NonNegative, _d("consecutive failures that open it; 0: never")] = \
        _default("breaker_threshold")
    open_seconds: Seconds = _default("breaker_open_seconds")


class Headers(_Section):
    propagate: Annotated[list[str] | None, _d("client request headers forwarded (names, or \"prefix-*\"); under "
                                              "`all` the default is request ids and trace context")] = None
    response: Annotated[list[str] | None, _d("subgraph response headers copied to the client's response (names, or "
                                             "\"prefix-*\"); several subgraphs' values joined with \", \"; "
                                             "Set-Cookie and Cache-Control are always merged")] = None


class Subgraph(_Section):
    """One subgraph's settings, or under the name `all` the defaults for every subgraph."""

    url: Annotated[str | None, _d("override the URL from the supergraph (not under `all`)")] = None
    timeout: Annotated[Seconds | None, _d("seconds before a request is abandoned (default 30)")] = None
    api_key: Annotated[SecretRef | None, _d("X-API-Key sent to it, as a secret reference (not under `all`)")] = None
    subscription_url: Annotated[str | None, _d("its WebSocket URL for subscriptions (default: its URL with ws:// "
                                               "or wss://; not under `all`)")] = None
    retries: Annotated[Retries | None, _d("under a subgraph's name: overrides `all`'s for it (keys left out "
                                          "take `all`'s)")] = None
    circuit_breaker: Annotated[CircuitBreaker | None, _d("one breaker per subgraph; under a subgraph's name: "
                                                         "its own thresholds (keys left out take `all`'s)")] = None
    headers: Headers | None = None
    deadline_margin: Annotated[Annotated[float, Meta(ge=0)] | None, _d(
        "on Lambda, fetches end this many seconds before the invocation does, so partial data is answered "
        "(default 1; only under `all`)")] = None
    warm_lambdas: Annotated[bool | None, _d("the first request warms every other lambda: subgraph, so a cold "
                                            "query pays one wave of cold starts (default true; only under "
                                            "`all`)")] = None


# -- limits: derived from OperationLimits ---------------------------------------------------------

def _derived(name: str, source: type, overrides: dict[str, tuple[Any, Any]] | None = None,
             meanings: dict[str, str] | None = None) -> type:
    """A Struct with one field per dataclass field (same name, type and default); `overrides`
    replaces (type, default) where the file spells a value differently (a reference, a rule);
    `meanings` describes fields for the schema and the reference tables."""
    hints = typing.get_type_hints(source)
    specs = []
    for f in dataclasses.fields(source):
        if f.name in (overrides or {}):
            kind, default = (overrides or {})[f.name]
        else:
            kind = _non_negative(hints[f.name])
            default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        if isinstance(default, (tuple, list)):
            default = field(default_factory=functools.partial(list, tuple(default)))
        if f.name in (meanings or {}):
            kind = Annotated[kind, _d((meanings or {})[f.name])]
        specs.append((f.name, kind, default))
    return msgspec.defstruct(name, specs, kw_only=True, forbid_unknown_fields=True, module=__name__)


def _non_negative(kind: Any) -> Any:
    """Numbers in these sections are sizes and seconds: negative ones are refused."""
    if kind in (int, float):
        return Annotated[kind, Meta(ge=0)]
    args = typing.get_args(kind)
    if args and type(None) in args and len(args) == 2:
        inner = next(a for a in args if a is not type(None))
        if inner in (int, float):
            return Annotated[inner, Meta(ge=0)] | None
    return kind


# A queue of no places would refuse every big new document, and a wait of 0 s every queued one.
Limits = _derived("Limits", OperationLimits, {
    "prepare_queue": (Annotated[int, Meta(ge=1)] | None, OperationLimits().prepare_queue),
    "prepare_wait": (Annotated[float, Meta(gt=0)] | None, OperationLimits().prepare_wait)}, LIMIT_MEANINGS)

# -- security -------------------------------------------------------------------------------------

Jwt = _derived("Jwt", AuthConfig, {
    "hs256_secret": (SecretRef | None, None),
    "server_rule": (Annotated[str, _d("which tokens are services calling as themselves (auth/server_rule.py)")],
                    DEFAULT_SERVER_RULE),
    "rest_refusal": (Literal["unauthorized", "deny"], "unauthorized"),
})


class Errors(_Section):
    expose_subgraphs: Annotated[list[str], _d("subgraphs whose errors pass unmasked; [\"*\"] for all")] = \
        field(default_factory=list)
    exposed_codes: Annotated[list[str], _d("error codes always passed through")] = \
        field(default_factory=lambda: sorted(_default("exposed_error_codes")))


class Access(_Section):
    mode: Annotated[Literal["filter", "reject"], _d("denied fields: null with an error, or refuse the request")] = \
        _default("access_mode")


class Security(_Section):
    introspection: Annotated[bool, _d("answer __schema / __type")] = False
    suggestions: Annotated[bool, _d("\"Did you mean\" hints in validation errors")] = False
    errors: Errors = field(default_factory=Errors)
    access: Access = field(default_factory=Access)
    policies: Annotated[dict[str, Any], _d("@policy name -> declarative rule (gateway/access)")] = \
        field(default_factory=dict)
    identity_secret: Annotated[SecretRef | None, _d("signs the caller's identity headers sent to subgraphs")] = None
    jwt: Jwt = field(default_factory=Jwt)  # type: ignore[valid-type]


# -- persisted documents --------------------------------------------------------------------------

class Apq(_Section):
    enabled: bool = _default("apq")
    cache_size: Annotated[int, Meta(ge=1)] = _default("apq_cache_size")
    shared_store: Annotated[str | None, _d("store shared by replicas and Lambda containers: dynamodb://TABLE"
                                           "[?region=R&endpoint=URL&timeout=S&create=1] or redis://HOST[:PORT]"
                                           "[/DB][?timeout=S&prefix=P] (docs/scaling.md)")] = \
        _default("apq_shared_store")
    shared_ttl: Annotated[Seconds, _d("seconds a shared document is kept after its last registration")] = \
        _default("apq_shared_ttl")


class Trusted(_Section):
    enabled: Annotated[bool, _d("run only registered documents")] = _default("trusted_documents_only")
    manifest: Annotated[str | None, _d("JSON manifest of sha256 -> document (relative to this file)")] = None
    from_registry: Annotated[bool, _d("documents registered in `supergraph.registry` per client "
                                      "(bff documents publish)")] = False


class PersistedDocuments(_Section):
    apq: Apq = field(default_factory=Apq)
    trusted: Trusted = field(default_factory=Trusted)


# -- telemetry ------------------------------------------------------------------------------------

LogLevel = Literal["debug", "info", "warning", "error", "critical"]


class Logs(_Section):
    level: Annotated[LogLevel | None, _d("one JSON line per request on logger bff.request; none: off")] = None
    subgraph_failure_interval: Annotated[Seconds, _d("at most one WARNING line per subgraph per this many "
                                                     "seconds about its failures (logger bff.subgraph)")] = \
        _default("subgraph_log_interval")


class Metrics(_Section):
    exporter: Annotated[Literal["emf", "prometheus"] | None, _d("emf: CloudWatch EMF on stdout; prometheus: "
                                                                 "GET /metrics")] = None
    operations: Annotated[NonNegative, _d("operation names that may become labels (the rest: \"other\")")] = \
        _default("metrics_operations")
    token: Annotated[SecretRef | None, _d("bearer token GET /metrics requires, as a secret reference")] = None


class Tracing(_Section):
    enabled: Annotated[bool, _d("OpenTelemetry spans (needs the otel extra)")] = False


class Usage(_Section):
    store: Annotated[str | None, _d("registry store URL receiving field usage, or \"registry\" for "
                                    "`supergraph.registry`")] = None
    flush_seconds: Seconds = 10.0


class Telemetry(_Section):
    logs: Logs = field(default_factory=Logs)
    metrics: Metrics = field(default_factory=Metrics)
    tracing: Tracing = field(default_factory=Tracing)
    usage: Usage = field(default_factory=Usage)


# -- plugins --------------------------------------------------------------------------------------

class Plugin(_Section):
    use: Annotated[str, _d("the plugin class, as module:Class", pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")]
    options: dict[str, Any] = field(default_factory=dict)


# -- contracts (docs/contracts.md) ----------------------------------------------------------------

class ContractEntry(_Section):
    """One contract: the @tag filter (Apollo's semantics) and which requests get it."""

    include: Annotated[list[str], _d("keep only elements carrying one of these tags")] = field(default_factory=list)
    exclude: Annotated[list[str], _d("remove elements carrying one of these tags (wins over include)")] = \
        field(default_factory=list)
    clients: Annotated[list[str], _d("apollographql-client-name values that get this contract")] = \
        field(default_factory=list)
    claims: Annotated[dict[str, list[str]], _d("token claim -> values (e.g. azp: [mobile-app]); binds the contract "
                                               "to them")] = field(default_factory=dict)
    paths: Annotated[list[str], _d("its own endpoints, e.g. /graphql/mobile")] = field(default_factory=list)


class ContractsSection(_Section):
    default: Annotated[str, _d("requests matching no contract: api (the full API schema), refuse, or a contract's "
                               "name")] = _default("contract_default")
    definitions: Annotated[dict[str, ContractEntry], _d("contract name -> definition; a registry that stores "
                                                        "definitions overrides these")] = field(default_factory=dict)


# -- the file -------------------------------------------------------------------------------------

class BffFile(_Section):
    """bff.yaml: every gateway setting. Values may use ${env.NAME} and ${env.NAME:-default}."""

    supergraph: Supergraph = field(default_factory=Supergraph)
    server: Server = field(default_factory=Server)
    subgraphs: Annotated[dict[str, Subgraph], _d("`all`: defaults for every subgraph; other keys: subgraph "
                                                 "names")] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)  # type: ignore[valid-type]
    security: Security = field(default_factory=Security)
    persisted_documents: PersistedDocuments = field(default_factory=PersistedDocuments)
    telemetry: Telemetry = field(default_factory=Telemetry)
    plugins: list[Plugin] = field(default_factory=list)
    contracts: ContractsSection = field(default_factory=ContractsSection)


# Paths whose values must be secret references ("*" matches any one key).
SECRET_PATHS = ("supergraph.reload_token", "subgraphs.*.api_key", "security.identity_secret",
                "security.jwt.hs256_secret", "telemetry.metrics.token")
# Paths of files, resolved against the config file's folder when they come from the file.
FILE_PATHS = ("supergraph.file", "supergraph.fallback_file", "supergraph.fallback_services",
              "persisted_documents.trusted.manifest")
# Only under subgraphs.all / only under a named subgraph.
ALL_ONLY = ("deadline_margin", "warm_lambdas")
NAMED_ONLY = ("url", "api_key", "subscription_url")
