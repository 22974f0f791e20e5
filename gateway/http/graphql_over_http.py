"""GraphQL over HTTP: wire request -> `GraphQLRequest`, `GraphQLResponse` -> status code.

Only transport-level problems are decided here (malformed JSON, a `query` that is
not a string, ...): they are answered 400 whatever the media type, because the
request is not a well-formed GraphQL-over-HTTP request. Whether the operation
parses and validates is the gateway's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from ..request import GraphQLRequest, GraphQLResponse
from .negotiation import JSON


class HttpError(Exception):
    """A request refused by the HTTP layer, answered in GraphQL's error format."""

    def __init__(self, status: int, message: str, code: str = "BAD_REQUEST", headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}


def error_body(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def request_from_body(body: bytes, headers: Mapping[str, str]) -> GraphQLRequest:
    """A POST request from its (already size-checked) application/json body."""
    if not body.strip():
        raise HttpError(400, 'Request body is empty; expected a JSON object with a "query" string.')
    try:
        params = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HttpError(400, f"Request body is not valid JSON: {exc}") from None
    if isinstance(params, list):
        raise HttpError(
            400,
            "Batched requests (a JSON array body) are not supported; send one operation per request.",
            code="BATCHING_NOT_SUPPORTED",
        )
    if not isinstance(params, dict):
        raise HttpError(400, 'Request body must be a JSON object with a "query" string.')
    return _request(params, "POST", headers)


def request_from_query_string(query_string: bytes, headers: Mapping[str, str]) -> GraphQLRequest:
    """A GET request from its URL parameters; variables and extensions are JSON-encoded.

    An empty operationName, variables or extensions parameter counts as absent.
    """
    try:
        pairs = parse_qsl(query_string.decode(), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise HttpError(400, "Query string is not valid UTF-8.") from None
    params: dict[str, Any] = {}
    for name, value in pairs:
        if name in params:
            raise HttpError(400, f'Parameter "{name}" is given more than once.')
        params[name] = value
    for name in ("operationName", "variables", "extensions"):
        if params.get(name) == "":
            del params[name]
    for name in ("variables", "extensions"):
        if name in params:
            try:
                params[name] = orjson.loads(params[name])
            except orjson.JSONDecodeError:
                raise HttpError(400, f'Parameter "{name}" must be a JSON-encoded object.') from None
    return _request(params, "GET", headers)


def request_from_params(params: dict[str, Any], method: str, headers: Mapping[str, str]) -> GraphQLRequest:
    """A request from already decoded parameters (a WebSocket subscribe payload); HttpError when malformed."""
    return _request(params, method, headers)


def _request(params: dict[str, Any], method: str, headers: Mapping[str, str]) -> GraphQLRequest:
    query = params.get("query")
    extensions = params.get("extensions")
    persisted = isinstance(extensions, dict) and isinstance(extensions.get("persistedQuery"), dict)
    if query is None and not persisted:
        raise HttpError(400, 'Missing "query": send the GraphQL document as a string in "query".')
    # A persisted query (APQ, trusted documents) may send only its hash: the gateway answers that.
    if query is not None and not isinstance(query, str):
        raise HttpError(400, '"query" must be a string.')
    operation_name = params.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise HttpError(400, '"operationName" must be a string or null.')
    variables = params.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise HttpError(400, '"variables" must be an object or null.')
    if extensions is not None and not isinstance(extensions, dict):
        raise HttpError(400, '"extensions" must be an object or null.')
    return GraphQLRequest(
        query=query,
        operation_name=operation_name,
        variables=variables,
        extensions=extensions,
        http_method=method,
        headers=headers,
    )


def status_for(response: GraphQLResponse, media_type: str) -> int:
    """The HTTP status of a gateway response, per media type.

    The gateway's explicit `status` wins (e.g. 405 for a mutation over GET).
    application/json: 200 for every executed request, even one that failed
    validation. application/graphql-response+json: 200 when the body has a data
    entry (even null: partial failure); without data, 400 for a request error
    and 500 otherwise (the spec requires 4xx/5xx when data is absent).
    """
    if response.status is not None:
        return response.status
    if media_type == JSON or "data" in response.body:
        return 200
    return 400 if response.request_error else 500
