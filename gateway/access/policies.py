"""Declarative `@policy` rules: named predicates over the principal, written as data.

A policy is a rule; a rule is a mapping whose conditions must all hold:

    roles: [admin, instructor]      holds at least one of these roles
    scopes: [courses:write]         holds every one of these scopes
    kind: viewer | [viewer, server] the principal's kind is one of these
    authenticated: true             not anonymous (false: anonymous)
    claim: org                      the verified claim (dotted paths allowed) ...
      equals: acme                  ... equals this value, or
      contains: acme                ... (a list, or a string) contains this value
    any_of: [rule, ...]             at least one rule holds
    all_of: [rule, ...]             every rule holds
    not: rule                       the rule does not hold (it may not use `owner`)
    owner: true                     the viewer owns the object: decided by the service
    python: "package.module:name"   a callable principal -> bool (imported at start)

`owner` cannot be decided at the gateway (it has no object yet). The gateway evaluates it
three-valued: a viewer with a subject gives OWNER ("if the service finds the viewer owns the
object"), anyone else False. A policy whose outcome is OWNER lets the field through the gateway
and is named in the signed identity's `owner` list; the service's toolkit then allows the field
only on objects the viewer owns (services/toolkit/access.py, `owners=`). See docs/access.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

OWNER = "owner"  # the third outcome: allowed if the service finds the viewer owns the object
Outcome = bool | str
Check = Callable[[Any], Outcome]

KINDS = ("viewer", "server", "anonymous")
_CLAIM_TESTS = ("equals", "contains")
_KEYS = ("roles", "scopes", "kind", "authenticated", "claim", "equals", "contains", "any_of", "all_of", "not",
         "owner", "python")


class PolicyError(ValueError):
    """The policies as written are not valid; `messages` name each problem's key path."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


class CompiledPolicy:
    """A policy usable as `principal -> bool` (OWNER counts as allowed at the gateway) that also
    tells the three-valued outcome (`outcome`) for the signed identity."""

    __slots__ = ("name", "check")

    def __init__(self, name: str, check: Check) -> None:
        self.name = name
        self.check = check

    def outcome(self, principal: Any) -> Outcome:
        return self.check(principal)

    def __call__(self, principal: Any) -> bool:
        return bool(self.check(principal))

    def __repr__(self) -> str:
        return f"CompiledPolicy({self.name!r})"


def validate_policies(raw: Any, path: str = "security.policies") -> list[str]:
    """One message per problem, each naming its key path; empty when the policies are valid."""
    if not isinstance(raw, Mapping):
        return [f"{path}: expected a mapping of policy name -> rule, got {_type(raw)}"]
    messages: list[str] = []
    for name, rule in raw.items():
        if not isinstance(name, str) or not name:
            messages.append(f"{path}: policy names must be non-empty strings, got {name!r}")
        elif callable(rule):
            continue
        else:
            _check(rule, f"{path}.{name}", messages, negated=False)
    return messages


def compile_policies(raw: Mapping[str, Any] | None) -> dict[str, Callable[[Any], bool]]:
    """Policy name -> callable. Rules (mappings) are compiled; callables are kept as they are.
    Raises PolicyError naming every problem."""
    if not raw:
        return {}
    messages = validate_policies(raw)
    if messages:
        raise PolicyError(messages)
    return {name: rule if callable(rule) else CompiledPolicy(name, _compile(rule)) for name, rule in raw.items()}


def outcome(policy: Callable[[Any], bool], principal: Any) -> Outcome:
    """True, False or OWNER for any policy (a plain callable is two-valued; a failing one denies)."""
    try:
        if isinstance(policy, CompiledPolicy):
            return policy.outcome(principal)
        return bool(policy(principal))
    except Exception:
        return False


# --- validation ---------------------------------------------------------------------------------

def _check(rule: Any, path: str, out: list[str], negated: bool) -> None:
    if not isinstance(rule, Mapping):
        out.append(f"{path}: expected a rule (a mapping), got {_type(rule)}")
        return
    if not rule:
        out.append(f"{path}: empty rule; give at least one condition ({', '.join(_KEYS[:5])}, ...)")
        return
    for key in rule:
        if key not in _KEYS:
            hint = _closest(str(key))
            out.append(f"{path}.{key}: unknown condition" + (f"; did you mean `{hint}`?" if hint else ""))
    for key in ("roles", "scopes"):
        if key in rule and not _strings(rule[key]):
            out.append(f"{path}.{key}: expected a non-empty list of strings")
    if "kind" in rule:
        kinds = [rule["kind"]] if isinstance(rule["kind"], str) else rule["kind"]
        if not isinstance(kinds, list) or not kinds or any(k not in KINDS for k in kinds):
            out.append(f"{path}.kind: expected one of {', '.join(KINDS)} (or a list of them)")
    if "authenticated" in rule and not isinstance(rule["authenticated"], bool):
        out.append(f"{path}.authenticated: expected true or false")
    if "claim" in rule:
        if not isinstance(rule["claim"], str) or not rule["claim"]:
            out.append(f"{path}.claim: expected a claim name")
        tests = [t for t in _CLAIM_TESTS if t in rule]
        if len(tests) != 1:
            out.append(f"{path}.claim: give exactly one of `equals` or `contains`")
    else:
        for t in _CLAIM_TESTS:
            if t in rule:
                out.append(f"{path}.{t}: only with `claim`")
    for key in ("any_of", "all_of"):
        if key in rule:
            items = rule[key]
            if not isinstance(items, list) or not items:
                out.append(f"{path}.{key}: expected a non-empty list of rules")
            else:
                for i, item in enumerate(items):
                    _check(item, f"{path}.{key}[{i}]", out, negated)
    if "not" in rule:
        _check(rule["not"], f"{path}.not", out, negated=True)
    if "owner" in rule:
        if rule["owner"] is not True:
            out.append(f"{path}.owner: expected true")
        elif negated:
            out.append(f"{path}.owner: not allowed under `not` (ownership is decided by the service)")
    if "python" in rule:
        target = rule["python"]
        if not isinstance(target, str) or ":" not in target:
            out.append(f'{path}.python: expected "package.module:callable"')
        else:
            try:
                _import(target)
            except Exception as error:  # noqa: BLE001 - reported, not raised
                out.append(f"{path}.python: cannot load {target}: {error}")


