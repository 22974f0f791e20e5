"""Check a raw configuration tree against the model, collecting EVERY problem (not just the first).

msgspec stops at the first error, so the tree is walked here field by field
using the Structs' own field definitions; each leaf is converted by msgspec with
its declared type and constraints. One problem per message, each naming its key
path (and the closest valid key for an unknown one).
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal

import msgspec

from bff_common.secrets import is_reference

from .errors import Problem
from .model import ALL_ONLY, NAMED_ONLY, SECRET_PATHS, BffFile


def validate(raw: Any, *, policies: bool = True) -> list[Problem]:
    """Every problem in `raw` (a tree of YAML values) as a BffFile; [] when it converts.
    `policies=False` leaves `security.policies` to the gateway (its checker imports graphql: the
    Lambda authorizer, which needs only `security.jwt`, does not pay for it)."""
    problems: list[Problem] = []
    try:
        msgspec.convert(raw, BffFile)  # one compiled pass; the walk below only to name every problem
    except msgspec.ValidationError:
        _walk(raw, BffFile, (), problems)
    if isinstance(raw, dict):
        try:
            _rules(raw, problems, policies)
        except (AttributeError, TypeError):  # a section of the wrong type: already reported above
            pass
    return problems


def _walk(value: Any, hint: Any, path: tuple[str | int, ...], problems: list[Problem]) -> None:
    base = _unannotated(hint)
    origin = typing.get_origin(base)
    if origin in (typing.Union, _UnionType) and type(None) in typing.get_args(base):
        if value is None:
            return
        arms = [a for a in typing.get_args(base) if a is not type(None)]
        if len(arms) == 1 and _is_container(arms[0]):
            _walk(value, arms[0], path, problems)
            return
        _leaf(value, hint, path, problems)
        return
    if isinstance(base, type) and issubclass(base, msgspec.Struct):
        if not isinstance(value, dict):
            problems.append(Problem(path, f"expected a mapping of keys, got {_kind(value)}"))
            return
        fields = {f.encode_name: f for f in msgspec.structs.fields(base)}
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(Problem(path, f"keys must be strings, got {_kind(key)} {key!r}"))
            elif key not in fields:
                problems.append(Problem((*path, key), "unknown key" + _suggest(key, fields)))
            else:
                _walk(item, fields[key].type, (*path, key), problems)
        for name, f in fields.items():
            if f.required and name not in value:
                problems.append(Problem((*path, name), "required key is missing"))
        return
    if origin is dict:
        if not isinstance(value, dict):
            problems.append(Problem(path, f"expected a mapping, got {_kind(value)}"))
            return
        item_hint = typing.get_args(base)[1]
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(Problem(path, f"keys must be strings, got {_kind(key)} {key!r}"))
            else:
                _walk(item, item_hint, (*path, key), problems)
        return
    if origin is list:
        if not isinstance(value, list):
            problems.append(Problem(path, f"expected a list, got {_kind(value)}"))
            return
        item_hint = typing.get_args(base)[0]
        for index, item in enumerate(value):
            _walk(item, item_hint, (*path, index), problems)
        return
    _leaf(value, hint, path, problems)


def _leaf(value: Any, hint: Any, path: tuple[str | int, ...], problems: list[Problem]) -> None:
    literal = _literal(hint)
    if literal is not None:
        allowed, optional = literal
        if value in allowed or (optional and value is None):
            return
        problems.append(Problem(path, f"expected one of {', '.join(map(str, allowed))}, got {value!r}"))
        return
    try:
        msgspec.convert(value, hint)
    except msgspec.ValidationError as exc:
        problems.append(Problem(path, _plain(str(exc).split(" - at `$")[0], value)))


_NAMES = {"`int`": "an integer", "`float`": "a number", "`str`": "a string", "`bool`": "true or false",
          "`array`": "a list", "`object`": "a mapping", "`null`": "nothing"}


def _plain(message: str, value: Any) -> str:
    """msgspec's "Expected `int`, got `str`" as "expected an integer, got 'abc'"."""
    if "matching regex" in message and path_is_plugin(message):
        return f"expected module:Class, got {value!r}"
    message = message.split(", got ")[0]
    for name, words in _NAMES.items():
        message = message.replace(name, words)
    return f"{message[:1].lower()}{message[1:]}, got {value!r}"


def path_is_plugin(message: str) -> bool:
    return ":[A-Za-z_]" in message


