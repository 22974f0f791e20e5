"""From a validated bff.yaml model to what the gateway runs with: GatewayConfig, AuthConfig, server settings.

`settings()` is the one entry every front end uses (bff serve, bff dev, the
Lambda handler and authorizer, auth_config_from_env, config_from_env).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import GatewayConfig
from .errors import ConfigError, Problem
from .load import Flag, Loaded, load

if TYPE_CHECKING:
    from ..telemetry.settings import TelemetrySettings

# Request ids and trace context: execute/headers.py's DEFAULT_PROPAGATION, restated for `subgraphs.all`.
_DEFAULT_PROPAGATE = ("x-request-id", "x-correlation-id", "traceparent", "tracestate", "baggage", "x-amzn-trace-id")


@dataclass
class Settings:
    gateway: GatewayConfig
    auth: Any  # gateway.auth.config.AuthConfig
    server: Any  # model.Server: host, port, access_log
    supergraph: Any  # model.Supergraph: file, registry, poll_interval, fallback_file, reload_token
    loaded: Loaded


def settings(path: str | None = None, env: Mapping[str, str] | None = None, flags: Iterable[Flag] = (), *,
             dev: bool = False, resolve_secrets: bool = True, check_plugins: bool = True) -> Settings:
    """Load and build; ConfigError lists every problem. `dev` lets anonymous callers in unless told otherwise."""
    import os

    env = os.environ if env is None else env
    from .envvars import CONFIG_ENV

    loaded = load(path or env.get(CONFIG_ENV) or None, env, flags, check_plugins=check_plugins)
    problems: list[Problem] = []
    gateway = _gateway_config(loaded.model, problems, loaded.raw)
    auth = _auth_config(loaded, env, problems, dev=dev, resolve_secrets=resolve_secrets)
    if problems:
        raise ConfigError(problems)
    return Settings(gateway, auth, loaded.model.server, loaded.model.supergraph, loaded)


def auth_settings(env: Mapping[str, str] | None = None, *, dev: bool = False) -> Any:
    """AuthConfig alone (the Lambda authorizer): BFF_CONFIG's file and the environment."""
    import os

    from .envvars import CONFIG_ENV

    env = os.environ if env is None else env
    if not env.get(CONFIG_ENV):
        return _auth_from_env(env, dev=dev)
    loaded = load(env.get(CONFIG_ENV) or None, env, check_plugins=False)
    problems: list[Problem] = []
    auth = _auth_config(loaded, env, problems, dev=dev, resolve_secrets=True)
    if problems:
        raise ConfigError(problems)
    return auth


def _auth_from_env(env: Mapping[str, str], *, dev: bool) -> Any:
    """With no file, the authorizer's cold start skips msgspec: the table's `security.jwt` variables,
    read by the same parser, straight into AuthConfig (which checks their values)."""
    import dataclasses

    from ..auth.config import AuthConfig
    from ..auth.server_rule import DEFAULT_SERVER_RULE
    from .envvars import EnvError, parse, present

    values = {f.name: f.default for f in dataclasses.fields(AuthConfig) if f.default is not dataclasses.MISSING}
    values["server_rule"] = DEFAULT_SERVER_RULE
    problems: list[Problem] = []
    sources: dict[str, str] = {}
    for var in present(env):
        if not var.path.startswith("security.jwt."):
            continue
        try:
            for key, value in parse(var, env[var.name]):
                values[key.rpartition(".")[2]] = value
                sources[key] = f"env {var.name}"
        except EnvError as exc:
            problems.append(Problem((), str(exc)))
    loaded = Loaded({}, None, sources, None)
    auth = None if problems else _auth_from_values(values, loaded, env, problems, dev=dev, resolve_secrets=True)
    if problems:
        raise ConfigError(problems)
    return auth


def telemetry_settings(env: Mapping[str, str] | None = None) -> TelemetrySettings:
    """TelemetrySettings alone, for a GatewayConfig built in Python without them."""
    import os

    from .envvars import CONFIG_ENV

    env = os.environ if env is None else env
    return _telemetry(load(env.get(CONFIG_ENV) or None, env, check_plugins=False).model)


# File key -> RetryPolicy field (GatewayConfig.retry_overrides) / CircuitBreaker field (breaker_overrides).
_RETRY_KEYS = {"attempts": "max_retries", "base_delay": "base_delay", "max_delay": "max_delay",
               "on_timeout": "retry_timeouts"}
_BREAKER_KEYS = {"threshold": "threshold", "open_seconds": "open_seconds"}


def _overrides(m: Any, raw: dict[str, Any], section: str, keys: dict[str, str]) -> dict[str, dict[str, Any]]:
    """`subgraphs.NAME.<section>` as {name: {field: value}} with only the keys written (file, env or flag):
    the rest take `subgraphs.all`'s values, which the gateway fills in."""
    out: dict[str, dict[str, Any]] = {}
    for name, entry in (raw.get("subgraphs") or {}).items():
        written = (entry or {}).get(section)
        if name == "all" or not isinstance(written, dict):
            continue
        model = getattr(m.subgraphs[name], section)
        out[name] = {keys[k]: getattr(model, k) for k in written if k in keys}
    return out


