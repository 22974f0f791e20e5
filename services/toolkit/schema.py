"""The federation schema class the example services share.

Three reasons for a subclass: one place pins the Federation version the
services link (2.7, which both reference composers accept); errors a resolver
raises on purpose (a `GraphQLError`: "already enrolled") or a client causes
(validation) are answers, not faults, so they are not logged with a traceback
(unexpected exceptions still are); and production hardening: introspection
(`__schema`, `__type`) and "Did you mean ...?" suggestions are off unless the
service runs in development (`dev=True`, or BFF_SERVICE_DEV=1 in its
environment, which `bff dev` sets). `_service { sdl }`, what composers read,
stays available: it is not introspection.
"""

from __future__ import annotations

import os
import re
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

FEDERATION_VERSION = "2.7"
DEV_ENV = "BFF_SERVICE_DEV"
_SUGGESTION = re.compile(r" Did you mean [^\n]*\?$")


def dev_mode() -> bool:
    """Whether services built now run in development mode (BFF_SERVICE_DEV=1)."""
    return os.environ.get(DEV_ENV, "").strip().lower() in ("1", "true", "yes")


class Schema(strawberry.federation.Schema):
    def __init__(self, *args: Any, dev: bool | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("federation_version", FEDERATION_VERSION)
        self.dev = dev_mode() if dev is None else dev
        if not self.dev:
            from strawberry.extensions import DisableIntrospection

            kwargs["extensions"] = [*kwargs.get("extensions", ()), DisableIntrospection]
            config = kwargs.get("config") or StrawberryConfig()
            config.disable_field_suggestions = True
            kwargs["config"] = config
        super().__init__(*args, **kwargs)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        if not self.dev:  # type and argument hints too, not only fields
            for error in errors:
                if "Did you mean" in error.message:
                    error.message = _SUGGESTION.sub("", error.message)
        unexpected = [e for e in errors if e.original_error is not None and not isinstance(e.original_error, GraphQLError)]
        super().process_errors(unexpected, execution_context)
