"""`AccessControl`: the gateway's access checks for one supergraph.

Per request: `signature` (the decisions for the requirements the operation's fields
carry, part of the plan cache key), `restrict` (the operation without denied fields,
or a refusal in reject mode), `errors` (null + error placement) and
`identity_headers` (the signed principal for the subgraphs).
"""

from __future__ import annotations

from typing import Any

from bff_common.access_evaluate import UNAUTHENTICATED, Evaluator
from bff_common.access_rules import read_rules

from ..lru import LRU
from .errors import denied_errors, reject_errors
from .transform import AccessWalker, Denied

MODES = ("filter", "reject")


class AccessControl:
    def __init__(self, document: Any, api_schema: Any, config: Any) -> None:
        mode = getattr(config, "access_mode", "filter")
        if mode not in MODES:
            raise ValueError(f'access_mode must be "filter" or "reject", not {mode!r}')
        self.mode = mode
        self.rules = read_rules(document)
        self.walker = AccessWalker(api_schema, self.rules)
        from .policies import compile_policies

        self.evaluator = Evaluator(compile_policies(getattr(config, "access_policies", None)))
        # The @policy names the supergraph uses: their verdicts travel in the signed identity.
        self._policy_names = sorted({name for req in (*self.rules.types.values(), *self.rules.fields.values())
                                     for groups in req.policies for group in groups for name in group})
        self._requirements: LRU[tuple[Any, ...]] = LRU(config.plan_cache_size)
        self.secret: str | None = None
        self.signer: Any = None  # IdentitySigner for the transport, when an identity secret is configured
        reference = getattr(config, "identity_secret", None)
        if reference:
            from bff_common.identity import IdentitySigner
            from bff_common.secrets import SecretResolver, is_reference

            self.secret = SecretResolver().resolve(reference) if is_reference(reference) else reference
            self.signer = IdentitySigner(self.secret)

    def signature(self, key: tuple[Any, ...], operation: Any, fragments: dict[str, Any],
                  principal: Any) -> tuple[Any, ...]:
        """The decisions (None or a code) for each distinct requirement in the operation; () when it has none."""
        if not self.rules:
            return ()
        requirements = self._requirements.get(key)
        if requirements is None:
            requirements = (self.walker.requirements(operation, fragments),)
            self._requirements.put(key, requirements)
        cache: dict[str, bool] = {}
        return tuple(self.evaluator.decide(r, principal, cache) for r in requirements[0])

    def restrict(self, operation: Any, fragments: dict[str, Any], variables: dict[str, Any],
                 principal: Any) -> tuple[Any, dict[str, Any], list[Denied]] | None:
        """(selection set, fragments, denied) to plan with, None when nothing is denied.
        Raises RequestError in reject mode."""
        if not self.rules:
            return None
        cache: dict[str, bool] = {}

        def decide(req: Any) -> str | None:
            return self.evaluator.decide(req, principal, cache)

        denied = self.walker.denied(operation, fragments, variables, decide)
        if not denied:
            return None
        if self.mode == "reject":
            from ..operation.prepare import RequestError

            errors = reject_errors(denied)
            unauthenticated = all(e["extensions"]["code"] == UNAUTHENTICATED for e in errors)
            raise RequestError(errors, status=401 if unauthenticated else 403)
        selection_set, new_fragments = self.walker.filtered(operation, fragments, decide)
        return selection_set, new_fragments, denied

    def errors(self, data: Any, denied: list[Denied]) -> list[dict[Any, Any]]:
        return denied_errors(data, denied, self.walker.applies)

    def identity_headers(self, principal: Any) -> dict[str, str] | None:
        """The principal payload (x-bff-principal) for the subgraph requests; the transport signs
        each request with it (identity.IdentitySigner). None without an identity secret."""
        if self.secret is None:
            return None
        from bff_common.identity import PRINCIPAL, principal_payload

        from .policies import outcome

        policies = self.evaluator.policies
        verdicts = {n: outcome(policies[n], principal) for n in self._policy_names if n in policies}
        return {PRINCIPAL: principal_payload(principal, verdicts)}
