"""The WebSocket API's routes speaking graphql-transport-ws, one Lambda invocation per message.

    $connect     the client must offer the `graphql-transport-ws` subprotocol (else HTTP 400: the
                 handshake is refused); an `Authorization` header, when a non-browser client sends one,
                 is verified here (401 when refused); past `max_connections` open connections of the
                 API the handshake is refused with 429 (uvicorn closes 1013). The connection is
                 stored, not yet acknowledged.
    $disconnect  the connection and its subscriptions are removed.
    $default     connection_init -> connection_ack (the token from the payload, as under uvicorn:
                 `{"Authorization": "Bearer ..."}` or under `headers`), subscribe (validated and
                 planned now, stored for the fan-out; a query or mutation is answered at once;
                 refused with UNAUTHENTICATED once the token verified at connection_init expired),
                 complete, ping -> pong.

Why the token comes from `connection_init`: browsers cannot set headers on a WebSocket, a token in
the query string lands in API Gateway's access logs, and `graphql-ws` sends `connectionParams` there.

Protocol errors are those of ws.py (the same parser and codes, logged with the code), but API Gateway
lets the backend close a connection (`DELETE @connections`), not choose the close code: the client sees
the socket close without the 44xx code. No server runs between messages, so there is no
`connection_init` timeout (4408) and no server ping: API Gateway closes idle sockets after 10 minutes
(graphql-ws clients' `keepAlive` pings keep them open) and every socket after 2 hours.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

from ..stream import error
from ..ws import PROTOCOL, ProtocolClose, authorization_in, parse_message, token_expired
from .table import Duplicate, Subscription, SubscriptionTable, TooMany

logger = logging.getLogger("bff.realtime")


class Routes:
    """What the routes need: the gateway (built once per container), the authenticator, the table and the
    Management API client."""

    def __init__(self, gateway: Any, authenticator: Any, table: SubscriptionTable, management: Any,
                 max_connections: int | None = None) -> None:
        self.gateway, self.auth, self.table, self.management = gateway, authenticator, table, management
        self.max_connections = max_connections  # the API's open connections (table.py); None: no limit

    async def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        context = event.get("requestContext") or {}
        route, connection_id = context.get("routeKey"), context.get("connectionId", "")
        if route == "$connect":
            return await self._connect(connection_id, event)
        if route == "$disconnect":
            self.table.close(connection_id)
            return {"statusCode": 200}
        try:
            await self._message(connection_id, _body(event))
        except ProtocolClose as close:
            logger.info("WebSocket %s closed: %s %s", connection_id, close.code, close.reason)
            self.management.close(connection_id)
            self.table.close(connection_id)
        return {"statusCode": 200}

    async def _connect(self, connection_id: str, event: dict[str, Any]) -> dict[str, Any]:
        from ...auth.errors import AuthError

        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items() if isinstance(v, str)}
        offered = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")]
        if PROTOCOL not in offered:
            return {"statusCode": 400, "body": "Subprotocol not acceptable: offer graphql-transport-ws"}
        principal = None
        if "authorization" in headers:
            try:
                principal = principal_json(await self.auth.principal_for(headers, None))
            except AuthError as exc:
                return {"statusCode": 401, "body": exc.message}
        try:
            self.table.open(connection_id, principal, max_connections=self.max_connections)
        except TooMany:
            logger.warning("WebSocket %s refused: %s connections open", connection_id, self.max_connections)
            return {"statusCode": 429, "body": "Too many connections; try again later"}
        return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": PROTOCOL}}

    async def _message(self, connection_id: str, raw: str | bytes) -> None:
        message = parse_message(raw)
        kind = message.get("type")
        if kind == "ping":
            await self._post(connection_id, {"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "connection_init":
            await self._init(connection_id, message.get("payload"))
        elif kind == "subscribe":
            await self._subscribe(connection_id, message)
        elif kind == "complete":
            op_id = message.get("id")
            if not isinstance(op_id, str):
                raise ProtocolClose(4400, "complete needs an id")
            self.table.remove(connection_id, op_id)
        else:
            raise ProtocolClose(4400, f"Unknown message type {kind!r}" if isinstance(kind, str) else
                                "Message has no type")

    async def _init(self, connection_id: str, payload: Any) -> None:
        from ...auth.errors import AuthError

        if payload is not None and not isinstance(payload, dict):
            raise ProtocolClose(4400, "connection_init payload must be an object")
        connection = self.table.connection(connection_id)
        if connection is None:
            raise ProtocolClose(4400, "Unknown connection")
        if connection["acked"]:
            raise ProtocolClose(4429, "Too many initialisation requests")
        principal = connection["principal"]
        authorization = authorization_in(payload or {})
        if authorization is not None or principal is None:
            headers = {"authorization": authorization} if authorization is not None else {}
            try:
                principal = principal_json(await self.auth.principal_for(headers, None))
            except AuthError as exc:
                raise ProtocolClose(4403, f"Forbidden: {exc.message}") from None
        if not self.table.acknowledge(connection_id, principal):
            raise ProtocolClose(4429, "Too many initialisation requests")
        await self._post(connection_id, {"type": "connection_ack"})

    async def _subscribe(self, connection_id: str, message: dict[str, Any]) -> None:
        from ...http.graphql_over_http import HttpError, request_from_params

        op_id, payload = message.get("id"), message.get("payload")
        if not isinstance(op_id, str) or not op_id:
            raise ProtocolClose(4400, "subscribe needs an id (a non-empty string)")
        if not isinstance(payload, dict):
            raise ProtocolClose(4400, "subscribe needs a payload object")
        connection = self.table.connection(connection_id)
        if connection is None or not connection["acked"]:
            raise ProtocolClose(4401, "Unauthorized")
        try:
            request = request_from_params(payload, "POST", {})
        except HttpError as exc:
            await self._post(connection_id, {"id": op_id, "type": "error", "payload": [error(exc.message, exc.code)]})
            return
        request.principal = principal_from_json(connection["principal"])
        if token_expired(request.principal):  # verified once, at connection_init; the socket lives on
            await self._post(connection_id, {"id": op_id, "type": "error", "payload": [error(
                "The access token expired; connect again with a fresh one.", "UNAUTHENTICATED")]})
            return
        gateway = await self.gateway()
        prepared = await prepare(gateway, request)
        if not isinstance(prepared, tuple):  # refused, or a query / mutation answered at once
            body = prepared.body
            if "data" not in body:
                await self._post(connection_id, {"id": op_id, "type": "error", "payload": body.get("errors") or []})
            else:
                await self._post(connection_id, {"id": op_id, "type": "next", "payload": body})
                await self._post(connection_id, {"id": op_id, "type": "complete"})
            return
        ctx, plan, variables = prepared
        topic, args = root_field(gateway, plan.operation, variables)
        subscription = Subscription(connection_id, op_id, topic, args, ctx.query, request.operation_name,
                                    request.variables, connection["principal"])
        try:
            self.table.add(subscription, gateway.config.subscription_max_per_connection)
        except Duplicate:
            raise ProtocolClose(4409, f"Subscriber for {op_id} already exists") from None
        except TooMany:
            limit = gateway.config.subscription_max_per_connection
            await self._post(connection_id, {"id": op_id, "type": "error", "payload": [error(
                f"Too many operations on this connection (at most {limit}).", "TOO_MANY_SUBSCRIPTIONS")]})

    async def _post(self, connection_id: str, message: dict[str, Any]) -> None:
        await self.management.post(connection_id, orjson.dumps(message).decode())


async def prepare(gateway: Any, request: Any) -> Any:
    """(ctx, prepared, variables) for a subscription; a GraphQLResponse for a refusal or any other operation."""
    from ...operation.prepare import RequestError
    from ...pipeline import Reject, RequestContext

    ctx = RequestContext(request)
    try:
        if gateway.pipeline.on_request:
            pending = gateway.pipeline.request(ctx)
            if pending is not None:
                await pending
        prepared, variables = gateway._prepare(request, ctx, streaming=True)
    except (RequestError, Reject) as refusal:
        return await gateway._refuse(ctx, refusal)
    if prepared.plan.operation_kind != "subscription":
        return await gateway._run(ctx, prepared, variables)
    return ctx, prepared, variables


def root_field(gateway: Any, operation: Any, variables: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The subscription's root field name (its topic) and argument values (what events are matched on)."""
    from graphql import FieldNode, InlineFragmentNode, Undefined
    from graphql.utilities import value_from_ast

    selections = list(operation.selection_set.selections)
    while selections:
        node = selections.pop(0)
        if isinstance(node, FieldNode) and node.name.value != "__typename":
            definition = gateway.api_schema.subscription_type.fields[node.name.value]
            args: dict[str, Any] = {}
            for argument in node.arguments or ():  # validated already: every value coerces
                name = argument.name.value
                args[name] = value_from_ast(argument.value, definition.args[name].type, variables)
            for name, arg in definition.args.items():
                if name not in args and arg.default_value is not Undefined:
                    args[name] = arg.default_value
            return node.name.value, args
        if isinstance(node, InlineFragmentNode):
            selections[:0] = node.selection_set.selections
    raise ProtocolClose(4400, "A subscription needs a root field")


def principal_json(principal: Any) -> dict[str, Any] | None:
    """The verified principal as stored with the connection (None: anonymous)."""
    if principal is None or principal.kind == "anonymous":
        return None
    return {"kind": principal.kind, "sub": principal.subject, "roles": sorted(principal.roles),
            "scopes": sorted(principal.scopes), "client": principal.client_name, "claims": principal.claims}


def principal_from_json(stored: dict[str, Any] | None) -> Any:
    from bff_common.principal import ANONYMOUS, Principal

    if not stored:
        return ANONYMOUS
    return Principal(kind=stored["kind"], subject=stored.get("sub"), roles=frozenset(stored.get("roles") or ()),
                     scopes=frozenset(stored.get("scopes") or ()), client_name=stored.get("client"),
                     claims=stored.get("claims") or {})


def _body(event: dict[str, Any]) -> str | bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        import base64

        return base64.b64decode(body)
    return str(body)
