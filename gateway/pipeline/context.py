"""`RequestContext`: the one object a request carries through the pipeline's hooks.

The gateway creates it when a request arrives and fills it in as the request
moves on (query resolved, operation prepared, plan known, subgraphs called,
response built). Hooks read it and write the parts meant for them: the
gateway's own subgraph headers, response headers and extensions, collected
errors, and `state` (one entry per plugin). Slots keep it cheap to create:
one per request, also when no plugin is installed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class OperationInfo:
    """Name (None when anonymous), kind ("query", "mutation") and sha256 of the document."""

    name: str | None
    kind: str
    sha256: str


class RequestContext:
    """Everything one request has: what came in, what was worked out, what goes out."""

    __slots__ = ("request", "query", "principal", "headers", "contract", "document", "operation_node", "variables",
                 "prepared", "subgraph_headers", "data", "errors", "response", "response_headers", "extensions",
                 "telemetry", "state", "_request_id", "_operation")

    def __init__(self, request: Any) -> None:
        self.request = request  # gateway.request.GraphQLRequest
        # The document text to run: the request's query, or the one APQ / trusted documents resolved.
        self.query: str | None = request.query
        self.principal: Any = request.principal  # bff_common.principal.Principal (kind "anonymous" when nobody)
        self.headers: Mapping[str, str] = request.headers  # the client's, lower-cased names
        # The contract this request is served under (docs/contracts.md); None: the full API schema.
        self.contract: str | None = None
        self.document: Any = None  # operation.prepare.PreparedDocument, once parsed and validated
        self.operation_node: Any = None  # graphql-core OperationDefinitionNode, once selected
        self.variables: dict[str, Any] | None = None  # coerced variable values
        self.prepared: Any = None  # gateway.PreparedPlan (.plan is the query plan), once known
        # The gateway's own headers for every subgraph (signed identity, trace context), sent after
        # the client headers the propagation rules let through, which they override.
        self.subgraph_headers: dict[str, str] = {}
        self.data: Any = None  # the subgraphs' merged data, before shaping (on_execute)
        self.errors: list[dict[str, Any]] = []  # errors collected so far; hooks may append (before shaping)
        self.response: Any = None  # gateway.request.GraphQLResponse, in on_response
        self.response_headers: dict[str, str] = {}  # headers added to the client's response
        self.extensions: dict[str, Any] = {}  # entries added to the response's "extensions"
        self.telemetry: Any = None  # telemetry.record.RequestRecord when telemetry is on
        self.state: dict[Any, Any] = {}  # per-plugin scratch space: key by your plugin (ctx.state[self])
        self._request_id: str | None = None
        self._operation: OperationInfo | None = None

    @property
    def request_id(self) -> str:
        """The caller's x-request-id when it is a plain token, else a new one (made on first use)."""
        if self._request_id is None:
            from ..execute.masking import request_id

            self._request_id = request_id(self.headers)
        return self._request_id

    @request_id.setter
    def request_id(self, value: str) -> None:
        self._request_id = value

    @property
    def operation(self) -> OperationInfo | None:
        """Name, kind and sha256 of the selected operation; None before it is prepared (or when it failed)."""
        if self._operation is None and self.operation_node is not None:
            import hashlib  # not on the cold path: only for plugins that ask

            node = self.operation_node
            text = self.query if isinstance(self.query, str) else ""
            self._operation = OperationInfo(node.name.value if node.name else None, node.operation.value,
                                            hashlib.sha256(text.encode()).hexdigest())
        return self._operation


class SubgraphCall:
    """One subgraph request: what hooks may change before it goes out, and what came back."""

    __slots__ = ("service", "url", "body", "headers", "response", "response_headers", "error", "state")

    def __init__(self, service: str, url: str, body: dict[str, Any]) -> None:
        self.service = service  # the subgraph's name
        self.url = url
        self.body = body  # {"query", "variables"}; hooks may replace or change it
        self.headers: dict[str, str] = {}  # the request headers; hooks may change them
        self.response: dict[str, Any] | None = None  # the GraphQL response map, on success
        self.response_headers: Mapping[str, str] | None = None  # lower-cased, when the transport reports them
        self.error: Exception | None = None  # the SubgraphFailure, when the call failed
        self.state: dict[Any, Any] = {}  # per-plugin scratch space for this call: key by your plugin


def error_codes(errors: Iterable[Any]) -> dict[str, int]:
    """{code: how many of `errors` carry it} in order of first appearance ("UNKNOWN" when an error
    has none): a failed fetch over many objects is one entry, not one code per object. The request
    log and plugins (gateway/plugins/audit_log.py) count a response's errors with it."""
    codes: dict[str, int] = {}
    for error in errors:
        if isinstance(error, dict):
            code = str((error.get("extensions") or {}).get("code", "UNKNOWN"))
            codes[code] = codes.get(code, 0) + 1
    return codes