def _rules(raw: dict[str, Any], problems: list[Problem], check_policies: bool) -> None:
    """What the types cannot say: references, `all`-only keys, cross-section needs."""
    for pattern in SECRET_PATHS:
        for path, value in _matches(raw, tuple(pattern.split("."))):
            if isinstance(value, str) and not is_reference(value):
                problems.append(Problem(path, "a secret must be a reference (env:NAME, ssm:/path or "
                                              "secretsmanager:NAME), not a value", kind="secret"))
    for name, entry in (raw.get("subgraphs") or {}).items():
        for key in (NAMED_ONLY if name == "all" else ALL_ONLY):
            if (entry or {}).get(key) is not None:
                where = "a named subgraph" if name == "all" else "`subgraphs.all`"
                problems.append(Problem(("subgraphs", name, key), f"belongs under {where}"))
        rules = ((entry or {}).get("headers") or {}).get("response") if isinstance(entry, dict) else None
        if isinstance(rules, list):
            from ..execute.headers import response_rule_problem

            for index, rule in enumerate(rules):
                problem = response_rule_problem(rule) if isinstance(rule, str) else None  # types: the walk
                if problem:
                    problems.append(Problem(("subgraphs", name, "headers", "response", index), problem))
    supergraph = raw.get("supergraph") or {}
    trusted = (raw.get("persisted_documents") or {}).get("trusted") or {}
    if trusted.get("from_registry") and not supergraph.get("registry"):
        problems.append(Problem(("persisted_documents", "trusted", "from_registry"),
                                "needs `supergraph.registry` (BFF_REGISTRY): the documents are stored there"))
    if trusted.get("enabled") and not (trusted.get("manifest") or trusted.get("from_registry")):
        problems.append(Problem(("persisted_documents", "trusted", "enabled"),
                                "needs `manifest` or `from_registry`"))
    usage = ((raw.get("telemetry") or {}).get("usage") or {}).get("store")
    if usage == "registry" and not supergraph.get("registry"):
        problems.append(Problem(("telemetry", "usage", "store"),
                                "`registry` needs `supergraph.registry` (BFF_REGISTRY)"))
    cors = (raw.get("server") or {}).get("cors") or {}
    if "*" in (cors.get("origins") or ()) and cors.get("allow_credentials"):
        problems.append(Problem(("server", "cors", "origins"),
                                "\"*\" cannot be combined with allow_credentials; list the origins"))
    policies = (raw.get("security") or {}).get("policies")
    if policies and check_policies:
        problems.extend(_policy_problems(policies))
    contracts = raw.get("contracts") or {}
    if isinstance(contracts, dict) and (contracts.get("definitions") or contracts.get("default") not in (None, "api")):
        problems.extend(_contract_problems(contracts))


def _contract_problems(contracts: dict[str, Any]) -> list[Problem]:
    """bff_common/contracts' checks (names, tag overlap, a client/claim/path in two contracts, the default),
    as Problems with their key paths."""
    import re

    from bff_common.contracts.definitions import DEFAULT_API, parse_contracts

    definitions = contracts.get("definitions") or {}
    if not isinstance(definitions, dict):
        return []  # the type walk reports it
    _, lines = parse_contracts(definitions, contracts.get("default") or DEFAULT_API, "contracts.definitions",
                               "contracts.default")
    problems = []
    for line in lines:
        key, _, message = line.partition(": ")
        if message.startswith("unknown key"):
            continue  # the type walk reports it, with a suggestion
        path = tuple(int(t[1:-1]) if t.startswith("[") else t for t in re.findall(r"\[\d+\]|[^.\[\]]+", key))
        problems.append(Problem(path, message))
    return problems


def _policy_problems(policies: dict[str, Any]) -> list[Problem]:
    """gateway/access/policies.py's checks; its "key.path: message" lines as Problems (file lines follow)."""
    import re

    from ..access.policies import validate_policies

    problems = []
    for line in validate_policies(policies, "security.policies"):
        key, _, message = line.partition(": ")
        path = tuple(int(t[1:-1]) if t.startswith("[") else t for t in re.findall(r"\[\d+\]|[^.\[\]]+", key))
        problems.append(Problem(path, message))
    return problems


def _matches(tree: Any, pattern: tuple[str, ...], path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if not pattern:
        return [(path, tree)]
    if not isinstance(tree, dict):
        return []
    head, rest = pattern[0], pattern[1:]
    keys = list(tree) if head == "*" else [head] if head in tree else []
    found = []
    for key in keys:
        found += _matches(tree[key], rest, (*path, key))
    return found


def _suggest(key: str, fields: dict[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
    if not close:
        close = [f for f in fields if f.startswith(key) or key.startswith(f)][:1]
    return f"; did you mean `{close[0]}`?" if close else f"; expected one of {', '.join(fields)}"


_UnionType = type(int | None)


def _unannotated(hint: Any) -> Any:
    while typing.get_origin(hint) is Annotated:
        hint = typing.get_args(hint)[0]
    return hint


def _is_container(hint: Any) -> bool:
    base = _unannotated(hint)
    return (isinstance(base, type) and issubclass(base, msgspec.Struct)) or typing.get_origin(base) in (dict, list)


def _literal(hint: Any) -> tuple[tuple[Any, ...], bool] | None:
    base = _unannotated(hint)
    optional = False
    if typing.get_origin(base) in (typing.Union, _UnionType):
        args = typing.get_args(base)
        optional = type(None) in args
        arms = [_unannotated(a) for a in args if a is not type(None)]
        if len(arms) != 1:
            return None
        base = arms[0]
    if typing.get_origin(base) is Literal:
        return typing.get_args(base), optional
    return None


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number", type(None): "nothing (null)"}.get(type(value), type(value).__name__)
