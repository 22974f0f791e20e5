"""The gateway: one object that owns the supergraph, the caches and the subgraph client.

Flow of `execute`: prepare (parse, validate, select the operation; cached per
document) -> plan (normalize and plan; cached per document, operation and
@skip/@include values) -> execute the plan against the subgraphs -> shape the
client's response.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import GatewayConfig
from .lru import LRU
from .pipeline import Reject, RequestContext  # per request: imported here, not in execute (0.4 µs a time)
from .request import GraphQLRequest, GraphQLResponse

if TYPE_CHECKING:
    from .prepare_worker import PrepareWorker


@dataclass(slots=True)
class PreparedPlan:
    operation: Any
    plan: Any  # plan.nodes.QueryPlan
    shape: Any  # shape.ShapeProgram
    document: Any = None  # operation.prepare.PreparedDocument
    # Set when the operation's cost depends on variables (slicing arguments): checked per request.
    cost: Any = None  # operation.cost.OperationCost
    # Fields removed for the principal (access.transform.Denied): null + error after execution.
    denied: Any = None
    # Estimated cost with assumed sizes for unsized lists (reported in the request log, not enforced).
    estimate: int | None = None
    # A subscription's source fetch and the plan of the fetches each event needs (realtime/subscription.py).
    stream: Any = None


class Gateway:
    """Serves GraphQL requests over one supergraph."""

    def __init__(self, supergraph_sdl: str, config: GatewayConfig | None = None, transport: Any = None,
                 contracts: Any = None, *, key_refs: dict[str, str] | None = None, lenient: bool = False) -> None:
        """`contracts`: the registry's definitions for this version (JSON or ContractDefinitions); None
        serves `config.contracts`. `key_refs`: subgraph name -> API-key reference published with each
        service (the registry's entries); `config.subgraph_api_keys` overrides them. `lenient`: a graph
        from the registry changes under a running gateway, so settings naming a subgraph it lacks are
        logged and ignored instead of refusing the whole graph (a static file keeps the strict check)."""
        from .execute.executor import Executor
        from .plan.planner import FieldSetCache
        from bff_common.api_schema import build_api_schema
        from .supergraph.reader import read_supergraph

        self.config = config or GatewayConfig()
        self.supergraph_sdl = supergraph_sdl
        from graphql import parse
        from graphql.error import GraphQLSyntaxError

        from .supergraph.reader import syntax_error

        try:
            document = parse(supergraph_sdl, no_location=True)
        except GraphQLSyntaxError as error:
            raise syntax_error(error) from None
        self.supergraph = read_supergraph(document)
        self.api_schema = build_api_schema(document)
        # Every contract's schema and the per-request selection hook (gateway/contracts), when any are defined.
        self.contracts = _contract_serving(document, self.config, contracts)
        if self.config.defer:  # accepted everywhere; streamed only where the transport can (realtime/defer.py)
            from graphql import GraphQLDeferDirective

            for schema in (self.api_schema, *(self.contracts.schemas.values() if self.contracts else ())):
                schema.directives = (*schema.directives, GraphQLDeferDirective)
        self.field_sets = FieldSetCache()
        # Bounded by entries and by (estimated) bytes: see _document_weight and _plan_weight.
        budget = self.config.cache_max_bytes
        self._documents: LRU[Any] = LRU(self.config.plan_cache_size, budget)
        self._plans: LRU[PreparedPlan] = LRU(self.config.plan_cache_size, budget)
        # Documents refused (parse, limits, validation) by digest: a repeat costs a hash, not a validation.
        self._refused: LRU[list[dict[str, Any]]] = LRU(self.config.refused_cache_size,
                                                       self.config.refused_cache_size * 2_000)
        # Digests of big documents seen once: they are cached when they come again (see _load).
        self._seen: LRU[bool] = LRU(self.config.refused_cache_size * 4)
        by_name = {s.name: s for s in self.supergraph.subgraphs.values()}
        self._lenient = lenient
        self._unknown("URL", "`subgraphs.NAME.url` in bff.yaml, or --subgraph-url", self.config.subgraph_urls, by_name)
        self.urls = {s.id: self.config.subgraph_urls.get(s.name, s.url) for s in self.supergraph.subgraphs.values()}
        # Subgraph name -> X-API-Key (resolved once): sent by the HTTP transport and on subscription sockets.
        self.api_keys = self._resolve_api_keys(by_name, key_refs or {})
        from .access.gate import AccessControl

        self.access = AccessControl(document, self.api_schema, self.config)
        self.breakers: Any = None  # execute/resilience.Breakers of the HTTP transport (None with a given one)
        self.transport = transport or self._http_transport(by_name)
        from bff_common.documents import load_manifest

        from .execute.masking import ErrorMasking
        from .operation.cost import CostModel
        from .operation.persisted import MemoryDocumentStore

        self.masking = ErrorMasking(self.config.expose_subgraph_errors, self.config.exposed_error_codes)
        self.cost_model = CostModel.from_supergraph(document, self.api_schema, self.config.limits.default_list_size,
                                                    self.config.limits.reported_list_size)
        self._costs: LRU[Any] = LRU(self.config.plan_cache_size)  # (query, operation name) -> OperationCost
        self._worker: PrepareWorker | None = None  # prepares big new documents (created on first use)
        self.apq = MemoryDocumentStore(self.config.apq_cache_size) if self.config.apq else None
        self.trusted = self.config.document_store
        if self.trusted is None and self.config.trusted_documents:
            self.trusted = load_manifest(self.config.trusted_documents)
        if self.config.trusted_documents_only and self.trusted is None:
            raise ValueError("trusted_documents_only needs trusted_documents (a manifest) or a document_store")
        from .pipeline import Pipeline
        from .pipeline.builtins import builtin_plugins
        from .telemetry import telemetry_plugins

        # The request's hooks (gateway/pipeline/): built-ins (header propagation, telemetry when on,
        # persisted documents, access control, response headers), then the user's plugins.
        telemetry = telemetry_plugins(self.config.telemetry, self.api_schema, self.config.metrics_operations)
        self.telemetry = telemetry[0] if telemetry else None
        plugins = builtin_plugins(self, telemetry)
        if self.config.plugins:
            from .pipeline.loader import load_plugins

            plugins += load_plugins(self.config.plugins)
        self.pipeline = Pipeline(plugins)
        self.executor = Executor(self.transport, self.urls, self.masking, self.pipeline)
        self.realtime: Any = None  # shared upstream sockets and entity batching (realtime/subscription.py)

    def _http_transport(self, by_name: dict[str, Any]) -> Any:
        """The subgraph client (HTTP or Lambda) inside the configured timeouts, retries and breakers."""
        from .execute.resilience import Breakers, ResilientTransport, RetryPolicy
        from .execute.subgraph_log import SubgraphLog
        from .execute.transport import HttpTransport

        c = self.config
        for what, names in (("Timeouts", c.subgraph_timeouts), ("Retries", c.retry_overrides),
                            ("Circuit breakers", c.breaker_overrides),
                            ("Response header rules", {n: 1 for n in c.response_headers if n != "*"})):
            key = {"Timeouts": "timeout", "Retries": "retries", "Circuit breakers": "circuit_breaker",
                   "Response header rules": "headers.response"}[what]
            self._unknown(what, f"`subgraphs.NAME.{key}` in bff.yaml", names, by_name)
        retry = RetryPolicy(c.subgraph_retries, c.retry_base_delay, c.retry_max_delay, c.retry_timeouts)
        try:  # keys left out of an override take the global values
            retries = {name: replace(retry, **o) for name, o in c.retry_overrides.items()}
            breakers = {name: (o.get("threshold", c.breaker_threshold), o.get("open_seconds", c.breaker_open_seconds))
                        for name, o in c.breaker_overrides.items()}
        except TypeError as exc:
            raise ValueError(f"retry_overrides / breaker_overrides: {exc}") from None
        self.breakers = Breakers(c.breaker_threshold, c.breaker_open_seconds,
                                 log=SubgraphLog(c.subgraph_log_interval), overrides=breakers)
        deadline = max([c.subgraph_timeout, *c.subgraph_timeouts.values()])  # the per-subgraph ones apply around
        warm = tuple(u for u in self.urls.values() if u.startswith("lambda:")) if c.warm_lambda_subgraphs else ()
        return ResilientTransport(HttpTransport(timeout=deadline, api_keys=self.api_keys,
                                                 identity=self.access.signer, warm_lambdas=warm),
                                  timeout=c.subgraph_timeout, timeouts=c.subgraph_timeouts, retry=retry,
                                  breakers=self.breakers, retries=retries)

    def _unknown(self, what: str, where: str, settings: dict[str, Any], by_name: dict[str, Any]) -> None:
        """Settings for subgraphs this graph lacks: an error for a static graph (a typo), one WARNING line
        for a registry graph (a service not published yet, or removed: the rest is served)."""
        unknown = sorted(set(settings) - set(by_name))
        if not unknown:
            return
        message = (f'{what} configured ({where}) for unknown subgraphs: {", ".join(unknown)} '
                   f'(known: {", ".join(sorted(by_name))})')
        if not self._lenient:
            if what == "URL" and len(unknown) == 1:
                name = unknown[0]
                raise ValueError(f'subgraph "{name}" has a URL configured (`subgraphs.{name}.url` in bff.yaml, or '
                                 f'--subgraph-url) but is not a subgraph of this supergraph '
                                 f'(known: {", ".join(sorted(by_name))})')
            raise ValueError(message)
        import logging

        logging.getLogger("bff.supergraph").warning("%s; ignored", message)

    def _resolve_api_keys(self, by_name: dict[str, Any], key_refs: dict[str, str]) -> dict[str, str]:
        """Subgraph name -> X-API-Key value, resolved once (one batched SSM call) from secret references:
        those the services published with their entries, overridden by configured ones. A published
        reference that cannot be resolved costs that service its key (one WARNING), never the graph."""
        configured = self.config.subgraph_api_keys
        if not configured and not key_refs:
            return {}
        from bff_common.secrets import SecretResolver

        self._unknown("API keys", "`subgraphs.NAME.api_key` in bff.yaml, or --subgraph-api-key", configured, by_name)
        published = {n: r for n, r in key_refs.items() if n in by_name and n not in configured}
        pinned = {n: r for n, r in configured.items() if n in by_name}
        resolver = SecretResolver()
        values = resolver.resolve_many(pinned.values()) if pinned else {}  # one SSM call for all
        keys = {name: values[ref] for name, ref in pinned.items()}
        if published:
            try:
                found = resolver.resolve_many(published.values())
            except Exception:  # noqa: BLE001 - one bad published reference must not cost the others their keys
                found = {}
                for name, ref in published.items():
                    try:
                        found[ref] = resolver.resolve(ref)
                    except Exception as exc:  # noqa: BLE001
                        import logging

                        logging.getLogger("bff.supergraph").warning(
                            "cannot resolve the API-key reference %s published by %s (%s); calling it without "
                            "a key", ref, name, exc)
            keys.update({name: found[ref] for name, ref in published.items() if ref in found})
        return keys

    @classmethod
    def from_file(cls, path: str | Path, config: GatewayConfig | None = None) -> "Gateway":
        """The gateway over a supergraph file; logs the INFO line saying so (graph_log.py)."""
        from .graph_log import FILE, file_version, graph_loaded

        sdl = Path(path).read_text()
        gateway = cls(sdl, config)
        graph_loaded(gateway, version=file_version(sdl), source=f"{FILE} {path}")
        return gateway

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        """Answer one request; never raises for bad input (errors come back in the body).
        The pipeline's hooks run along the way, all seeing one RequestContext."""
        from .operation.prepare import RequestError

        ctx = RequestContext(request)
        hooks = self.pipeline
        try:
            if hooks.on_request:
                pending = hooks.request(ctx)
                if pending is not None:
                    await pending
            if self._prepares_off_loop(ctx.query, ctx.contract):
                prepared, variables = await self._off_loop(request, self._prepare, request, ctx)
            else:
                prepared, variables = self._prepare(request, ctx)
        except (RequestError, Reject) as error:
            return await self._refuse(ctx, error)
        return await self._run(ctx, prepared, variables)

    async def subscribe(self, request: GraphQLRequest) -> Any:
        """A subscription as a stream of responses (realtime.stream.EventStream), for the WebSocket and SSE
        transports; any other operation, or a refused one, is answered at once with a GraphQLResponse."""
        from .realtime.subscription import subscribe

        return await subscribe(self, request)

    async def execute_incremental(self, request: GraphQLRequest) -> Any:
        """A query with @defer as its payloads (an async iterator: the first, then the incremental ones), for
        clients that accept multipart/mixed; anything else is answered at once with a GraphQLResponse."""
        from .realtime.defer import execute_incremental

        return await execute_incremental(self, request)

    async def _refuse(self, ctx: Any, error: Any) -> GraphQLResponse:
        """The response to a request refused before execution (RequestError or Reject), through on_response."""
        headers = getattr(error, "headers", None)  # Retry-After of a busy refusal (prepare_worker.Busy)
        if headers:
            ctx.response_headers.update(headers)
        response = ctx.response = GraphQLResponse(body={"errors": error.errors}, request_error=True,
                                                  status=error.status, headers=ctx.response_headers)
        hooks = self.pipeline
        if hooks.on_response:
            pending = hooks.response(ctx)
            if pending is not None:
                await pending
        return _with_extensions(ctx, response)

    async def _run(self, ctx: Any, prepared: PreparedPlan, variables: dict[str, Any], plan: Any = None,
                   data: dict[str, Any] | None = None, errors: list[dict[str, Any]] | None = None,
                   executor: Any = None) -> GraphQLResponse:
        """Execute, run on_execute, shape and respond. `plan`, `data`, `errors`: a subscription event's
        dependent fetches and the data and errors its source stream sent; `executor`: theirs (batching:
        realtime/batch.py under uvicorn, realtime/apigw/batching.py in the fan-out)."""
        hooks = self.pipeline
        if self.masking.masks:
            ctx.response_headers["x-request-id"] = ctx.request_id
        data, errors = await (executor or self.executor).run(plan or prepared.plan, variables, ctx, data, errors)
        if prepared.plan.local_fields:
            from .execute.introspection import introspect

            intro, intro_errors = await introspect(self.schema_of(ctx.contract), prepared.document.document,
                                                   prepared.operation, variables)
            data.update(intro)
            errors.extend(intro_errors)
        if hooks.on_execute:
            ctx.data, ctx.errors = data, errors
            hooks.execute(ctx)
            data, errors = ctx.data, ctx.errors
        data, errors = prepared.shape.run(data, errors)
        body: dict[str, Any] = {}
        if errors:
            body["errors"] = errors
        body["data"] = data
        response = ctx.response = GraphQLResponse(body=body, headers=ctx.response_headers,
                                                         cost=prepared.estimate)
        if hooks.on_response:
            pending = hooks.response(ctx)
            if pending is not None:
                await pending
        return _with_extensions(ctx, response)

    def explain(self, query: str, operation_name: str | None = None, variables: dict[str, Any] | None = None) -> str:
        """The query plan of an operation, printed (Fetch / Flatten / Sequence / Parallel)."""
        from .operation.prepare import RequestError
        from .plan.printer import print_plan

        request = GraphQLRequest(query=query, operation_name=operation_name, variables=variables)
        try:
            prepared, _ = self._prepare(request, streaming=True)  # subscriptions are planned too
        except RequestError as error:
            raise ValueError("; ".join(e["message"] + "".join(f" (line {at['line']}, column {at['column']})"
                                                              for at in e.get("locations") or ())
                                       for e in error.errors)) from None
        return print_plan(prepared.plan)

    def schema_of(self, contract: str | None) -> Any:
        """The schema a caller of `contract` sees (None: the full API schema)."""
        return self.api_schema if contract is None else self.contracts.schemas[contract]

    @property
    def contract_paths(self) -> frozenset[str]:
        """The HTTP paths that serve a contract (besides /graphql)."""
        return self.contracts.paths if self.contracts is not None else frozenset()

    def _prepare(self, request: GraphQLRequest, ctx: Any = None, streaming: bool = False) \
            -> tuple[PreparedPlan, dict[str, Any]]:
        """The prepared plan and coerced variables; with `ctx` (pipeline.RequestContext), its query (as
        resolved by on_request) is the one prepared and on_operation / on_plan run. Validation,
        variables and introspection are against the caller's contract (`ctx.contract`, chosen in
        on_request); documents and plans are cached per contract. `streaming`: the transport can
        stream (WebSocket, SSE), so subscriptions are allowed."""
        from .operation.prepare import RequestError, coerce_variables, select_operation

        query = request.query if ctx is None else ctx.query
        contract = None if ctx is None else ctx.contract
        schema = self.schema_of(contract)
        if not isinstance(query, str) or not query.strip():
            raise RequestError([{"message": "Missing query: send a GraphQL document in \"query\".",
                                 "extensions": {"code": "BAD_REQUEST"}}])
        cache_key = query if contract is None else (contract, query)
        document = self._documents.get(cache_key)
        if document is None:
            document = self._load(query, contract, request.operation_name)
        operation = select_operation(document, request.operation_name)
        if not self.config.introspection and document.introspection and (
                (operation.name.value if operation.name else None) in document.introspection):
            raise RequestError([{"message": "GraphQL introspection is not allowed here.",
                                 "extensions": {"code": "INTROSPECTION_DISABLED"}}])
        kind = operation.operation.value
        if kind == "subscription" and not streaming:
            raise RequestError([{"message": "Subscriptions need a streaming transport: a WebSocket "
                                            "(graphql-transport-ws) or Server-Sent Events (Accept: text/event-stream).",
                                 "extensions": {"code": "OPERATION_NOT_SUPPORTED"}}])
        if kind == "mutation" and request.http_method == "GET":
            raise RequestError([{"message": "Mutations are not allowed over GET; use POST.",
                                 "extensions": {"code": "METHOD_NOT_ALLOWED"}}], status=405)
        try:
            variables = coerce_variables(schema, operation, request.variables)
        except RequestError as error:
            self._hide_suggestions(error)
            raise
        if ctx is not None:
            ctx.document, ctx.operation_node, ctx.variables = document, operation, variables
            if self.pipeline.on_operation:
                self.pipeline.operation(ctx)
        flags = tuple(bool(variables.get(v, _default_of(operation, v))) for v in document.skip_variables)
        name = operation.name.value if operation.name else None
        # The access decisions for the requirements this operation's fields carry (() when none).
        key = (query, name, flags, contract, self.access.signature((query, name), operation, document.fragments,
                                                                   request.principal))
        prepared = self._plans.get(key)
        if prepared is None:
            cost = self._check_operation(key[:2], operation, document, variables)
            prepared = self._plan(operation, document, variables, request.principal, schema)
            prepared.document = document
            prepared.cost = cost if cost.fixed is None else None
            prepared.estimate = cost.reported
            if cache_key in self._documents:  # the plan is kept only with its document (see _load)
                self._plans.put(key, prepared, _plan_weight(query))
        elif prepared.cost is not None:
            self._check_cost(prepared.cost, variables)
        if ctx is not None:
            ctx.prepared = prepared
            if self.pipeline.on_plan:
                self.pipeline.plan(ctx)
        return prepared, variables

    def _prepares_off_loop(self, query: Any, contract: str | None = None) -> bool:
        """Whether this request's document is big enough, and new, to be prepared (parsed, bounded,
        validated, planned) in the worker thread, so /health and cached requests never wait behind
        it on the event loop. Refused documents are answered from their digest on the loop."""
        if not isinstance(query, str) or len(query) < self.config.validate_in_thread_chars:
            return False
        max_bytes = self.config.limits.max_document_bytes
        if max_bytes is not None and len(query) > max_bytes:
            return False  # refused on the loop for the price of its length
        cache_key = query if contract is None else (contract, query)
        return cache_key not in self._documents and _digest(query, contract) not in self._refused

    async def _off_loop(self, request: GraphQLRequest, fn: Any, *args: Any) -> Any:
        """Run `fn(*args)` in the gateway's one preparing thread (prepare_worker.py), in the caller's context;
        refused at once (503 SERVER_BUSY) when its queue is full, dropped when `request`'s client goes away."""
        if self._worker is None:
            from .prepare_worker import PrepareWorker

            limits = self.config.limits
            self._worker = PrepareWorker(queue=limits.prepare_queue, wait=limits.prepare_wait)
        return await self._worker.run(fn, *args, gone=request.disconnected)

    def _load(self, query: str, contract: str | None = None, operation_name: str | None = None) -> Any:
        """The prepared document for `query` against `contract`'s schema: parsed, within the limits and
        valid, or a RequestError (remembered by digest and contract, so a repeated bad document costs a
        hash, and a document refused for one contract is not refused for another). A document in which
        `operation_name` picks no operation is refused before validation, and not remembered (another
        request may name one of its operations)."""
        from .operation.prepare import RequestError, UnresolvedOperation, prepare_document

        digest = _digest(query, contract)
        refused = self._refused.get(digest)
        if refused is not None:
            raise RequestError(refused)
        try:
            document = prepare_document(self.schema_of(contract), query, self.config.limits,
                                        operation_name=operation_name)
        except UnresolvedOperation:
            raise
        except RequestError as error:
            self._hide_suggestions(error)
            self._refused.put(digest, error.errors, _error_weight(error.errors))
            raise
        if len(query) < self.config.validate_in_thread_chars or digest in self._seen:
            self._documents.put(query if contract is None else (contract, query), document, _document_weight(query))
        else:  # a big document is kept from its second use: one-off documents do not churn the caches
            self._seen.put(digest, True, 40)
        return document

    def _check_operation(self, key: tuple[str, str | None], operation: Any, document: Any,
                         variables: dict[str, Any]) -> Any:
        """The cost limit, before planning (the other limits were checked before validation); the
        operation's cost is cached per document and operation."""
        from .operation.cost import OperationCost

        cost = self._costs.get(key)
        if cost is None:
            cost = OperationCost(self.cost_model, operation, document.fragments)
            self._costs.put(key, cost)
        self._check_cost(cost, variables)
        return cost

    def _check_cost(self, cost: Any, variables: dict[str, Any]) -> None:
        from .operation.limits import limit_error

        limit = self.config.limits.max_cost
        if limit is not None:
            estimate = cost.of(variables)
            if estimate > limit:
                raise limit_error("OPERATION_TOO_COMPLEX", "The operation is too complex", "max_cost", limit,
                                  "estimated cost", estimate)

    def _hide_suggestions(self, error: Any) -> None:
        if not self.config.field_suggestions:
            from .operation.suggestions import without_suggestions

            without_suggestions(error.errors)

    def _plan(self, operation: Any, document: Any, variables: dict[str, Any], principal: Any = None,
              schema: Any = None) -> PreparedPlan:
        from graphql import print_ast

        from .operation.normalize import Normalizer
        from .operation.prepare import RequestError
        from .plan.build import build_plan
        from .plan.planner import PlanningError
        from .shape import compile_shape

        kind = operation.operation.value
        values = dict(variables)
        for d in operation.variable_definitions or ():
            name = d.variable.name.value
            if name not in values and d.default_value is not None:
                from graphql.utilities import value_from_ast_untyped

                values[name] = value_from_ast_untyped(d.default_value)
        root = self.supergraph.root_type(kind)
        if root is None:  # validation refuses it first; kept for a schema without that root
            raise RequestError([{"message": f"The schema has no {kind} type.",
                                 "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}])
        selection_set, fragments, denied = operation.selection_set, document.fragments, None
        restricted = self.access.restrict(operation, fragments, values, principal)  # gateway/access
        if restricted is not None:
            selection_set, fragments, denied = restricted
        selection = Normalizer(self.supergraph, fragments, values).selection(root, selection_set)
        definitions = {d.variable.name.value: print_ast(d) for d in operation.variable_definitions or ()}
        try:
            plan = build_plan(self.supergraph, self.field_sets, kind, selection, definitions,
                              operation.name.value if operation.name else None)
        except PlanningError as error:
            raise RequestError([{"message": str(error), "extensions": {"code": "QUERY_PLANNING_FAILED"}}]) from None
        shape = compile_shape(schema or self.api_schema, operation, document.fragments, values)
        return PreparedPlan(operation=operation, plan=plan, shape=shape, denied=denied)

    async def aclose(self) -> None:
        """Close pooled connections and the preparing thread, then the plugins (telemetry flushes its
        field usage)."""
        if self._worker is not None:
            self._worker.shutdown()
        try:
            await self.transport.aclose()
        finally:
            await self.pipeline.aclose()


# What a cached document and a cached plan weigh, estimated from the document's length (measured
# with tracemalloc on the example graph: a parsed, validated document about 3 KB + 60 bytes a
# character, its plan and shape about 13 KB + 30 bytes a character; rounded up).
def _document_weight(query: str) -> int:
    return 4_000 + 65 * len(query)


def _plan_weight(query: str) -> int:
    return 14_000 + 35 * len(query)


def _error_weight(errors: list[dict[str, Any]]) -> int:
    return 200 + sum(len(str(e.get("message", ""))) + 100 for e in errors)


def _digest(query: str, contract: str | None = None) -> bytes:
    """A document's key in the refused-documents cache (per contract: validity depends on the schema)."""
    import hashlib

    digest = hashlib.blake2b(query.encode("utf-8", "surrogatepass"), digest_size=16)
    if contract is not None:
        digest.update(b"\0" + contract.encode())
    return digest.digest()


def _default_of(operation: Any, name: str) -> Any:
    for d in operation.variable_definitions or ():
        if d.variable.name.value == name and d.default_value is not None:
            from graphql.utilities import value_from_ast_untyped

            return value_from_ast_untyped(d.default_value)
    return None


def _with_extensions(ctx: Any, response: GraphQLResponse) -> GraphQLResponse:
    """The response with the extensions hooks added (ctx.extensions) merged into its body."""
    if ctx.extensions:
        extensions = response.body.get("extensions")
        response.body["extensions"] = {**extensions, **ctx.extensions} if isinstance(extensions, dict) \
            else ctx.extensions
    return response


def _contract_serving(document: Any, config: GatewayConfig, stored: Any) -> Any:
    """The ContractServing for the registry's definitions (`stored`) or the configured ones; None without any."""
    definitions = config.contracts
    if stored:
        from bff_common.contracts.definitions import definitions_from_json

        definitions = definitions_from_json(stored) if isinstance(stored, str) else tuple(stored)
    if not definitions:
        return None
    from bff_common.contracts.definitions import DEFAULT_API, DEFAULT_REFUSE, Contracts

    from .contracts.serving import ContractServing

    default = config.contract_default
    if default not in (DEFAULT_API, DEFAULT_REFUSE) and all(d.name != default for d in definitions):
        raise ValueError(f'contract_default names contract "{default}", which is not defined (defined: '
                         f'{", ".join(d.name for d in definitions)})')
    return ContractServing(document, Contracts(tuple(definitions), default))
