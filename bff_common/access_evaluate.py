"""Decide a `Requirement` for a principal: None when allowed, else the error code.

One implementation on both sides of the wire: the gateway filters or rejects fields with
it (gateway/access), the services refuse them again (services/toolkit/access.py), with
the same messages (`MESSAGES`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bff_common.access_rules import AccessRule, Groups, Requirement

Policy = Callable[[Any], bool]  # principal -> allowed
FORBIDDEN, UNAUTHENTICATED = "FORBIDDEN", "UNAUTHENTICATED"
# The error message per code, formatted with the field coordinate ("Type.field").
MESSAGES = {FORBIDDEN: "Not authorized to access {}.",
            UNAUTHENTICATED: "Authentication is required to access {}."}


class Evaluator:
    """Evaluates requirements with a registry of named policies (unknown policy: deny)."""

    def __init__(self, policies: Mapping[str, Policy] | None = None) -> None:
        self.policies = dict(policies or {})

    def decide(self, req: Requirement, principal: Any, cache: dict[str, bool] | None = None) -> str | None:
        """None if `principal` meets `req`, else "UNAUTHENTICATED" (anonymous) or "FORBIDDEN"."""
        if self.allows(req, principal, {} if cache is None else cache):
            return None
        return UNAUTHENTICATED if _kind(principal) == "anonymous" else FORBIDDEN

    def allows(self, req: Requirement, principal: Any, cache: dict[str, bool]) -> bool:
        kind = _kind(principal)
        if req.authenticated and kind == "anonymous":
            return False
        scopes: frozenset[str] = getattr(principal, "scopes", frozenset())
        if not all(_any_group(g, scopes.__contains__) for g in req.scopes):
            return False
        if not all(_any_group(g, lambda name: self._policy(name, principal, cache)) for g in req.policies):
            return False
        return all(_access(rule, kind, getattr(principal, "roles", frozenset())) for rule in req.access)

    def _policy(self, name: str, principal: Any, cache: dict[str, bool]) -> bool:
        if name not in cache:
            check = self.policies.get(name)
            try:
                cache[name] = bool(check(principal)) if check is not None else False
            except Exception:  # a failing policy denies
                cache[name] = False
        return cache[name]


def _kind(principal: Any) -> str:
    return getattr(principal, "kind", None) or "anonymous"


def _any_group(groups: Groups, has: Callable[[str], bool]) -> bool:
    return any(all(has(x) for x in group) for group in groups)


def _access(rule: AccessRule, kind: str, roles: frozenset[str]) -> bool:
    if rule.principals is not None and kind not in rule.principals:
        return False
    return rule.roles is None or bool(rule.roles & roles)
