"""One gateway, every contract: their schemas, and the pipeline hook that picks one per request.

`ContractServing` is built with the gateway (once per supergraph version) and is
one of the pipeline's built-in plugins: its `on_request` sets `ctx.contract`
(None for the full API schema) or refuses the request, before anything is
parsed. The gateway then validates, coerces variables, introspects, suggests and
caches against `schema(ctx.contract)`; plans are still made on the full
supergraph (a contract only hides, it never changes how a field is resolved).
"""

from __future__ import annotations

import logging
from typing import Any

from bff_common.contracts.definitions import Contracts

from .selection import ContractRefused, ContractSelector

logger = logging.getLogger("bff.contracts")


class ContractServing:
    """The contracts' schemas by name, and the selection hook."""

    __slots__ = ("contracts", "schemas", "selector", "paths", "warnings")

    def __init__(self, supergraph: Any, contracts: Contracts) -> None:
        """`supergraph`: the parsed supergraph document. Raises ContractsInvalid naming each bad contract."""
        from bff_common.contracts.schemas import build_contract_schemas

        built = build_contract_schemas(supergraph, contracts.definitions)
        self.contracts = contracts
        self.schemas: dict[str, Any] = built.schemas
        self.selector = ContractSelector(contracts)
        self.paths = self.selector.paths
        self.warnings = built.warnings
        for warning in built.warnings:
            logger.warning("%s", warning)

    def on_request(self, ctx: Any) -> None:
        """The pipeline hook: `ctx.contract` for this request, or a Reject naming the contract asked for."""
        try:
            ctx.contract = self.selector.select(ctx.headers, ctx.principal, ctx.request.path)
        except ContractRefused as refused:
            from ..pipeline import Reject

            raise Reject(refused.message, refused.code, refused.status) from None

    def schema(self, name: str) -> Any:
        return self.schemas[name]
