"""Registry guards: what a publish may not do without saying so.

- `security_changes`: an access directive (@authenticated, @requiresScopes, @policy, @access) that
  a field carried in the current supergraph is removed or changed in the candidate: refused unless
  the publish says `allow_security_change` (logged with who allowed it).
- `foreign_overrides`: `@override(from: "X")` taking a field from another published service X:
  refused unless the publish says `allow_override` (logged with who allowed it). (Consent
  recorded by X itself is not built yet: the flag is the only way.)
- `check_endpoint_target`: endpoints only in allowed schemes, never link-local (169.254/16,
  fe80::/10) or a cloud metadata address, and not loopback unless allowed (local development).
- `check_secret_prefix`: API-key references only under configured prefixes (e.g. `ssm:/bff/`).

Settings: `RegistryGuards` (defaults below; `from_env` reads BFF_REGISTRY_ENDPOINT_SCHEMES,
BFF_REGISTRY_ALLOW_LOOPBACK, BFF_REGISTRY_SECRET_PREFIXES).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .model import Problem

METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog", "instance-data",
                            "instance-data.ec2.internal"})
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"),
                                ipaddress.ip_address("169.254.170.2")})
LOOPBACK_HOSTS = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


@dataclass(frozen=True, slots=True)
class RegistryGuards:
    # URL schemes a service endpoint may use ("lambda" for lambda:FUNCTION[:ALIAS]).
    schemes: tuple[str, ...] = ("https", "http", "lambda")
    # Loopback endpoints (127.0.0.0/8, ::1, localhost): for local development only. None: allowed
    # when the store is local (SQLite, or DynamoDB Local on loopback), refused otherwise.
    allow_loopback: bool | None = None
    # Prefixes an api_key_ref must start with; a reference elsewhere (env:AWS_SECRET_ACCESS_KEY) is refused.
    secret_prefixes: tuple[str, ...] = ("env:BFF_", "ssm:/bff/", "secretsmanager:bff/")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RegistryGuards:
        env = os.environ if env is None else env
        settings: dict[str, Any] = {}
        if env.get("BFF_REGISTRY_ENDPOINT_SCHEMES", "").strip():
            settings["schemes"] = tuple(s.strip().lower() for s in env["BFF_REGISTRY_ENDPOINT_SCHEMES"].split(",")
                                        if s.strip())
        loopback = env.get("BFF_REGISTRY_ALLOW_LOOPBACK", "").strip().lower()
        if loopback:
            if loopback not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(f"BFF_REGISTRY_ALLOW_LOOPBACK={loopback!r}: expected 1 or 0")
            settings["allow_loopback"] = loopback in ("1", "true", "yes")
        if env.get("BFF_REGISTRY_SECRET_PREFIXES", "").strip():
            settings["secret_prefixes"] = tuple(p.strip() for p in env["BFF_REGISTRY_SECRET_PREFIXES"].split(",")
                                                if p.strip())
        return cls(**settings)


def is_local_store(store: Any) -> bool:
    """A development registry: SQLite, or DynamoDB at a loopback endpoint (DynamoDB Local)."""
    if type(store).__module__.endswith(".sqlite"):
        return True
    settings = getattr(store, "_settings", None)  # DynamoDBStore: (region, endpoint, timeout)
    endpoint = settings[1] if isinstance(settings, tuple) and len(settings) > 1 else None
    if not endpoint:
        return False
    from urllib.parse import urlsplit

    host = (urlsplit(endpoint).hostname or "").lower()
    address = _address(host)
    return host in LOOPBACK_HOSTS or (address is not None and address.is_loopback)


def check_endpoint_target(endpoint: str, guards: RegistryGuards, local_store: bool) -> list[Problem]:
    """Problems (code ENDPOINT_NOT_ALLOWED) for an endpoint that already has a valid form."""
    if endpoint.startswith("lambda:"):
        return [] if "lambda" in guards.schemes else [_endpoint(endpoint, "the lambda: scheme is not allowed here")]
    from urllib.parse import urlsplit

    parts = urlsplit(endpoint)
    if parts.scheme not in guards.schemes:
        return [_endpoint(endpoint, f"scheme {parts.scheme!r} is not allowed "
                                    f"(allowed: {', '.join(guards.schemes)})")]
    host = (parts.hostname or "").rstrip(".").lower()
    address = _address(host)
    if host in METADATA_HOSTS or (address is not None and address in METADATA_ADDRESSES):
        return [_endpoint(endpoint, "a cloud metadata address is never a service")]
    if address is not None and address.is_link_local:
        return [_endpoint(endpoint, "link-local addresses (169.254.0.0/16, fe80::/10) are never services")]
    if address is not None and (address.is_unspecified or address.is_multicast):
        return [_endpoint(endpoint, "not a routable service address")]
    loopback = host in LOOPBACK_HOSTS or host.endswith(".localhost") or (address is not None and address.is_loopback)
    allowed = guards.allow_loopback if guards.allow_loopback is not None else local_store
    if loopback and not allowed:
        return [_endpoint(endpoint, "loopback endpoints are for local development "
                                    "(set BFF_REGISTRY_ALLOW_LOOPBACK=1 on a development registry)")]
    return []


def _address(host: str) -> Any:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _endpoint(endpoint: str, why: str) -> Problem:
    return Problem("ENDPOINT_NOT_ALLOWED", f"endpoint {endpoint!r}: {why}")


def check_secret_prefix(ref: str | None, guards: RegistryGuards) -> list[Problem]:
    if ref is None or any(ref.startswith(p) for p in guards.secret_prefixes):
        return []
    return [Problem("SECRET_REF_NOT_ALLOWED", f"api_key_ref {ref!r} is outside the allowed prefixes "
                    f"({', '.join(guards.secret_prefixes)})")]


# -- access directives ----------------------------------------------------------------------

def security_changes(old_supergraph: str | None, new_supergraph: str | None) -> list[Problem]:
    """A SECURITY_CHANGE for every field of the old API schema, still in the new one, whose access
    requirement (its own, its parent type's and its return type's) lost or changed a directive."""
    if not old_supergraph or not new_supergraph:
        return []
    from graphql import GraphQLInterfaceType, GraphQLObjectType, get_named_type, parse

    from bff_common.access_rules import read_rules
    from bff_common.api_schema import build_api_schema

    old_doc, new_doc = parse(old_supergraph, no_location=True), parse(new_supergraph, no_location=True)
    old_rules, new_rules = read_rules(old_doc), read_rules(new_doc)
    if not old_rules:
        return []
    old_api, new_api = build_api_schema(old_doc), build_api_schema(new_doc)
    problems = []
    for name, old_type in old_api.type_map.items():
        new_type = new_api.type_map.get(name)
        if name.startswith("__") or not isinstance(old_type, (GraphQLObjectType, GraphQLInterfaceType)) \
                or not isinstance(new_type, (GraphQLObjectType, GraphQLInterfaceType)):
            continue
        for field_name, old_field in old_type.fields.items():
            new_field = new_type.fields.get(field_name)
            if new_field is None:
                continue
            before = old_rules.of_field(name, field_name, get_named_type(old_field.type).name)
            after = new_rules.of_field(name, field_name, get_named_type(new_field.type).name)
            if before and not _keeps(before, after):
                problems.append(Problem("SECURITY_CHANGE", f"{name}.{field_name}: access requirement removed or "
                                        f"changed ({_describe(before)} -> {_describe(after) or 'none'})",
                                        coordinate=f"{name}.{field_name}"))
    return problems


def _keeps(before: Any, after: Any) -> bool:
    """Every directive application of `before` is still in `after` (added ones only tighten)."""
    return ((not before.authenticated or after.authenticated) and set(before.scopes) <= set(after.scopes)
            and set(before.policies) <= set(after.policies) and set(before.access) <= set(after.access))


def _describe(req: Any) -> str:
    parts = ["@authenticated"] if req.authenticated else []
    parts += [f"@requiresScopes({_groups(g)})" for g in req.scopes]
    parts += [f"@policy({_groups(g)})" for g in req.policies]
    for rule in req.access:
        args = []
        if rule.principals is not None:
            args.append("principals: " + ", ".join(sorted(p.upper() for p in rule.principals)))
        if rule.roles is not None:
            args.append("roles: " + ", ".join(sorted(rule.roles)))
        parts.append(f"@access({'; '.join(args)})")
    return " ".join(parts)


def _groups(groups: Any) -> str:
    return " | ".join(" & ".join(sorted(g)) for g in groups)


# -- @override --------------------------------------------------------------------------------

def foreign_overrides(name: str, sdl: str, owners: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(from service, Type.field) for each `@override(from: X)` in `sdl` where X is another published
    service (`owners`: name -> Service)."""
    from graphql import parse

    found = []
    for definition in parse(sdl, no_location=True).definitions:
        type_name = getattr(getattr(definition, "name", None), "value", None)
        for f in getattr(definition, "fields", None) or ():
            for d in f.directives or ():
                if d.name.value not in ("override", "federation__override"):
                    continue
                source = next((getattr(a.value, "value", None) for a in d.arguments or () if a.name.value == "from"),
                              None)
                if isinstance(source, str) and source != name and source in owners:
                    found.append((source, f"{type_name}.{f.name.value}"))
    return found
