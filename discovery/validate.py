"""Checks on what a publisher sends, before anything is composed or written.

Each check returns Problems instead of raising, so a caller gets every reason at once.
"""

from __future__ import annotations

import re
from typing import Any

from .model import Problem

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
MAX_NAME = 64
MAX_SDL_BYTES = 1_000_000
_LAMBDA_RE = re.compile(r"lambda:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?")
_REF_RE = re.compile(r"env:[A-Za-z_][A-Za-z0-9_]*|ssm:/[A-Za-z0-9_.\-/]+|secretsmanager:[A-Za-z0-9/_+=.@-]+(#[A-Za-z0-9_.-]+)?")


def check_name(name: Any) -> list[Problem]:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name) or len(name) > MAX_NAME:
        return [Problem("INVALID_NAME", f"service name {name!r} is not an identifier "
                        f"([A-Za-z_][A-Za-z0-9_-]*, at most {MAX_NAME} characters)")]
    return []


def check_endpoint(endpoint: Any) -> list[Problem]:
    """http(s)://host... or lambda:FUNCTION[:ALIAS]; nothing else is routable by the gateway."""
    if isinstance(endpoint, str):
        if endpoint.startswith("lambda:"):
            if _LAMBDA_RE.fullmatch(endpoint):
                return []
            return [Problem("INVALID_ENDPOINT", f"endpoint {endpoint!r}: expected lambda:FUNCTION[:ALIAS]")]
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(endpoint)
        except ValueError:
            parts = None
        if parts is not None and parts.scheme in ("http", "https") and parts.hostname and not any(c.isspace() for c in endpoint):
            return []
    return [Problem("INVALID_ENDPOINT", f"endpoint {endpoint!r}: use https://..., http://... or lambda:FUNCTION[:ALIAS]")]


def check_api_key_ref(ref: Any) -> list[Problem]:
    """A reference to where a key lives; a value that is not one is refused (it may be the key itself)."""
    if ref is None:
        return []
    if isinstance(ref, str) and _REF_RE.fullmatch(ref):
        return []
    # Never echo the value back: it may be a real key that was pasted by mistake.
    return [Problem("INVALID_API_KEY_REF", "api_key_ref must be a reference (env:NAME, ssm:/path or "
                    "secretsmanager:NAME[#FIELD]), never the key itself; the value given was not stored")]


def check_lookups(lookups: Any) -> list[Problem]:
    """[{"type": "User", "field": "userById", "arguments": {"id": "id"}}, ...] or None."""
    if lookups is None:
        return []
    def ok(x: Any) -> bool:
        args = x.get("arguments", {}) if isinstance(x, dict) else None
        return (isinstance(x, dict) and set(x) <= {"type", "field", "arguments"} and isinstance(x.get("type"), str)
                and isinstance(x.get("field"), str) and isinstance(args, dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in args.items()))
    if isinstance(lookups, list) and all(ok(x) for x in lookups):
        return []
    return [Problem("INVALID_LOOKUPS", 'lookups must be a JSON list of {"type": T, "field": F, "arguments": {ARG: KEY_FIELD}}')]


def check_sdl(sdl: Any) -> list[Problem]:
    """Size limit first (a huge SDL is never parsed), then it must parse as GraphQL."""
    if not isinstance(sdl, str) or not sdl.strip():
        return [Problem("INVALID_SDL", "the schema (SDL) is empty")]
    size = len(sdl.encode("utf-8"))
    if size > MAX_SDL_BYTES:
        return [Problem("SDL_TOO_LARGE", f"the schema is {size} bytes; the limit is {MAX_SDL_BYTES}")]
    from graphql import parse
    from graphql.error import GraphQLError

    try:
        parse(sdl, no_location=True)
    except GraphQLError as exc:
        where = f" at line {exc.locations[0].line}" if exc.locations else ""
        return [Problem("INVALID_SDL", f"the schema does not parse{where}: {exc.message}")]
    return []
