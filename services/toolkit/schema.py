"""The federation schema class the example services share.

Two reasons for a subclass: one place pins the Federation version the
services link (2.7, which both reference composers accept), and errors a
resolver raises on purpose (a `GraphQLError`: "already enrolled") or a client
causes (validation) are answers, not faults, so they are not logged with a
traceback; unexpected exceptions still are.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

FEDERATION_VERSION = "2.7"


class Schema(strawberry.federation.Schema):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("federation_version", FEDERATION_VERSION)
        super().__init__(*args, **kwargs)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        unexpected = [e for e in errors if e.original_error is not None and not isinstance(e.original_error, GraphQLError)]
        super().process_errors(unexpected, execution_context)
