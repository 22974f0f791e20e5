"""Header propagation: client request headers to subgraphs, subgraph response headers to the client.

Requests: `HeaderRules` forwards the client headers named by the configuration,
per subgraph name or for all ("*"). A rule is a lower-case header name or a
prefix ending in "*" ("x-b3-*"). Authorization and cookies are not forwarded
unless a rule names them; client headers named like the gateway's own
identity headers (`x-bff-*`) never are. The gateway's own headers travel
separately (`RequestContext.subgraph_headers`) and are added after these
(pipeline/builtins.py). Sizes are capped: a value over
`max_value_bytes`, or past `max_total_bytes` in all, is not forwarded (a 1 MB
`baggage` stays here).

Responses: `ResponseHeaders` gathers each subgraph answer's headers of one
request. Every Set-Cookie value of every subgraph is kept; Cache-Control
becomes the most restrictive of those received (no-store > private > the
smallest max-age). Subgraphs that send no Cache-Control do not count.

Other headers are copied only when a response rule names them
(`ResponseHeaderRules`, per subgraph name or "*"): the values of several
subgraphs (or several answers) are joined with ", " in the order received,
repeats left out. Hop-by-hop and framing headers (`NEVER_COPIED`) never are:
they describe the subgraph's own HTTP message, not the gateway's.

Several Set-Cookie values travel in one `GraphQLResponse.headers` entry joined
with "\\n" (a character no header value may contain); the HTTP layer emits one
header line per value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

DEFAULT_PROPAGATION: dict[str, tuple[str, ...]] = {
    "*": ("x-request-id", "x-correlation-id", "traceparent", "tracestate", "baggage", "x-amzn-trace-id"),
}
# Never forwarded: they frame or route the gateway's own request to the subgraph.
_NEVER = frozenset({"host", "content-length", "transfer-encoding", "connection", "content-type", "accept",
                    "accept-encoding", "keep-alive", "te", "upgrade", "expect", "proxy-authorization"})
MULTI_SEPARATOR = "\n"
# Never copied from a subgraph's answer to the client's: they frame that one HTTP message (or the gateway
# sets its own: content-type, content-encoding).
NEVER_COPIED = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                          "proxy-authenticate", "proxy-authorization", "proxy-connection", "content-length",
                          "content-type", "content-encoding"})
# Always gathered, with their own merge rules (whether a response rule names them or not).
MERGED = ("set-cookie", "cache-control")
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz")
# The gateway's own headers (bff_common/identity.py): never taken from the client.
GATEWAY_PREFIX = "x-bff-"


class HeaderRules:
    """Which client request headers each subgraph receives."""

    def __init__(self, rules: Mapping[str, tuple[str, ...] | list[str]] | None = None,
                 max_value_bytes: int | None = 8192, max_total_bytes: int | None = 16384) -> None:
        rules = DEFAULT_PROPAGATION if rules is None else rules
        # A header value longer than this is not forwarded (dropped, not cut: half a `baggage` is
        # worse than none); nor are headers past the total. W3C baggage allows 8192 bytes.
        self.max_value_bytes = max_value_bytes
        self.max_total_bytes = max_total_bytes
        self._rules = {service: tuple(r.lower() for r in names) for service, names in rules.items()}
        self._cache: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}

    def _for(self, service: str) -> tuple[frozenset[str], tuple[str, ...]]:
        found = self._cache.get(service)
        if found is None:
            names = self._rules.get("*", ()) + self._rules.get(service, ())
            exact = frozenset(n for n in names if not n.endswith("*"))
            prefixes = tuple(n[:-1] for n in names if n.endswith("*"))
            found = self._cache[service] = (exact, prefixes)
        return found

    def forward(self, service: str, headers: Mapping[str, str] | None) -> dict[str, str]:
        """The client headers (lower-cased names) that `service` receives."""
        if not headers:
            return {}
        exact, prefixes = self._for(service)
        out = {}
        limit, budget = self.max_value_bytes, self.max_total_bytes
        for name, value in headers.items():
            key = name.lower()
            if key in _NEVER or key.startswith(GATEWAY_PREFIX):
                continue
            if key in exact or (prefixes and key.startswith(prefixes)):
                size = len(key) + len(value)  # header values are Latin-1: characters are bytes
                if limit is not None and len(value) > limit:
                    continue
                if budget is not None:
                    if size > budget:
                        continue
                    budget -= size
                out[key] = value
        return out


def response_rule_problem(rule: str) -> str | None:
    """Why `rule` (a header name or "prefix-*") cannot be a response header rule; None when it can."""
    name = rule.lower()
    stem = name[:-1] if name.endswith("*") else name
    if not stem or not set(stem) <= _TOKEN - {"*"}:
        return f"{rule!r} is not a header name or a \"prefix-*\" (letters, digits and -_.!#$%&'+^`|~)"
    if name in NEVER_COPIED:
        return f"{rule!r} is never copied: it frames the subgraph's own HTTP message"
    return None


class ResponseHeaderRules:
    """Which headers of each subgraph's answer are copied to the client's response."""

    def __init__(self, rules: Mapping[str, tuple[str, ...] | list[str]] | None = None) -> None:
        self._rules = {service: tuple(r.lower() for r in names) for service, names in (rules or {}).items()}
        self._cache: dict[str, tuple[frozenset[str], tuple[str, ...]] | None] = {}

    def __bool__(self) -> bool:
        return any(self._rules.values())

    def for_service(self, service: str) -> tuple[frozenset[str], tuple[str, ...]] | None:
        """(exact names, prefixes) copied from `service`'s answers; None when nothing is."""
        if service in self._cache:
            return self._cache[service]
        names = self._rules.get("*", ()) + self._rules.get(service, ())
        exact = frozenset(n for n in names if not n.endswith("*") and n not in NEVER_COPIED and n not in MERGED)
        prefixes = tuple(n[:-1] for n in names if n.endswith("*"))
        found = self._cache[service] = (exact, prefixes) if exact or prefixes else None
        return found


