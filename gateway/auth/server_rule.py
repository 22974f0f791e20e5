"""The explicit rule that makes a token a SERVER principal (a service calling the graph as itself).

Client-credentials tokens look different per identity provider, so the rule is
configuration (BFF_JWT_SERVER_RULE), not guesswork. Syntax: alternatives
separated by `|`, each a conjunction of terms separated by `&`:

    claim=value     the claim equals value (as a string)
    claim$=suffix   the claim is a string ending with suffix
    claim           the claim is present
    !claim          the claim is absent

The default covers Auth0 and Cognito:

    gty=client-credentials | sub$=@clients | token_use=access & !username

(Auth0 M2M tokens carry `gty: client-credentials` and `sub: <client id>@clients`;
Cognito client-credentials access tokens have `token_use: access` and, unlike a
user's access token, no `username`.) An empty rule makes every token a viewer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import AuthConfigError

DEFAULT_SERVER_RULE = "gty=client-credentials | sub$=@clients | token_use=access & !username"

_Term = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class ServerRule:
    source: str
    _alternatives: tuple[tuple[_Term, ...], ...]

    @classmethod
    def parse(cls, source: str) -> ServerRule:
        """Parse the rule once at startup; AuthConfigError names the bad term."""
        alternatives = []
        for alternative in source.split("|"):
            if not alternative.strip():
                continue
            alternatives.append(tuple(_term(raw.strip(), source) for raw in alternative.split("&")))
        return cls(source, tuple(alternatives))

    def matches(self, claims: Mapping[str, Any]) -> bool:
        """True when the verified claims describe a service calling as itself."""
        return any(all(term(claims) for term in terms) for terms in self._alternatives)


def _term(raw: str, source: str) -> _Term:
    if not raw:
        raise AuthConfigError(f"empty term in server rule {source!r}")
    if raw.startswith("!"):
        name = raw[1:].strip()
        _check_name(name, source)
        return lambda claims: name not in claims
    if "$=" in raw:
        name, suffix = (part.strip() for part in raw.split("$=", 1))
        _check_name(name, source)
        return lambda claims: isinstance(claims.get(name), str) and claims[name].endswith(suffix)
    if "=" in raw:
        name, value = (part.strip() for part in raw.split("=", 1))
        _check_name(name, source)
        return lambda claims: name in claims and _as_text(claims[name]) == value
    _check_name(raw, source)
    return lambda claims: raw in claims


def _check_name(name: str, source: str) -> None:
    if not name or any(c in name for c in "=!$ "):
        raise AuthConfigError(f"bad claim name {name!r} in server rule {source!r}")


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
