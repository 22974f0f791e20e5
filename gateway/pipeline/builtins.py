"""The gateway's own behaviours on the pipeline's hooks (telemetry's are in gateway/telemetry/hook.py).

`builtin_plugins` picks the ones a configuration needs, in the order they run:
header propagation first (so later hooks see and may change the final subgraph
headers), telemetry (so it times everything after it), then persisted
documents, access control and response-header merging.
"""

from __future__ import annotations

from typing import Any

from .context import RequestContext, SubgraphCall


class HeaderPropagation:
    """Subgraph request headers: the client's that the rules let through, then the gateway's own
    (`ctx.subgraph_headers`: signed identity, ...), which win."""

    def __init__(self, rules: Any) -> None:
        self.rules = rules  # execute.headers.HeaderRules

    def on_subgraph_request(self, ctx: RequestContext, call: SubgraphCall) -> None:
        headers = self.rules.forward(call.service, ctx.headers)
        if ctx.subgraph_headers:
            headers.update(ctx.subgraph_headers)
        if call.headers:
            headers.update(call.headers)
        call.headers = headers


class ResponseHeaderMerge:
    """Subgraphs' Set-Cookie values all passed on, their Cache-Control merged to the most restrictive,
    and the headers the response rules name (`subgraphs.*.headers.response`) copied, values joined."""

    def __init__(self, rules: Any = None) -> None:
        self.rules = rules  # execute.headers.ResponseHeaderRules, or None: no rules

    def on_subgraph_response(self, ctx: RequestContext, call: SubgraphCall) -> None:
        headers = call.response_headers
        if not headers:
            return
        copy = self.rules.for_service(call.service) if self.rules is not None else None
        if copy is not None or "set-cookie" in headers or "cache-control" in headers:
            sink = ctx.state.get(self)
            if sink is None:
                from ..execute.headers import ResponseHeaders

                sink = ctx.state[self] = ResponseHeaders()
            sink.record(headers, copy)

    def on_response(self, ctx: RequestContext) -> None:
        sink = ctx.state.get(self)
        if sink is not None:
            for name, value in sink.merged().items():
                ctx.response_headers.setdefault(name, value)  # the gateway's own headers (x-request-id) win


class PersistedDocuments:
    """APQ and trusted documents: the query resolved from a hash before preparation; a newly sent
    APQ document remembered once it prepared and planned."""

    def __init__(self, apq: Any, trusted: Any, trusted_only: bool) -> None:
        self.apq = apq  # operation.persisted.MemoryDocumentStore or None
        self.trusted = trusted  # a DocumentStore or None
        self.trusted_only = trusted_only

    def on_request(self, ctx: RequestContext) -> None:
        request = ctx.request
        if request.extensions or self.trusted_only:
            from ..operation.persisted import resolve_query

            ctx.query, persist_as = resolve_query(request, self.apq, self.trusted, self.trusted_only)
            if persist_as is not None:
                ctx.state[self] = persist_as

    def on_plan(self, ctx: RequestContext) -> None:
        if self in ctx.state:
            self.apq.put(ctx.state.pop(self), ctx.query)


class AccessHooks:
    """Field access control around execution: the caller's signed identity for the subgraphs, and
    FORBIDDEN / UNAUTHENTICATED errors at the paths of fields removed for the caller."""

    def __init__(self, access: Any) -> None:
        self.access = access  # access.gate.AccessControl

    def on_request(self, ctx: RequestContext) -> None:
        identity = self.access.identity_headers(ctx.principal)
        if identity:
            ctx.subgraph_headers.update(identity)

    def on_execute(self, ctx: RequestContext) -> None:
        denied = ctx.prepared.denied
        if denied:
            ctx.errors = [*ctx.errors, *self.access.errors(ctx.data, denied)]


def builtin_plugins(gateway: Any, telemetry: list[Any]) -> list[Any]:
    """The built-in plugins `gateway`'s configuration asks for, `telemetry` (its plugins) included."""
    from ..execute.headers import HeaderRules, ResponseHeaderRules

    config = gateway.config
    rules = HeaderRules(config.propagate_headers, config.max_forwarded_header_bytes,
                        config.max_forwarded_headers_total_bytes)
    plugins: list[Any] = [HeaderPropagation(rules), *telemetry]
    if gateway.contracts is not None:  # the caller's contract, before anything is parsed (gateway/contracts)
        plugins.append(gateway.contracts)
    # Always: with APQ off, a persistedQuery extension still gets its PERSISTED_QUERY_NOT_SUPPORTED.
    if gateway.apq is not None and config.apq_shared_store:
        from ..shared_cache import SharedAPQ, open_shared_store

        # Before PersistedDocuments: it fills the in-process LRU that plugin resolves hashes from.
        plugins.append(SharedAPQ(gateway.apq, open_shared_store(config.apq_shared_store, config.apq_shared_ttl)))
    plugins.append(PersistedDocuments(gateway.apq, gateway.trusted, config.trusted_documents_only))
    if gateway.access.rules or gateway.access.secret:
        plugins.append(AccessHooks(gateway.access))
    plugins.append(ResponseHeaderMerge(ResponseHeaderRules(config.response_headers) if config.response_headers
                                       else None))
    return plugins
