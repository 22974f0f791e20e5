"""An audit log: one JSON line per request (who, which operation, which subgraphs, outcome),
and a rule refusing requests from listed clients. The worked example of docs/plugins.md.

    plugins:
      - use: gateway.plugins.audit_log:AuditLog
        options: {path: /var/log/bff-audit.jsonl, deny_clients: [scraper]}

Written as a user would write a plugin: only the public hooks and RequestContext.
"""

from __future__ import annotations

import sys
import time
from typing import IO

import orjson

from gateway.pipeline import Reject, RequestContext, SubgraphCall, error_codes


class AuditLog:
    def __init__(self, path: str = "-", deny_clients: list[str] | tuple[str, ...] = ()) -> None:
        """`path`: the file lines are appended to ("-": stderr). `deny_clients`: client names
        (the apollographql-client-name header) refused with 403 FORBIDDEN before anything runs."""
        if not isinstance(path, str) or not path:
            raise ValueError("path must be a file name, or '-' for stderr")
        if isinstance(deny_clients, str) or not all(isinstance(c, str) for c in deny_clients):
            raise ValueError("deny_clients must be a list of client names")
        self.deny_clients = frozenset(deny_clients)
        self._own_file = path != "-"
        self._out: IO[str] = open(path, "a", buffering=1, encoding="utf-8") if self._own_file else sys.stderr

    def on_request(self, ctx: RequestContext) -> None:
        client = ctx.headers.get("apollographql-client-name")
        if client in self.deny_clients:
            raise Reject(f'Client "{client}" may not use this API.', code="FORBIDDEN", status=403)

    def on_subgraph_request(self, ctx: RequestContext, call: SubgraphCall) -> None:
        ctx.state.setdefault(self, []).append(call.service)

    def on_response(self, ctx: RequestContext) -> None:
        principal = ctx.principal
        operation = ctx.operation
        response = ctx.response
        codes = error_codes(response.body.get("errors") or ())  # {code: count}, as the request log counts them
        line = {
            "ts": round(time.time(), 3),
            "principal": {"kind": getattr(principal, "kind", "anonymous"),
                          "subject": getattr(principal, "subject", None)},
            "client": ctx.headers.get("apollographql-client-name"),
            "operation": operation.name if operation else ctx.request.operation_name,
            "kind": operation.kind if operation else None,
            "sha256": operation.sha256 if operation else None,
            "subgraphs": ctx.state.get(self, []),
            "outcome": "refused" if response.request_error else ("errors" if codes else "ok"),
            "errors": codes,
        }
        self._out.write(orjson.dumps(line).decode() + "\n")

    def aclose(self) -> None:
        if self._own_file:
            self._out.close()