def _response_rules(every: Any, subgraphs: dict[str, Any]) -> dict[str, list[str]]:
    rules = {name: list(s.headers.response) for name, s in subgraphs.items()
             if s.headers and s.headers.response}
    if every.headers and every.headers.response:
        rules["*"] = list(every.headers.response)
    return rules


def _gateway_config(m: Any, problems: list[Problem], raw: dict[str, Any] | None = None) -> GatewayConfig:
    from ..operation.limits import OperationLimits
    from .model import CircuitBreaker, Retries, Subgraph

    subgraphs = dict(m.subgraphs)
    every = subgraphs.pop("all", None) or Subgraph()
    retries = every.retries or Retries()
    breaker = every.circuit_breaker or CircuitBreaker()
    propagate = None
    if (every.headers and every.headers.propagate is not None) or any(
            s.headers and s.headers.propagate is not None for s in subgraphs.values()):
        base = every.headers.propagate if every.headers and every.headers.propagate is not None else _DEFAULT_PROPAGATE
        propagate = {"*": list(base)}
        propagate.update({name: list(s.headers.propagate) for name, s in subgraphs.items()
                          if s.headers and s.headers.propagate is not None})
    exposed = m.security.errors.expose_subgraphs
    trusted = m.persisted_documents.trusted
    store = None
    if trusted.from_registry:
        from ..registry_documents import RegistryDocumentStore

        store = RegistryDocumentStore(m.supergraph.registry)  # opened on the first lookup
    values: dict[str, Any] = dict(
        introspection=m.security.introspection,
        field_suggestions=m.security.suggestions,
        subgraph_timeout=every.timeout if every.timeout is not None else _field_default("subgraph_timeout"),
        deadline_margin=every.deadline_margin if every.deadline_margin is not None
        else _field_default("deadline_margin"),
        warm_lambda_subgraphs=every.warm_lambdas if every.warm_lambdas is not None
        else _field_default("warm_lambda_subgraphs"),
        plan_cache_size=m.supergraph.plan_cache_size,
        cache_max_bytes=m.supergraph.cache_max_bytes,
        refused_cache_size=m.supergraph.refused_cache_size,
        get_queries=m.server.get_queries,
        header_timeout=m.server.header_timeout,
        body_timeout=m.server.body_timeout,
        validate_in_thread_chars=m.server.validate_in_thread_chars,
        max_forwarded_header_bytes=m.server.forwarded_header_max_bytes,
        max_forwarded_headers_total_bytes=m.server.forwarded_headers_max_total_bytes,
        metrics_operations=m.telemetry.metrics.operations,
        metrics_token=m.telemetry.metrics.token,
        subgraph_urls={name: s.url for name, s in subgraphs.items() if s.url},
        subscription_urls={name: s.subscription_url for name, s in subgraphs.items() if s.subscription_url},
        subgraph_api_keys={name: s.api_key for name, s in subgraphs.items() if s.api_key},
        subgraph_timeouts={name: s.timeout for name, s in subgraphs.items() if s.timeout is not None},
        max_body_bytes=m.server.max_body_bytes,
        limits=OperationLimits(**{name: getattr(m.limits, name) for name in m.limits.__struct_fields__}),
        apq=m.persisted_documents.apq.enabled,
        apq_cache_size=m.persisted_documents.apq.cache_size,
        apq_shared_store=_shared_store(m.persisted_documents.apq.shared_store, problems),
        apq_shared_ttl=m.persisted_documents.apq.shared_ttl,
        trusted_documents_only=trusted.enabled,
        trusted_documents=trusted.manifest,
        document_store=store,
        telemetry=_telemetry(m),
        expose_subgraph_errors="*" if "*" in exposed else frozenset(exposed),
        exposed_error_codes=frozenset(m.security.errors.exposed_codes),
        subgraph_retries=retries.attempts,
        retry_base_delay=retries.base_delay,
        retry_max_delay=retries.max_delay,
        retry_timeouts=retries.on_timeout,
        breaker_threshold=breaker.threshold,
        breaker_open_seconds=breaker.open_seconds,
        retry_overrides=_overrides(m, raw or {}, "retries", _RETRY_KEYS),
        breaker_overrides=_overrides(m, raw or {}, "circuit_breaker", _BREAKER_KEYS),
        response_headers=_response_rules(every, subgraphs),
        subgraph_log_interval=m.telemetry.logs.subgraph_failure_interval,
        propagate_headers=propagate,
        csrf_prevention=m.server.csrf.enabled,
        csrf_preflight_headers=tuple(h.lower() for h in m.server.csrf.required_headers),
        cors_origins=tuple(m.server.cors.origins),
        cors_allow_credentials=m.server.cors.allow_credentials,
        cors_allow_headers=tuple(h.lower() for h in m.server.cors.allow_headers),
        cors_max_age=m.server.cors.max_age,
        max_batch_size=m.server.batching.max_size,
        ide=m.server.ide,
        ide_without_introspection=m.server.ide_without_introspection,
        ide_default_query=m.server.ide_default_query,
        subscription_max_connections=m.server.subscriptions.max_connections,
        subscription_max_per_connection=m.server.subscriptions.max_per_connection,
        subscription_keepalive=m.server.subscriptions.keepalive,
        subscription_init_timeout=m.server.subscriptions.init_timeout,
        subscription_buffer=m.server.subscriptions.buffer,
        subscription_multiplex=m.server.subscriptions.multiplex,
        subscription_dedupe=m.server.subscriptions.dedupe,
        subscription_upstream_per_connection=m.server.subscriptions.upstream_per_connection,
        subscription_batch_entities=m.server.subscriptions.batch_entities,
        subscription_batch_window=m.server.subscriptions.batch_window,
        subscription_table=m.server.subscriptions.table,
        subscription_management_url=m.server.subscriptions.management_url,
        defer=m.server.defer,
        access_mode=m.security.access.mode,
        # Declarative policy dicts as written; gateway/access evaluates them.
        access_policies=dict(m.security.policies),
        identity_secret=m.security.identity_secret,
        plugins=[{"use": p.use, "options": dict(p.options)} for p in m.plugins],
        contracts=_contracts(m),
        contract_default=m.contracts.default,
    )
    return GatewayConfig(**values)


