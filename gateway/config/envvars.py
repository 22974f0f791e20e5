"""The one table of `BFF_*` environment variables: name -> key path in bff.yaml, and how to read it.

Every entry point (bff serve, bff dev, the Lambda handler, the Lambda authorizer)
applies this table the same way, over the file and under command-line flags;
no other module reads a `BFF_*` variable for a gateway setting. The README's
table is checked against this one (tests/config/test_docs.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from ..operation.limits import MEANINGS as LIMIT_MEANINGS
from ..operation.limits import OperationLimits

CONFIG_ENV = "BFF_CONFIG"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class EnvVar(NamedTuple):
    name: str
    path: str  # dotted key path in bff.yaml; "*" stands for each NAME of a NAME=VALUE list
    kind: str  # bool | int | float | str | lower | list | map | secret | ref | limit | trusted | usage
    help: str


ENV_VARS: tuple[EnvVar, ...] = (
    EnvVar("BFF_SUPERGRAPH", "supergraph.file", "str", "supergraph SDL file (with a registry: the fallback)"),
    EnvVar("BFF_REGISTRY", "supergraph.registry", "str", "registry URL to follow"),
    EnvVar("BFF_POLL_INTERVAL", "supergraph.poll_interval", "float", "seconds between registry version checks"),
    EnvVar("BFF_FALLBACK_SUPERGRAPH", "supergraph.fallback_file", "str", "served when the registry is down at start"),
    EnvVar("BFF_FALLBACK_SERVICES", "supergraph.fallback_services", "str", "the fallback's services and API-key "
           "references (JSON)"),
    EnvVar("BFF_RELOAD_TOKEN", "supergraph.reload_token", "secret", "token for POST /admin/reload"),
    EnvVar("BFF_PLAN_CACHE_SIZE", "supergraph.plan_cache_size", "int", "prepared operations kept"),
    EnvVar("BFF_HOST", "server.host", "str", "interface bff serve binds"),
    EnvVar("BFF_PORT", "server.port", "int", "port bff serve binds"),
    EnvVar("BFF_WORKERS", "server.workers", "int", "bff serve worker processes"),
    EnvVar("BFF_MAX_BODY_BYTES", "server.max_body_bytes", "int", "largest request body"),
    EnvVar("BFF_CORS_ORIGINS", "server.cors.origins", "list", "allowed CORS origins, comma-separated"),
    EnvVar("BFF_CORS_ALLOW_CREDENTIALS", "server.cors.allow_credentials", "bool", "CORS with credentials"),
    EnvVar("BFF_CSRF_PREVENTION", "server.csrf.enabled", "bool", "CSRF prevention on GET"),
    EnvVar("BFF_MAX_BATCH_SIZE", "server.batching.max_size", "int", "operations per batch; 0 refuses batches"),
    EnvVar("BFF_IDE", "server.ide", "bool", "query page at GET /graphql"),
    EnvVar("BFF_SUBSCRIPTION_TABLE", "server.subscriptions.table", "str", "DynamoDB table of WebSocket subscriptions"),
    EnvVar("BFF_SUBSCRIPTION_MANAGEMENT_URL", "server.subscriptions.management_url", "str",
           "WebSocket API Management endpoint"),
    EnvVar("BFF_SUBGRAPH_URLS", "subgraphs.*.url", "map", "NAME=URL,... subgraph URL overrides"),
    EnvVar("BFF_SUBGRAPH_API_KEYS", "subgraphs.*.api_key", "map", "NAME=REFERENCE,... X-API-Key per subgraph"),
    EnvVar("BFF_SUBGRAPH_TIMEOUT", "subgraphs.all.timeout", "float", "seconds per subgraph request"),
    EnvVar("BFF_SUBGRAPH_RETRIES", "subgraphs.all.retries.attempts", "int", "retries of a query fetch"),
    EnvVar("BFF_INTROSPECTION", "security.introspection", "bool", "answer __schema / __type"),
    EnvVar("BFF_GET_QUERIES", "server.get_queries", "bool", "full-text queries over GET (persisted ones always)"),
    EnvVar("BFF_METRICS_TOKEN", "telemetry.metrics.token", "str", "bearer token GET /metrics requires "
           "(a secret reference)"),
    EnvVar("BFF_FIELD_SUGGESTIONS", "security.suggestions", "bool", "\"Did you mean\" hints"),
    EnvVar("BFF_EXPOSE_SUBGRAPH_ERRORS", "security.errors.expose_subgraphs", "list", "subgraphs (or *) unmasked"),
    EnvVar("BFF_ACCESS_MODE", "security.access.mode", "lower", "filter or reject"),
    EnvVar("BFF_IDENTITY_SECRET", "security.identity_secret", "ref", "signs identity headers (a reference)"),
    EnvVar("BFF_JWT_JWKS_URL", "security.jwt.jwks_url", "str", "JWKS of the identity provider"),
    EnvVar("BFF_JWT_ISSUER", "security.jwt.issuer", "str", "expected iss"),
    EnvVar("BFF_JWT_AUDIENCE", "security.jwt.audiences", "list", "accepted audiences, comma-separated"),
    EnvVar("BFF_JWT_HS256_SECRET", "security.jwt.hs256_secret", "secret", "HS256 secret (local use)"),
    EnvVar("BFF_JWT_ROLES_CLAIM", "security.jwt.roles_claim", "str", "claim holding roles"),
    EnvVar("BFF_JWT_SERVER_RULE", "security.jwt.server_rule", "str", "tokens of services calling as themselves"),
    EnvVar("BFF_JWT_LEEWAY", "security.jwt.leeway", "float", "clock skew tolerated, seconds"),
    EnvVar("BFF_JWT_JWKS_TTL", "security.jwt.jwks_ttl", "float", "seconds a JWKS is reused"),
    EnvVar("BFF_JWT_JWKS_MIN_REFRESH", "security.jwt.jwks_min_refresh_interval", "float",
           "at most one JWKS fetch per this many seconds"),
    EnvVar("BFF_JWT_JWKS_TIMEOUT", "security.jwt.jwks_timeout", "float", "seconds a JWKS fetch may take"),
    EnvVar("BFF_ALLOW_ANONYMOUS", "security.jwt.allow_anonymous", "bool", "accept requests without a token"),
    EnvVar("BFF_AUTHORIZER_REFUSAL", "security.jwt.rest_refusal", "lower", "REST authorizer: unauthorized or deny"),
    EnvVar("BFF_APQ", "persisted_documents.apq.enabled", "bool", "automatic persisted queries"),
    EnvVar("BFF_APQ_SHARED_STORE", "persisted_documents.apq.shared_store", "str",
           "APQ documents shared by replicas (dynamodb://TABLE or redis://HOST)"),
    EnvVar("BFF_TRUSTED_DOCUMENTS", "persisted_documents.trusted.from_registry", "trusted",
           "registry: run only documents registered in the registry"),
    EnvVar("BFF_LOG_LEVEL", "telemetry.logs.level", "lower", "request log level"),
    EnvVar("BFF_METRICS", "telemetry.metrics.exporter", "lower", "emf or prometheus"),
    EnvVar("BFF_TRACING", "telemetry.tracing.enabled", "bool", "OpenTelemetry spans"),
    EnvVar("BFF_USAGE", "telemetry.usage.store", "usage", "field usage store URL (1: the registry)"),
    EnvVar("BFF_USAGE_FLUSH_SECONDS", "telemetry.usage.flush_seconds", "float", "seconds between usage writes"),
) + tuple(
    # One per operation limit, derived from the dataclass: BFF_LIMITS_MAX_DEPTH=20, or `none` to switch it off.
    EnvVar(f"BFF_LIMITS_{f.name.upper()}", f"limits.{f.name}", "limit_seconds" if f.name == "prepare_wait" else "limit",
           LIMIT_MEANINGS[f.name])
    for f in dataclasses.fields(OperationLimits)
)


class EnvError(ValueError):
    pass


def parse(var: EnvVar, raw: str) -> list[tuple[str, Any]]:
    """(key path, value) pairs for one variable's text; EnvError names the variable."""
    text = raw.strip()
    try:
        if var.kind == "map":
            return [(var.path.replace("*", name), value) for name, value in _pairs(text)]
        if var.kind == "trusted":
            if text.lower() != "registry":
                raise ValueError("expected `registry`")
            return [("persisted_documents.trusted.enabled", True), (var.path, True)]
        if var.kind == "usage":
            return [(var.path, "registry" if text.lower() in _TRUE else text)]
        if var.kind == "secret":
            # A value here stays where it is: the setting becomes a reference to this variable.
            return [(var.path, text if _is_reference(text) else f"env:{var.name}")]
        return [(var.path, _SCALAR[var.kind](text))]
    except ValueError as exc:
        raise EnvError(f"{var.name}: {exc} (sets `{var.path}`)") from None


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.strip().partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(f"expected NAME=VALUE,..., got {name.strip()!r}")
        pairs.append((name.strip(), value.strip()))
    return pairs


def _bool(text: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _number(kind: Callable[[str], Any], what: str) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        try:
            return kind(text)
        except ValueError:
            raise ValueError(f"expected {what}, got {text!r}") from None
    return read


def _limit(text: str) -> int | float | None:
    if text.lower() in ("none", "off"):
        return None
    # A fraction is seconds (limits.prepare_wait); the file's schema refuses one where a count is due.
    value: int | float = _number(float, "a number or none")(text) if "." in text else \
        _number(int, "an integer or none")(text)
    return value


def _is_reference(text: str) -> bool:
    from bff_common.secrets import is_reference

    return is_reference(text)


_SCALAR: dict[str, Callable[[str], Any]] = {
    "bool": _bool, "int": _number(int, "an integer"), "float": _number(float, "a number"), "str": str,
    "lower": str.lower, "list": lambda t: [p.strip() for p in t.split(",") if p.strip()], "ref": str,
    "limit": _limit,
    "limit_seconds": _limit,
}


def present(env: Mapping[str, str]) -> list[EnvVar]:
    """The table's variables set (non-empty) in `env`."""
    return [var for var in ENV_VARS if env.get(var.name, "").strip()]
