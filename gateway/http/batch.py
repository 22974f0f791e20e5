"""Batched requests: a JSON array of operations (only when `config.max_batch_size` > 0).

Each entry is parsed and executed on its own: a malformed entry becomes an error
entry in the answer array, the others still run.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from ..execute.headers import MULTI_SEPARATOR, most_restrictive
from ..request import GraphQLRequest, GraphQLResponse
from .graphql_over_http import HttpError, _request


def parse_batch(body: bytes, headers: Mapping[str, str], max_size: int) -> list[GraphQLRequest | HttpError]:
    """The batch's requests, in order; raises HttpError when the batch itself is unusable."""
    try:
        entries = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HttpError(400, f"Request body is not valid JSON: {exc}") from None
    if not isinstance(entries, list) or not entries:
        raise HttpError(400, "A batch must be a non-empty JSON array of operations.", code="BAD_REQUEST")
    if len(entries) > max_size:
        raise HttpError(400, f"A batch may hold at most {max_size} operations; this one has {len(entries)}.",
                        code="BATCH_TOO_LARGE")
    out: list[GraphQLRequest | HttpError] = []
    for entry in entries:
        if not isinstance(entry, dict):
            out.append(HttpError(400, 'Each batch entry must be a JSON object with a "query" string.'))
            continue
        try:
            out.append(_request(entry, "POST", headers))
        except HttpError as error:
            out.append(error)
    return out


def merge_headers(responses: list[GraphQLResponse]) -> dict[str, str]:
    """Set-Cookie from every entry; the most restrictive Cache-Control."""
    cookies = [r.headers["set-cookie"] for r in responses if r.headers.get("set-cookie")]
    caches = [r.headers["cache-control"] for r in responses if r.headers.get("cache-control")]
    out: dict[str, str] = {}
    if cookies:
        out["set-cookie"] = MULTI_SEPARATOR.join(cookies)
    cache = most_restrictive(caches)
    if cache:
        out["cache-control"] = cache
    return out