def _contracts(m: Any) -> tuple[Any, ...]:
    """The file's contract definitions (already checked by validate.py) as ContractDefinitions."""
    if not m.contracts.definitions:
        return ()
    import msgspec

    from bff_common.contracts.definitions import parse_contracts

    raw = {name: msgspec.structs.asdict(entry) for name, entry in m.contracts.definitions.items()}
    contracts, _ = parse_contracts(raw, m.contracts.default)
    return contracts.definitions


def _shared_store(url: str | None, problems: list[Problem]) -> str | None:
    if url:
        from ..shared_cache.store import open_shared_store

        try:
            open_shared_store(url)  # the URL's shape only: nothing is connected here
        except ValueError as exc:
            problems.append(Problem(("persisted_documents", "apq", "shared_store"), str(exc)))
    return url


def _telemetry(m: Any) -> TelemetrySettings:
    from ..telemetry.settings import TelemetrySettings

    t = m.telemetry
    store = t.usage.store
    if store == "registry":
        store = m.supergraph.registry
    return TelemetrySettings(
        log_level=logging.getLevelName(t.logs.level.upper()) if t.logs.level else None,
        metrics=t.metrics.exporter, tracing=t.tracing.enabled, usage_store=store,
        usage_flush_seconds=t.usage.flush_seconds)


def _auth_config(loaded: Loaded, env: Mapping[str, str], problems: list[Problem], *, dev: bool,
                 resolve_secrets: bool) -> Any:
    jwt = loaded.model.security.jwt
    values = {name: getattr(jwt, name) for name in jwt.__struct_fields__}
    return _auth_from_values(values, loaded, env, problems, dev=dev, resolve_secrets=resolve_secrets)


def _auth_from_values(values: dict[str, Any], loaded: Loaded, env: Mapping[str, str], problems: list[Problem], *,
                      dev: bool, resolve_secrets: bool) -> Any:
    from ..auth.config import AuthConfig
    from ..auth.errors import AuthConfigError
    from ..auth.server_rule import ServerRule

    values["audiences"] = tuple(values["audiences"])
    if values["allow_anonymous"] is None and dev:
        values["allow_anonymous"] = True
    reference = values["hs256_secret"]
    if reference is not None:
        if resolve_secrets:
            from bff_common.secrets import SecretError, SecretResolver

            try:
                scheme, _, name = reference.partition(":")
                if scheme == "env":  # from the environment this configuration was loaded with
                    if not env.get(name):
                        raise SecretError(f"secret {reference}: environment variable {name} is not set")
                    values["hs256_secret"] = env[name].encode()
                else:
                    values["hs256_secret"] = SecretResolver().resolve(reference).encode()
            except SecretError as exc:
                problems.append(_auth_problem(loaded, "hs256_secret", str(exc), "secret"))
                return None
        else:
            values["hs256_secret"] = b"\0" * 32  # `bff config check`: the shape only, no secret fetched
    try:
        values["server_rule"] = ServerRule.parse(values["server_rule"])
        return AuthConfig(**values)
    except AuthConfigError as exc:
        problems.append(_auth_problem(loaded, "", str(exc), "auth"))
        return None


def _auth_problem(loaded: Loaded, name: str, message: str, kind: str) -> Problem:
    path: tuple[str | int, ...] = ("security", "jwt", name) if name else ("security", "jwt")
    source = loaded.source(".".join(str(p) for p in path))
    where = source.split(" ", 1)[1] if source.startswith(("env ", "flag ")) else (
        "" if source == "default" else source)
    return Problem(path, message, kind, where)


def _field_default(name: str) -> Any:
    return GatewayConfig.__dataclass_fields__[name].default
