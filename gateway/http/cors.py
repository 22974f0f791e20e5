"""CORS and CSRF rules for /graphql.

CORS: no origin is allowed by default. `*` allows any origin but only without
credentials (browsers refuse `*` with credentials; configuring both is an error).
A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered
204; an origin that is not allowed gets no Access-Control-* headers, so the
browser blocks the call.

CSRF: a browser can send a GET (or a POST with a "simple" content type, which
the gateway already refuses with 415) cross-site without a preflight, with the
user's cookies attached. Such a GET is refused unless it carries one of the
configured preflight-forcing headers or a non-simple Content-Type. The rule
applies only when the request could be a browser acting for someone else: it
carries a Cookie, or an Origin other than the gateway's own and not an allowed
CORS origin. Plain API clients (no cookies, no Origin) — like the graphql-http
audit's GET checks — are unaffected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SIMPLE_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
METHODS = "GET, POST, OPTIONS"


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    origins: tuple[str, ...] = ()
    allow_credentials: bool = False
    allow_headers: tuple[str, ...] = ()
    max_age: int = 600

    def __post_init__(self) -> None:
        if "*" in self.origins and self.allow_credentials:
            raise ValueError('CORS: origin "*" cannot be combined with credentials; list the origins')

    def allows(self, origin: str | None) -> bool:
        return bool(origin) and ("*" in self.origins or origin in self.origins)

    def response_headers(self, origin: str | None) -> dict[str, str]:
        """Headers for an actual (non-preflight) response."""
        if not self.origins:
            return {}
        if not self.allows(origin):
            return {"vary": "origin"}
        out = {"access-control-allow-origin": "*" if "*" in self.origins else origin or ""}
        if "*" not in self.origins:
            out["vary"] = "origin"
        if self.allow_credentials:
            out["access-control-allow-credentials"] = "true"
        return out

    def preflight_headers(self, origin: str | None) -> dict[str, str]:
        """Headers of the 204 answering a preflight."""
        out = self.response_headers(origin)
        if "access-control-allow-origin" in out:
            out["access-control-allow-methods"] = METHODS
            out["access-control-allow-headers"] = ", ".join(self.allow_headers)
            out["access-control-max-age"] = str(self.max_age)
        return out


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    return method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers


def csrf_refused(headers: Mapping[str, str], scheme: str, policy: CorsPolicy,
                 preflight_headers: tuple[str, ...]) -> bool:
    """Whether a GET must be refused as a possible cross-site request forgery."""
    if any(h in headers for h in preflight_headers):
        return False
    content_type = headers.get("content-type")
    if content_type and content_type.split(";")[0].strip().lower() not in SIMPLE_CONTENT_TYPES:
        return False
    if "cookie" in headers:
        return True
    origin = headers.get("origin")
    if origin is None:
        return False
    own = f"{scheme}://{headers.get('host', '')}"
    return origin != own and not policy.allows(origin)
