"""Media types in and out: which response type the client gets, which request bodies we read.

GraphQL over HTTP defines two response media types. `application/graphql-response+json`
lets the status code describe the outcome (400 for a request error); legacy
`application/json` answers 200 for every well-formed request. A client that sends
no Accept header, or only wildcards, gets `application/json`, as the spec requires
until its watershed.
"""

from __future__ import annotations

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
SUPPORTED = (GRAPHQL_RESPONSE_JSON, JSON)

# Content types a browser sends cross-origin without a CORS preflight: accepting
# them would let any web page POST operations with the user's cookies (CSRF).
SIMPLE_CONTENT_TYPES = frozenset({"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"})

_UTF8 = frozenset({"utf-8", "utf8"})


def parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """Split `type/subtype; a=b` into the lower-cased type and its parameters."""
    media_type, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        name, _, param_value = part.partition("=")
        name = name.strip().lower()
        if name:
            params[name] = param_value.strip().strip('"')
    return media_type.strip().lower(), params


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when neither is acceptable (406).

    Each candidate takes the q-value of the most specific range that matches it
    (RFC 9110 §12.5.1); a range naming a charset other than UTF-8 does not match,
    since we only write UTF-8. Ties go to the explicitly named type over a wildcard
    match; between two explicit names to graphql-response+json (the spec's
    preferred type), between two wildcard matches to application/json (what
    legacy clients sending */* expect).
    """
    if accept is None or not accept.strip():
        return JSON
    ranges: list[tuple[str, float]] = []
    for item in accept.split(","):
        if not item.strip():
            continue
        media_range, params = parse_media_type(item)
        charset = params.get("charset")
        if charset is not None and charset.lower() not in _UTF8:
            continue
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            continue
        ranges.append((media_range, min(max(q, 0.0), 1.0)))

    best: str | None = None
    best_key: tuple[float, int, int] | None = None
    for candidate in SUPPORTED:
        q, specificity = _quality(candidate, ranges)
        if q <= 0.0:
            continue
        preferred = GRAPHQL_RESPONSE_JSON if specificity == 2 else JSON
        key = (q, specificity, int(candidate == preferred))
        if best_key is None or key > best_key:
            best, best_key = candidate, key
    return best


def _quality(candidate: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching candidate; specificity 2 = exact."""
    main_type = candidate.split("/", 1)[0]
    found_q, found_specificity = 0.0, -1
    for media_range, q in ranges:
        if media_range == candidate:
            specificity = 2
        elif media_range == f"{main_type}/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if specificity > found_specificity or (specificity == found_specificity and q > found_q):
            found_q, found_specificity = q, specificity
    return found_q, found_specificity


def request_content_type_problem(content_type: str | None) -> str | None:
    """Why a POST body's Content-Type is refused (415), or None when it is application/json in UTF-8."""
    if content_type is None or not content_type.strip():
        return "Missing Content-Type header; send the request as application/json."
    media_type, params = parse_media_type(content_type)
    if media_type in SIMPLE_CONTENT_TYPES:
        return (
            f"Content-Type {media_type} is refused (it would allow cross-site request forgery); "
            "send the request as application/json."
        )
    if media_type != JSON:
        return f"Unsupported Content-Type {media_type}; send the request as application/json."
    charset = params.get("charset")
    if charset is not None and charset.lower() not in _UTF8:
        return f"Unsupported charset {charset}; request bodies must be UTF-8."
    return None
