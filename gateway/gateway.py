"""The gateway: one object that owns the supergraph, the caches and the subgraph client.

Flow of `execute`: prepare (parse, validate, select the operation; cached per
document) -> plan (normalize and plan; cached per document, operation and
@skip/@include values) -> execute the plan against the subgraphs -> shape the
client's response.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import GatewayConfig
from .lru import LRU
from .pipeline import Reject, RequestContext  # per request: imported here, not in execute (0.4 µs a time)
from .request import GraphQLRequest, GraphQLResponse


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


class Gateway:
    """Serves GraphQL requests over one supergraph."""

    def __init__(self, supergraph_sdl: str, config: GatewayConfig | None = None, transport: Any = None) -> None:
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
        self.field_sets = FieldSetCache()
        self._documents: LRU[Any] = LRU(self.config.plan_cache_size)
        self._plans: LRU[PreparedPlan] = LRU(self.config.plan_cache_size)
        by_name = {s.name: s for s in self.supergraph.subgraphs.values()}
        for name in self.config.subgraph_urls:
            if name not in by_name:
                raise ValueError(f'subgraph "{name}" has a URL configured (`subgraphs.{name}.url` in bff.yaml, or '
                                 f'--subgraph-url) but is not a subgraph of this supergraph '
                                 f'(known: {", ".join(sorted(by_name))})')
        self.urls = {s.id: self.config.subgraph_urls.get(s.name, s.url) for s in self.supergraph.subgraphs.values()}
        from .access.gate import AccessControl

        self.access = AccessControl(document, self.api_schema, self.config)
        self.breakers: Any = None  # execute/resilience.Breakers of the HTTP transport (None with a given one)
        self.transport = transport or self._http_transport(by_name)
        from bff_common.documents import load_manifest

        from .execute.masking import ErrorMasking
        from .operation.cost import CostModel
        from .operation.persisted import MemoryDocumentStore

        self.masking = ErrorMasking(self.config.expose_subgraph_errors, self.config.exposed_error_codes)
        self.cost_model = CostModel.from_supergraph(document, self.api_schema, self.config.limits.default_list_size)
        self._measures: LRU[Any] = LRU(self.config.plan_cache_size)  # (query, operation name) -> figures
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
        telemetry = telemetry_plugins(self.config.telemetry, self.api_schema)
        self.telemetry = telemetry[0] if telemetry else None
        plugins = builtin_plugins(self, telemetry)
        if self.config.plugins:
            from .pipeline.loader import load_plugins

            plugins += load_plugins(self.config.plugins)
        self.pipeline = Pipeline(plugins)
        self.executor = Executor(self.transport, self.urls, self.masking, self.pipeline)

    def _http_transport(self, by_name: dict[str, Any]) -> Any:
        """The subgraph client (HTTP or Lambda) inside the configured timeouts, retries and breakers."""
        from .execute.resilience import Breakers, ResilientTransport, RetryPolicy
        from .execute.subgraph_log import SubgraphLog
        from .execute.transport import HttpTransport

        c = self.config
        unknown = sorted(set(c.subgraph_timeouts) - set(by_name))
        if unknown:
            raise ValueError(f'Timeouts configured (`subgraphs.NAME.timeout` in bff.yaml) for unknown subgraphs: '
                             f'{", ".join(unknown)} (known: {", ".join(sorted(by_name))})')
        self.breakers = Breakers(c.breaker_threshold, c.breaker_open_seconds,
                                 log=SubgraphLog(c.subgraph_log_interval))
        deadline = max([c.subgraph_timeout, *c.subgraph_timeouts.values()])  # the per-subgraph ones apply around
        return ResilientTransport(HttpTransport(timeout=deadline, api_keys=self._resolve_api_keys(by_name),
                                                 identity=self.access.signer),
                                  timeout=c.subgraph_timeout, timeouts=c.subgraph_timeouts,
                                  retry=RetryPolicy(c.subgraph_retries, c.retry_base_delay, c.retry_max_delay,
                                                    c.retry_timeouts),
                                  breakers=self.breakers)

    def _resolve_api_keys(self, by_name: dict[str, Any]) -> dict[str, str]:
        """Subgraph name -> X-API-Key value, resolved once from secret references."""
        if not self.config.subgraph_api_keys:
            return {}
        from .secrets import SecretResolver

        unknown = sorted(set(self.config.subgraph_api_keys) - set(by_name))
        if unknown:
            raise ValueError(f'API keys configured (`subgraphs.NAME.api_key` in bff.yaml, or --subgraph-api-key) '
                             f'for unknown subgraphs: {", ".join(unknown)} (known: {", ".join(sorted(by_name))})')
        resolver = SecretResolver()
        return {name: resolver.resolve(ref) for name, ref in self.config.subgraph_api_keys.items()}

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
            prepared, variables = self._prepare(request, ctx)
        except (RequestError, Reject) as error:
            response = GraphQLResponse(body={"errors": error.errors}, request_error=True, status=error.status,
                                       headers=ctx.response_headers)
            ctx.response = response
            if hooks.on_response:
                pending = hooks.response(ctx)
                if pending is not None:
                    await pending
            return _with_extensions(ctx, response)
        if self.masking.masks:
            ctx.response_headers["x-request-id"] = ctx.request_id
        data, errors = await self.executor.run(prepared.plan, variables, ctx)
        if prepared.plan.local_fields:
            from .execute.introspection import introspect

            intro, intro_errors = await introspect(self.api_schema, prepared.document.document,
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
        response = ctx.response = GraphQLResponse(body=body, headers=ctx.response_headers)
        if hooks.on_response:
            pending = hooks.response(ctx)
            if pending is not None:
                await pending
        return _with_extensions(ctx, response)

    def explain(self, query: str, operation_name: str | None = None, variables: dict | None = None) -> str:
        """The query plan of an operation, printed (Fetch / Flatten / Sequence / Parallel)."""
        from .operation.prepare import RequestError
        from .plan.printer import print_plan

        request = GraphQLRequest(query=query, operation_name=operation_name, variables=variables)
        try:
            prepared, _ = self._prepare(request)
        except RequestError as error:
            raise ValueError("; ".join(e["message"] + "".join(f" (line {at['line']}, column {at['column']})"
                                                              for at in e.get("locations") or ())
                                       for e in error.errors)) from None
        return print_plan(prepared.plan)

    def _prepare(self, request: GraphQLRequest, ctx: Any = None) -> tuple[PreparedPlan, dict[str, Any]]:
        """The prepared plan and coerced variables; with `ctx` (pipeline.RequestContext), its query (as
        resolved by on_request) is the one prepared and on_operation / on_plan run."""
        from .operation.prepare import (RequestError, coerce_variables, prepare_document, select_operation)

        query = request.query if ctx is None else ctx.query
        if not isinstance(query, str) or not query.strip():
            raise RequestError([{"message": "Missing query: send a GraphQL document in \"query\".",
                                 "extensions": {"code": "BAD_REQUEST"}}])
        document = self._documents.get(query)
        if document is None:
            from .operation.limits import check_source

            check_source(query, self.config.limits)
            try:
                document = prepare_document(self.api_schema, query)
            except RequestError as error:
                self._hide_suggestions(error)
                raise
            self._documents.put(query, document)
        operation = select_operation(document, request.operation_name)
        kind = operation.operation.value
        if kind == "subscription":
            raise RequestError([{"message": "Subscriptions are not supported by this gateway.",
                                 "extensions": {"code": "OPERATION_NOT_SUPPORTED"}}])
        if kind == "mutation" and request.http_method == "GET":
            raise RequestError([{"message": "Mutations are not allowed over GET; use POST.",
                                 "extensions": {"code": "METHOD_NOT_ALLOWED"}}], status=405)
        try:
            variables = coerce_variables(self.api_schema, operation, request.variables)
        except RequestError as error:
            self._hide_suggestions(error)
            raise
        if ctx is not None:
            ctx.document, ctx.operation_node, ctx.variables = document, operation, variables
            if self.pipeline.on_operation:
                self.pipeline.operation(ctx)
        flags = tuple(bool(variables.get(v, _default_of(operation, v))) for v in document.skip_variables)
        key = (query, operation.name.value if operation.name else None, flags)
        # The access decisions for the requirements this operation's fields carry (() when none).
        key += (self.access.signature(key[:2], operation, document.fragments, request.principal),)
        prepared = self._plans.get(key)
        if prepared is None:
            cost = self._check_operation(key[:2], operation, document, variables)
            prepared = self._plan(operation, document, variables, request.principal)
            prepared.document = document
            prepared.cost = cost if cost.fixed is None else None
            self._plans.put(key, prepared)
        elif prepared.cost is not None:
            self._check_cost(prepared.cost, variables)
        if ctx is not None:
            ctx.prepared = prepared
            if self.pipeline.on_plan:
                self.pipeline.plan(ctx)
        return prepared, variables

    def _check_operation(self, key: tuple, operation: Any, document: Any, variables: dict[str, Any]) -> Any:
        """Introspection and limits, before planning; the figures are cached per document and operation."""
        from .operation.cost import OperationCost
        from .operation.limits import check, measure
        from .operation.prepare import RequestError

        measured = self._measures.get(key)
        if measured is None:
            measured = (measure(operation, document.fragments), OperationCost(self.cost_model, operation,
                                                                              document.fragments))
            self._measures.put(key, measured)
        figures, cost = measured
        if not self.config.introspection and figures.introspection:
            raise RequestError([{"message": "GraphQL introspection is not allowed here.",
                                 "extensions": {"code": "INTROSPECTION_DISABLED"}}])
        check(figures, self.config.limits)
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

    def _plan(self, operation: Any, document: Any, variables: dict[str, Any], principal: Any = None) -> PreparedPlan:
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
        shape = compile_shape(self.api_schema, operation, document.fragments, values)
        return PreparedPlan(operation=operation, plan=plan, shape=shape, denied=denied)

    async def aclose(self) -> None:
        """Close pooled connections, then the plugins (telemetry flushes its field usage)."""
        try:
            await self.transport.aclose()
        finally:
            await self.pipeline.aclose()


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
