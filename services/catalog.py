"""The example services: name, where their ASGI app and schema live, and the
loopback port each listens on by default (4101..4104).

Used by `bff dev`, the compose script, the tests and the benchmark, so a new
service is added here once.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT_BASE = 4101


@dataclass(frozen=True, slots=True)
class ExampleService:
    name: str
    # "module:attribute" of the ASGI app, as uvicorn takes it.
    app: str
    # "module:attribute" of the strawberry schema.
    schema: str
    port: int

    def url(self, host: str = DEFAULT_HOST, port: int | None = None) -> str:
        """The service's GraphQL endpoint."""
        return f"http://{host}:{self.port if port is None else port}/graphql"

    def load_app(self) -> Any:
        return _load(self.app)

    def create_app(self, identity_secret: str | None = None) -> Any:
        """A new app of this service, verifying identities signed with `identity_secret`
        (None: as its environment says, like `load_app`)."""
        factory = _load(self.app.rsplit(":", 1)[0] + ":create_app")
        return factory(None if identity_secret is None else [identity_secret])

    def load_schema(self) -> Any:
        return _load(self.schema)


def _load(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


SERVICES: tuple[ExampleService, ...] = tuple(
    ExampleService(name, f"services.{name}.app:app", f"services.{name}.schema:schema", DEFAULT_PORT_BASE + offset)
    for offset, name in enumerate(("accounts", "courses", "enrollments", "reviews"))
)


def by_name(name: str) -> ExampleService:
    for service in SERVICES:
        if service.name == name:
            return service
    raise KeyError(f"no example service {name!r}; known: {', '.join(s.name for s in SERVICES)}")


def subgraph_urls(host: str = DEFAULT_HOST, port_base: int = DEFAULT_PORT_BASE) -> dict[str, str]:
    """{name: url} for services listening on consecutive ports from `port_base`."""
    return {s.name: s.url(host, port_base + offset) for offset, s in enumerate(SERVICES)}