def _closest(key: str) -> str | None:
    import difflib

    found = difflib.get_close_matches(key, _KEYS, n=1)
    return found[0] if found else None


def _strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v for v in value)


def _type(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)


def _import(target: str) -> Callable[[Any], Any]:
    import importlib

    module, _, name = target.partition(":")
    found = getattr(importlib.import_module(module), name)
    if not callable(found):
        raise TypeError(f"{name} is not callable")
    policy: Callable[[Any], Any] = found
    return policy


# --- compilation ----------------------------------------------------------------------------------

def _compile(rule: Mapping[str, Any]) -> Check:
    checks = [_condition(key, rule) for key in _KEYS if key in rule and key not in ("equals", "contains")]
    return checks[0] if len(checks) == 1 else _all(checks)


def _condition(key: str, rule: Mapping[str, Any]) -> Check:
    value = rule[key]
    if key == "roles":
        wanted = frozenset(value)
        return lambda p: not wanted.isdisjoint(getattr(p, "roles", ()) or ())
    if key == "scopes":
        needed = frozenset(value)
        return lambda p: needed <= frozenset(getattr(p, "scopes", ()) or ())
    if key == "kind":
        kinds = frozenset([value] if isinstance(value, str) else value)
        return lambda p: _kind(p) in kinds
    if key == "authenticated":
        return lambda p: (_kind(p) != "anonymous") == value
    if key == "claim":
        return _claim(value, rule)
    if key == "any_of":
        return _any([_compile(r) for r in value])
    if key == "all_of":
        return _all([_compile(r) for r in value])
    if key == "not":
        inner = _compile(value)
        return lambda p: not inner(p)
    if key == "owner":
        return lambda p: OWNER if _kind(p) == "viewer" and getattr(p, "subject", None) else False
    function = _import(value)  # python
    return lambda p: bool(function(p))


def _claim(name: str, rule: Mapping[str, Any]) -> Check:
    from ..auth.principal import claim_at

    if "equals" in rule:
        expected = rule["equals"]
        return lambda p: claim_at(getattr(p, "claims", None) or {}, name) == expected
    member = rule["contains"]

    def contains(p: Any) -> bool:
        value = claim_at(getattr(p, "claims", None) or {}, name)
        if isinstance(value, str):
            return isinstance(member, str) and member in value.replace(",", " ").split()
        return isinstance(value, (list, tuple)) and member in value
    return contains


def _all(checks: list[Check]) -> Check:
    def all_of(p: Any) -> Outcome:
        result: Outcome = True
        for check in checks:
            got = check(p)
            if not got:
                return False
            if got == OWNER:
                result = OWNER
        return result
    return all_of


def _any(checks: list[Check]) -> Check:
    def any_of(p: Any) -> Outcome:
        result: Outcome = False
        for check in checks:
            got = check(p)
            if got is True:
                return True
            if got == OWNER:
                result = OWNER
        return result
    return any_of


def _kind(principal: Any) -> str:
    return getattr(principal, "kind", None) or "anonymous"


# --- JSON Schema (for `bff config schema`) --------------------------------------------------------

def _rule_schema() -> dict[str, Any]:
    rule_ref = {"$ref": "#/$defs/policyRule"}
    strings = {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}
    return {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "description": "Conditions that must all hold (see gateway/access/policies.py).",
        "properties": {
            "roles": {**strings, "description": "holds at least one of these roles"},
            "scopes": {**strings, "description": "holds every one of these scopes"},
            "kind": {"oneOf": [{"enum": list(KINDS)}, {"type": "array", "items": {"enum": list(KINDS)},
                                                       "minItems": 1}]},
            "authenticated": {"type": "boolean"},
            "claim": {"type": "string", "minLength": 1, "description": "a verified claim (dotted path allowed)"},
            "equals": {"description": "with `claim`: the claim equals this value"},
            "contains": {"description": "with `claim`: the claim (list or string) contains this value"},
            "any_of": {"type": "array", "items": rule_ref, "minItems": 1},
            "all_of": {"type": "array", "items": rule_ref, "minItems": 1},
            "not": rule_ref,
            "owner": {"const": True, "description": "the viewer owns the object (checked by the service)"},
            "python": {"type": "string", "pattern": "^[A-Za-z_][\\w.]*:[A-Za-z_]\\w*$"},
        },
    }


POLICIES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "@policy names -> rules over the principal's claims",
    "additionalProperties": {"$ref": "#/$defs/policyRule"},
}
# Definitions to merge into the config schema's `$defs`.
POLICY_DEFS: dict[str, Any] = {"policyRule": _rule_schema()}