@dataclass(slots=True)
class ResponseHeaders:
    """Headers gathered from the subgraph answers of one request."""

    set_cookies: list[str] = field(default_factory=list)
    cache_controls: list[str] = field(default_factory=list)
    copied: dict[str, list[str]] = field(default_factory=dict)  # other headers the rules name, by name

    def record(self, headers: Mapping[str, str],
               copy: tuple[frozenset[str], tuple[str, ...]] | None = None) -> None:
        """One subgraph answer's headers (lower-cased names; Set-Cookie values joined with "\\n");
        `copy` (ResponseHeaderRules.for_service): the other headers to keep."""
        cookies = headers.get("set-cookie")
        if cookies:
            self.set_cookies.extend(v for v in cookies.split(MULTI_SEPARATOR) if v)
        cache = headers.get("cache-control")
        if cache:
            self.cache_controls.append(cache)
        if copy is None:
            return
        exact, prefixes = copy
        for name, value in headers.items():
            if name in exact or (prefixes and name.startswith(prefixes) and name not in NEVER_COPIED
                                 and name not in MERGED):
                values = self.copied.setdefault(name, [])
                if value not in values:
                    values.append(value)

    def merged(self) -> dict[str, str]:
        out = {name: ", ".join(values) for name, values in self.copied.items()}
        if self.set_cookies:
            out["set-cookie"] = MULTI_SEPARATOR.join(self.set_cookies)
        cache = most_restrictive(self.cache_controls)
        if cache:
            out["cache-control"] = cache
        return out


def most_restrictive(values: list[str]) -> str | None:
    """One Cache-Control from several: no-store > private > the smallest max-age."""
    if not values:
        return None
    private = False
    max_age: int | None = None
    for value in values:
        directives = {}
        for part in value.split(","):
            name, _, arg = part.strip().partition("=")
            directives[name.strip().lower()] = arg.strip().strip('"')
        if "no-store" in directives:
            return "no-store"
        private = private or "private" in directives
        age = 0 if "no-cache" in directives else _int(directives.get("max-age"))
        if age is not None:
            max_age = age if max_age is None else min(max_age, age)
    parts = ["private"] if private else []
    if max_age is not None:
        parts.append(f"max-age={max_age}")
    return ", ".join(parts) or None


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None
